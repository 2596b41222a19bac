import { and, desc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { callerMessages, callers, calls, type Caller, type CallerMessage } from "@/db/schema";
import { openMessages, TeamFields } from "@/lib/crypto/team-fields";
import { AppError } from "@/lib/errors";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type TCallerCall = Pick<
  typeof calls.$inferSelect,
  "id" | "startedAt" | "durationSec" | "outcome" | "summary" | "topic" | "capturedFields" | "recordingPath" | "endReason" | "status"
>;
export type TCallerDetail = Caller & {
  calls: TCallerCall[];
  messages: CallerMessage[];
  // Captured fields as they changed, oldest first: each call that captured something, with what it captured.
  capturedHistory: { callId: string; at: Date; fields: Record<string, string> }[];
};

const MAX_CALLS = 200;

// Another team's caller id is not found.
export async function getCaller(db: Db, teamId: string, callerId: string): Promise<Caller> {
  if (!UUID.test(callerId)) throw new AppError("not_found", "Caller not found.");
  const [caller] = await db
    .select()
    .from(callers)
    .where(and(eq(callers.id, callerId), eq(callers.teamId, teamId)))
    .limit(1);
  if (!caller) throw new AppError("not_found", "Caller not found.");
  return caller;
}

export async function getCallerDetail(db: Db, teamId: string, callerId: string): Promise<TCallerDetail> {
  const caller = await getCaller(db, teamId, callerId);
  const [callRows, messages] = await Promise.all([
    db
      .select({
        id: calls.id,
        startedAt: calls.startedAt,
        durationSec: calls.durationSec,
        outcome: calls.outcome,
        summary: calls.summary,
        topic: calls.topic,
        capturedFields: calls.capturedFields,
        recordingPath: calls.recordingPath,
        endReason: calls.endReason,
        status: calls.status,
      })
      .from(calls)
      .where(and(eq(calls.teamId, teamId), eq(calls.fromNumber, caller.e164), eq(calls.isTest, false)))
      .orderBy(desc(calls.startedAt))
      .limit(MAX_CALLS),
    db
      .select()
      .from(callerMessages)
      .where(and(eq(callerMessages.teamId, teamId), eq(callerMessages.callerId, caller.id)))
      .orderBy(desc(callerMessages.createdAt))
      .limit(MAX_CALLS),
  ]);
  const fields = new TeamFields(db, teamId);
  const readableCalls = await Promise.all(callRows.map(async (c) => ({ ...c, capturedFields: await fields.openFields(c.capturedFields) })));
  const capturedHistory = readableCalls
    .filter((c) => Object.keys(c.capturedFields).length > 0)
    .map((c) => ({ callId: c.id, at: c.startedAt, fields: c.capturedFields }))
    .reverse();
  return { ...caller, calls: readableCalls, messages: await openMessages(db, messages), capturedHistory };
}
