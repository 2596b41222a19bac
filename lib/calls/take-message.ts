import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { callerMessages, callers, type CallerMessage } from "@/db/schema";
import { openMessage, TeamFields } from "@/lib/crypto/team-fields";
import { looksUrgent } from "@/lib/inbox/urgency";
import { redactText } from "@/lib/redaction/redact-text";
import { redactionSettingsFor } from "@/lib/redaction/redaction-settings";

export type TTakeMessageInput = {
  teamId: string;
  callId: string | null;
  agentId: string | null;
  callerName: string;
  callbackNumber: string;
  message: string;
  // Capture fields the agent collected (key -> value), kept with the message so whoever calls back sees them.
  // Keys starting with "_" are the tool's own arguments carried through (see MESSAGE_META_KEYS).
  details?: Record<string, string>;
  kind?: "message" | "voicemail";
  // The model's word (take_message's `urgent`); the message text is checked as well.
  isUrgent?: boolean;
  department?: string | null;
};

// take_message's `urgent` and `department` arguments travel to here inside `details` under these keys (capture
// field keys start with a letter, so they never collide): the live session passes the tool's validated details
// through unchanged, and this keeps it that way.
export const MESSAGE_META_KEYS = { urgent: "_urgent", department: "_department" } as const;

export async function takeCallerMessage(db: Db, input: TTakeMessageInput): Promise<CallerMessage> {
  const all = input.details ?? {};
  const metaUrgent = all[MESSAGE_META_KEYS.urgent];
  const metaDepartment = all[MESSAGE_META_KEYS.department];
  const details = Object.entries(all).filter(([k, v]) => !k.startsWith("_") && v.trim() !== "");
  const message =
    details.length > 0
      ? `${input.message.trim()}\n\n${details.map(([k, v]) => `${k}: ${v.trim()}`).join("\n")}`
      : input.message.trim();
  // The message text gets the team's PII redaction like a turn; the name and callback number are the message's
  // purpose and stay as given.
  const redacted = redactText(message, await redactionSettingsFor(db, input.teamId)).text;
  // Urgent when the model says so, or when the words clearly say so although the model did not: a missed
  // emergency costs more than an urgent flag too many.
  const isUrgent = input.isUrgent === true || metaUrgent === "true" || looksUrgent(input.message);
  const department = (input.department ?? metaDepartment ?? "").trim() || null;
  // Stored sealed under the team's data key; the row returned reads as written.
  const fields = new TeamFields(db, input.teamId);
  const callbackNumber = input.callbackNumber.trim();
  const [row] = await db
    .insert(callerMessages)
    .values({
      teamId: input.teamId,
      callId: input.callId,
      agentId: input.agentId,
      // The caller entry of the call's number (written when the call came in), when there is one.
      callerId: input.callId
        ? sql`(select cr.id from callers cr join calls c on c.team_id = cr.team_id and c.from_number = cr.e164 where c.id = ${input.callId} and c.team_id = ${input.teamId} and not c.is_test limit 1)`
        : null,
      kind: input.kind ?? "message",
      callerName: await fields.seal(input.callerName.trim(), "caller_messages.caller_name"),
      callbackNumber: await fields.seal(callbackNumber, "caller_messages.callback_number"),
      callbackNumberMac: await fields.numberMac(callbackNumber),
      message: await fields.seal(redacted, "caller_messages.message"),
      isUrgent,
      department,
    })
    .returning();
  if (!row) throw new Error("Message insert returned no row");
  // The caller's entry takes the name at once (the inbox and the caller page show it while the call goes on),
  // unless a member typed one.
  const name = input.callerName.trim();
  if (row.callerId && name) {
    await db
      .update(callers)
      .set({ name })
      .where(and(eq(callers.id, row.callerId), eq(callers.teamId, input.teamId), eq(callers.isNameEdited, false)));
  }
  return openMessage(db, row, fields);
}
