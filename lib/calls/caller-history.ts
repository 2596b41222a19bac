import { and, desc, eq, isNotNull, ne } from "drizzle-orm";
import type { Db } from "@/db/client";
import { calls } from "@/db/schema";

export type TCallerHistoryEntry = {
  callId: string;
  startedAt: Date;
  outcome: string | null;
  summary: string | null;
  topic: string | null;
  durationSec: number | null;
};

// Earlier calls from the same number to the same team, newest first. Never crosses teams: one caller phoning two
// businesses on the platform is two strangers.
export async function lookupCallerHistory(
  db: Db,
  input: { teamId: string; fromNumber: string; excludeCallId?: string; limit?: number },
): Promise<TCallerHistoryEntry[]> {
  const from = input.fromNumber.trim();
  if (from === "") return [];
  const conditions = [eq(calls.teamId, input.teamId), eq(calls.fromNumber, from), isNotNull(calls.endedAt)];
  if (input.excludeCallId) conditions.push(ne(calls.id, input.excludeCallId));
  return db
    .select({
      callId: calls.id,
      startedAt: calls.startedAt,
      outcome: calls.outcome,
      summary: calls.summary,
      topic: calls.topic,
      durationSec: calls.durationSec,
    })
    .from(calls)
    .where(and(...conditions))
    .orderBy(desc(calls.startedAt))
    .limit(Math.min(Math.max(input.limit ?? 5, 1), 20));
}
