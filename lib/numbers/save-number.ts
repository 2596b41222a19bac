import type { DbOrTx } from "@/db/client";
import { phoneNumbers, type PhoneNumber } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { assertRoomForNumber } from "@/lib/teams/platform-limits";
import { countryOfE164 } from "./config";
import type { TAssignableAgent } from "./team-agent";

// The row for a number Twilio now routes to our voice server (bought or imported), with its audit entry.
// Callers run it after Twilio succeeded, and undo the Twilio side if it throws.
export async function saveTwilioNumber(
  db: DbOrTx,
  input: {
    teamId: string;
    actor: TAuditActor;
    agent: TAssignableAgent | null;
    twilioNumber: { sid: string; phoneNumber: string; accountSid?: string | null; friendlyName?: string | null };
    fallbackAccountSid: string;
    source: "purchased" | "imported";
    metadata?: Record<string, unknown>;
    maxNumbersPerTeam: number;
  },
): Promise<PhoneNumber> {
  const { teamId, agent, twilioNumber } = input;
  return db.transaction(async (tx) => {
    await assertRoomForNumber(tx, teamId, input.maxNumbersPerTeam, { lock: true });
    const [row] = await tx
      .insert(phoneNumbers)
      .values({
        teamId,
        agentId: agent?.id ?? null,
        e164: twilioNumber.phoneNumber,
        twilioSid: twilioNumber.sid,
        twilioAccountSid: twilioNumber.accountSid || input.fallbackAccountSid,
        friendlyName: twilioNumber.friendlyName ?? "",
        country: countryOfE164(twilioNumber.phoneNumber),
        source: input.source,
        status: "active",
        isVoiceConfigured: true,
      })
      .returning();
    if (!row) throw new Error("insert returned no row");
    await recordAudit(tx, {
      teamId,
      actor: input.actor,
      action: input.source === "purchased" ? "number.purchased" : "number.imported",
      targetType: "phone_number",
      targetId: row.id,
      targetLabel: row.e164,
      metadata: {
        twilioSid: row.twilioSid,
        accountSid: row.twilioAccountSid,
        ...input.metadata,
        ...(agent ? { agent: agent.name } : {}),
      },
    });
    return row;
  });
}
