import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "@/db/client";
import { agents, phoneNumbers, type PhoneNumber } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import { voiceWebhooks, type TNumbersConfig } from "./config";
import { findTeamAgent, notLiveNote, zOptionalAgentId, type TAssignableAgent } from "./team-agent";
import { twilioForNumber } from "./twilio-account";
import { callTwilio } from "./twilio-errors";

export const ZAssignNumber = z.object({ numberId: z.uuid("Unknown number"), agentId: zOptionalAgentId });
export type TAssignNumber = z.infer<typeof ZAssignNumber>;

export async function findActiveNumber(db: DbOrTx, teamId: string, numberId: string): Promise<PhoneNumber> {
  const [number] = await db
    .select()
    .from(phoneNumbers)
    .where(and(eq(phoneNumbers.teamId, teamId), eq(phoneNumbers.id, numberId), eq(phoneNumbers.status, "active")))
    .limit(1);
  if (!number) throw new AppError("not_found", "That number was not found in this team.");
  return number;
}

// Points the number's voice URL and status callback at the voice server (again).
export async function applyVoiceWebhooks(db: Db, teamId: string, number: PhoneNumber, config: TNumbersConfig, actor?: TAuditActor): Promise<void> {
  const twilio = await twilioForNumber(db, teamId, number.twilioAccountSid, config, actor);
  await callTwilio("configure", () => twilio.client.incomingPhoneNumbers(number.twilioSid).update(voiceWebhooks(config)), {
    phoneNumber: number.e164,
    isOwnAccount: twilio.isOwnAccount,
  });
  await db
    .update(phoneNumbers)
    .set({ isVoiceConfigured: true })
    .where(and(eq(phoneNumbers.teamId, teamId), eq(phoneNumbers.id, number.id)));
}

// Assigns, reassigns (agentId of another agent) or unassigns (no agentId) a number. A number whose webhooks
// were never set is configured on the way.
export async function assignNumber(
  db: Db,
  teamId: string,
  actor: TAuditActor,
  config: TNumbersConfig,
  input: TAssignNumber,
): Promise<{ number: PhoneNumber; agent: TAssignableAgent | null; message: string }> {
  const number = await findActiveNumber(db, teamId, input.numberId);
  const agent = input.agentId ? await findTeamAgent(db, teamId, input.agentId) : null;
  if (!number.isVoiceConfigured) await applyVoiceWebhooks(db, teamId, number, config, actor);
  if (number.agentId === (agent?.id ?? null)) {
    return { number: { ...number, isVoiceConfigured: true }, agent, message: agent ? `${number.e164} already goes to ${agent.name}.${notLiveNote(agent)}` : `${number.e164} has no agent.` };
  }
  const updated = await db.transaction(async (tx) => {
    const [previous] = number.agentId
      ? await tx.select({ name: agents.name }).from(agents).where(and(eq(agents.teamId, teamId), eq(agents.id, number.agentId)))
      : [];
    const [row] = await tx
      .update(phoneNumbers)
      .set({ agentId: agent?.id ?? null })
      .where(and(eq(phoneNumbers.teamId, teamId), eq(phoneNumbers.id, number.id), eq(phoneNumbers.status, "active")))
      .returning();
    if (!row) throw new AppError("not_found", "That number was released meanwhile.");
    await recordAudit(tx, {
      teamId,
      actor,
      action: agent ? "number.assigned" : "number.unassigned",
      targetType: "phone_number",
      targetId: row.id,
      targetLabel: row.e164,
      metadata: { changes: { agent: { from: previous?.name ?? null, to: agent?.name ?? null } } },
    });
    return row;
  });
  return {
    number: updated,
    agent,
    message: agent ? `${updated.e164} now goes to ${agent.name}.${notLiveNote(agent)}` : `${updated.e164} has no agent now; callers hear that no one is available.`,
  };
}
