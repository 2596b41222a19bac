import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { calls, callEvents } from "@/db/schema";

export type TCallEventKind = (typeof callEvents.kind.enumValues)[number];

export type TAppendEventInput = {
  teamId: string;
  callId: string;
  atMs: number;
  kind: TCallEventKind;
  name: string;
  data?: Record<string, unknown>;
};

// Error events also bump calls.error_count so call lists can flag failed calls without joining events.
export async function appendCallEvent(db: Db, input: TAppendEventInput): Promise<void> {
  const row = { ...input, atMs: Math.max(0, Math.round(input.atMs)), data: input.data ?? {} };
  if (input.kind !== "error") {
    await db.insert(callEvents).values(row);
    return;
  }
  await db.transaction(async (tx) => {
    await tx.insert(callEvents).values(row);
    await tx
      .update(calls)
      .set({ errorCount: sql`${calls.errorCount} + 1` })
      .where(and(eq(calls.id, input.callId), eq(calls.teamId, input.teamId)));
  });
}
