import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { phoneNumbers, type PhoneNumber } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { findActiveNumber } from "./assign-number";
import type { TNumbersConfig } from "./config";
import { twilioForNumber } from "./twilio-account";
import { isTwilioNotFound, twilioAppError } from "./twilio-errors";

export const ZReleaseNumber = z.object({ numberId: z.uuid("Unknown number") });
export type TReleaseNumber = z.infer<typeof ZReleaseNumber>;

// Releases in Twilio first, then marks the row released. The row stays for call history. A number Twilio no
// longer has (released in the console) is marked released too, since the database must not claim it.
export async function releaseNumber(
  db: Db,
  teamId: string,
  actor: TAuditActor,
  config: TNumbersConfig,
  input: TReleaseNumber,
): Promise<{ number: PhoneNumber; wasAlreadyGone: boolean }> {
  const number = await findActiveNumber(db, teamId, input.numberId);
  const twilio = await twilioForNumber(db, teamId, number.twilioAccountSid, config, actor);
  let wasAlreadyGone = false;
  try {
    await twilio.client.incomingPhoneNumbers(number.twilioSid).remove();
  } catch (error) {
    if (!isTwilioNotFound(error)) throw twilioAppError(error, "release", { phoneNumber: number.e164, isOwnAccount: twilio.isOwnAccount });
    wasAlreadyGone = true;
  }
  const released = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(phoneNumbers)
      .set({ status: "released", releasedAt: new Date(), isVoiceConfigured: false })
      .where(and(eq(phoneNumbers.teamId, teamId), eq(phoneNumbers.id, number.id), eq(phoneNumbers.status, "active")))
      .returning();
    // Released by a concurrent request: that one recorded it.
    if (!row) return { ...number, status: "released" as const };
    await recordAudit(tx, {
      teamId,
      actor,
      action: "number.released",
      targetType: "phone_number",
      targetId: row.id,
      targetLabel: row.e164,
      metadata: { twilioSid: row.twilioSid, ...(wasAlreadyGone ? { note: "already gone from Twilio" } : {}) },
    });
    return row;
  });
  return { number: released, wasAlreadyGone };
}
