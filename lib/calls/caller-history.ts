import { and, asc, eq, inArray, isNull, ne, or } from "drizzle-orm";
import type { Db } from "@/db/client";
import { callerMessages, callers } from "@/db/schema";

export type TCallerHistoryEntry = {
  callId: string;
  startedAt: Date;
  outcome: string | null;
  summary: string | null;
  topic: string | null;
  durationSec: number | null;
};

// What lookup_caller_history tells the live agent about the number it is talking to. Caller ID can be spoofed, so
// it is at most the fact of an open request (when it was left), never earlier summaries, topics, captured details
// or message texts: those stay on the caller page for the team (lib/callers/caller-context.ts). Never crosses
// teams: one caller phoning two businesses on the platform is two strangers.
export const OPEN_REQUEST_NOTE =
  "This number has an earlier request still waiting for a callback. Its details are not available on the phone; the team will call back on the number on file.";

export async function lookupCallerHistory(
  db: Db,
  input: { teamId: string; fromNumber: string; excludeCallId?: string; limit?: number },
): Promise<TCallerHistoryEntry[]> {
  const from = input.fromNumber.trim();
  if (from === "") return [];
  const [open] = await db
    .select({ callId: callerMessages.callId, createdAt: callerMessages.createdAt })
    .from(callerMessages)
    .innerJoin(callers, and(eq(callers.id, callerMessages.callerId), eq(callers.teamId, callerMessages.teamId)))
    .where(
      and(
        eq(callerMessages.teamId, input.teamId),
        eq(callers.e164, from),
        inArray(callerMessages.status, ["new", "assigned"]),
        input.excludeCallId ? or(isNull(callerMessages.callId), ne(callerMessages.callId, input.excludeCallId)) : undefined,
      ),
    )
    .orderBy(asc(callerMessages.createdAt))
    .limit(1);
  if (!open) return [];
  return [{ callId: open.callId ?? "", startedAt: open.createdAt, outcome: "message_taken", summary: OPEN_REQUEST_NOTE, topic: null, durationSec: null }];
}
