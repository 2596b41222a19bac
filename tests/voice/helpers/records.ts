import { asc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { calls, callEvents, callTurns, type Call } from "@/db/schema";

// The call row once the voice server has finalized it (its last queued write).
export async function waitForEndedCall(db: Db, callSid: string, timeoutMs = 15_000): Promise<Call> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await db.select().from(calls).where(eq(calls.twilioCallSid, callSid));
    if (row?.endedAt && row.outcome) return row;
    if (Date.now() > deadline) throw new Error(`call ${callSid} was not finalized (row: ${JSON.stringify(row)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function turnsOf(db: Db, callId: string) {
  return db.select().from(callTurns).where(eq(callTurns.callId, callId)).orderBy(asc(callTurns.seq));
}

export async function eventsOf(db: Db, callId: string) {
  return db.select().from(callEvents).where(eq(callEvents.callId, callId)).orderBy(asc(callEvents.atMs));
}
