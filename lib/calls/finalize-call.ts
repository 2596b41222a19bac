import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { calls } from "@/db/schema";

export type TCallStatus = (typeof calls.status.enumValues)[number];
export type TCallOutcome = (typeof calls.outcome.enumValues)[number];

export type TFinalizeCallInput = {
  teamId: string;
  callId: string;
  status: TCallStatus;
  outcome: TCallOutcome;
  endReason: string;
  endedAt: Date;
  durationSec: number;
  transferredTo?: string | null;
  recordingPath?: string | null;
  // Which store recordingPath is a key in; local disk unless said otherwise.
  recordingStorage?: "local" | "s3";
  voiceToVoiceP50Ms?: number | null;
  voiceToVoiceP95Ms?: number | null;
};

// Written by the voice server when its session ends. Every field only fills what is still empty, so running it
// twice, or after Twilio's status callback, never overwrites the first answer; the status only moves forward
// from ringing/in_progress.
export async function finalizeCall(db: Db, input: TFinalizeCallInput): Promise<void> {
  await db
    .update(calls)
    .set({
      status: sql`case when ${calls.status} in ('ringing', 'in_progress') then ${input.status}::call_status else ${calls.status} end`,
      outcome: sql`coalesce(${calls.outcome}, ${input.outcome}::call_outcome)`,
      endReason: sql`coalesce(${calls.endReason}, ${input.endReason})`,
      endedAt: sql`coalesce(${calls.endedAt}, ${input.endedAt.toISOString()}::timestamptz)`,
      durationSec: sql`coalesce(${calls.durationSec}, ${Math.max(0, Math.round(input.durationSec))}::integer)`,
      transferredTo: sql`coalesce(${calls.transferredTo}, ${input.transferredTo ?? null})`,
      recordingPath: sql`coalesce(${calls.recordingPath}, ${input.recordingPath ?? null})`,
      // Follows the path: only set where this write is the one that fills recording_path.
      recordingStorage: sql`case when ${calls.recordingPath} is null and ${input.recordingPath ?? null}::text is not null then ${input.recordingStorage ?? "local"}::recording_storage else ${calls.recordingStorage} end`,
      voiceToVoiceP50Ms: sql`coalesce(${calls.voiceToVoiceP50Ms}, ${input.voiceToVoiceP50Ms ?? null}::integer)`,
      voiceToVoiceP95Ms: sql`coalesce(${calls.voiceToVoiceP95Ms}, ${input.voiceToVoiceP95Ms ?? null}::integer)`,
    })
    .where(and(eq(calls.id, input.callId), eq(calls.teamId, input.teamId)));
}

const TWILIO_STATUS: Record<string, TCallStatus> = {
  queued: "ringing",
  ringing: "ringing",
  "in-progress": "in_progress",
  completed: "completed",
  busy: "busy",
  "no-answer": "no_answer",
  failed: "failed",
  canceled: "canceled",
};

export function mapTwilioCallStatus(callStatus: string): TCallStatus | null {
  return TWILIO_STATUS[callStatus] ?? null;
}

// POST /twilio/status: Twilio's word on how the call ended. Its duration is authoritative (billing), so it
// replaces ours; a call that never reached the agent becomes abandoned. Callbacks can arrive out of order, so an
// ended call never goes back to ringing or in_progress. Returns false when no call has that CallSid.
export async function applyTwilioCallStatus(
  db: Db,
  input: { accountSid?: string; callSid: string; callStatus: string; callDurationSec?: number; at: Date },
): Promise<boolean> {
  const status = mapTwilioCallStatus(input.callStatus);
  if (!status) return false;
  const isTerminal = !["ringing", "in_progress"].includes(status);
  // The callback must come from the account that owns the called number.
  const where = input.accountSid
    ? and(
        eq(calls.twilioCallSid, input.callSid),
        sql`(${calls.phoneNumberId} is null or exists (select 1 from phone_numbers p where p.id = ${calls.phoneNumberId} and p.twilio_account_sid = ${input.accountSid}))`,
      )
    : eq(calls.twilioCallSid, input.callSid);
  if (!isTerminal) {
    const rows = await db
      .update(calls)
      .set({
        status: sql`case when ${calls.status} = 'ringing' then ${status}::call_status else ${calls.status} end`,
      })
      .where(where)
      .returning({ id: calls.id });
    return rows.length > 0;
  }
  const duration = input.callDurationSec !== undefined && Number.isFinite(input.callDurationSec) ? Math.max(0, Math.round(input.callDurationSec)) : null;
  const rows = await db
    .update(calls)
    .set({
      status: sql`case when ${calls.status} in ('ringing', 'in_progress', 'completed') then ${status}::call_status else ${calls.status} end`,
      endedAt: sql`coalesce(${calls.endedAt}, ${input.at.toISOString()}::timestamptz)`,
      durationSec: sql`coalesce(${duration}::integer, ${calls.durationSec})`,
      outcome: sql`case when ${calls.outcome} is null and ${calls.answeredAt} is null then 'abandoned'::call_outcome else ${calls.outcome} end`,
      endReason: sql`case when ${calls.endReason} is null and ${calls.answeredAt} is null then ${"twilio_" + input.callStatus.replace(/-/g, "_")} else ${calls.endReason} end`,
    })
    .where(where)
    .returning({ id: calls.id });
  return rows.length > 0;
}
