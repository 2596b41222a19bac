import type { Db } from "@/db/client";
import { callerMessages, type CallerMessage } from "@/db/schema";

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
  const [row] = await db
    .insert(callerMessages)
    .values({
      teamId: input.teamId,
      callId: input.callId,
      agentId: input.agentId,
      callerName: input.callerName.trim(),
      callbackNumber: input.callbackNumber.trim(),
      message,
    })
    .returning();
  if (!row) throw new Error("Message insert returned no row");
  return row;
}
