import type { Db } from "@/db/client";
import { callerMessages, type CallerMessage } from "@/db/schema";
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
  details?: Record<string, string>;
};

export async function takeCallerMessage(db: Db, input: TTakeMessageInput): Promise<CallerMessage> {
  const details = Object.entries(input.details ?? {}).filter(([, v]) => v.trim() !== "");
  const message =
    details.length > 0
      ? `${input.message.trim()}\n\n${details.map(([k, v]) => `${k}: ${v.trim()}`).join("\n")}`
      : input.message.trim();
  // The message text gets the team's PII redaction like a turn; the name and callback number are the message's
  // purpose and stay as given.
  const redacted = redactText(message, await redactionSettingsFor(db, input.teamId)).text;
  const [row] = await db
    .insert(callerMessages)
    .values({
      teamId: input.teamId,
      callId: input.callId,
      agentId: input.agentId,
      callerName: input.callerName.trim(),
      callbackNumber: input.callbackNumber.trim(),
      message: redacted,
    })
    .returning();
  if (!row) throw new Error("Message insert returned no row");
  return row;
}
