import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { calls, callTurns, type NewCallTurn } from "@/db/schema";

export type TAppendTurnInput = Omit<NewCallTurn, "id" | "createdAt" | "searchVector" | "sentiment">;

// One turn as it completes, plus the call's rolled-up turn count, in one statement (a data-modifying CTE: one round
// trip instead of a four-statement transaction, for every turn of every live call). Idempotent on (team, call, seq):
// a retried write after a lost acknowledgement inserts nothing and so counts nothing.
export async function appendCallTurn(db: Db, input: TAppendTurnInput): Promise<void> {
  const insert = db
    .insert(callTurns)
    .values(input)
    .onConflictDoNothing({ target: [callTurns.teamId, callTurns.callId, callTurns.seq] })
    .returning({ id: callTurns.id });
  await db.execute(sql`with inserted as (${insert.getSQL()})
    update ${calls} set turn_count = ${calls.turnCount} + (select count(*) from inserted)::int
     where ${and(eq(calls.id, input.callId), eq(calls.teamId, input.teamId))} and exists (select 1 from inserted)`);
}
