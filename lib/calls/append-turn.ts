import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { calls, callTurns, type NewCallTurn } from "@/db/schema";

export type TAppendTurnInput = Omit<NewCallTurn, "id" | "createdAt" | "searchVector" | "sentiment">;

// One turn as it completes, plus the call's rolled-up turn count, in one transaction. Idempotent on
// (team, call, seq) so a retried write after a lost acknowledgement does not double count.
export async function appendCallTurn(db: Db, input: TAppendTurnInput): Promise<void> {
  await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(callTurns)
      .values(input)
      .onConflictDoNothing({ target: [callTurns.teamId, callTurns.callId, callTurns.seq] })
      .returning({ id: callTurns.id });
    if (inserted.length === 0) return;
    await tx
      .update(calls)
      .set({ turnCount: sql`${calls.turnCount} + 1` })
      .where(and(eq(calls.id, input.callId), eq(calls.teamId, input.teamId)));
  });
}
