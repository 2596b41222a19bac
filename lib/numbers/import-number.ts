import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { phoneNumbers, type PhoneNumber } from "@/db/schema";
import type { TAuditActor } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import { assertRoomForNumber, PLATFORM_LIMIT_DEFAULTS } from "@/lib/teams/platform-limits";
import { isUniqueViolation } from "./buy-number";
import { voiceWebhooks, type TNumbersConfig } from "./config";
import { saveTwilioNumber } from "./save-number";
import { findTeamAgent, notLiveNote, zOptionalAgentId, type TAssignableAgent } from "./team-agent";
import { peekTeamTwilio } from "./twilio-account";
import { callTwilio } from "./twilio-errors";
import { log } from "@/lib/observability/log";

export const IMPORT_LIST_LIMIT = 500;

export type TImportableNumber = {
  sid: string;
  phoneNumber: string;
  friendlyName: string;
  // Where its calls go now, if somewhere other than our voice server.
  currentVoiceUrl: string | null;
};

// Numbers in the team's Twilio account that are not yet numbers here.
export async function listImportableNumbers(db: Db, teamId: string, config: TNumbersConfig): Promise<{ accountSid: string | null; numbers: TImportableNumber[] }> {
  const twilio = await peekTeamTwilio(db, teamId, config);
  if (!twilio) return { accountSid: null, numbers: [] };
  const owned = await callTwilio("list", () => twilio.client.incomingPhoneNumbers.list({ limit: IMPORT_LIST_LIMIT }), { isOwnAccount: twilio.isOwnAccount });
  if (owned.length === 0) return { accountSid: twilio.accountSid, numbers: [] };
  const taken = await db
    .select({ e164: phoneNumbers.e164 })
    .from(phoneNumbers)
    .where(and(inArray(phoneNumbers.e164, owned.map((n) => n.phoneNumber)), eq(phoneNumbers.status, "active")));
  const takenSet = new Set(taken.map((t) => t.e164));
  const ours = voiceWebhooks(config).voiceUrl;
  return {
    accountSid: twilio.accountSid,
    numbers: owned
      .filter((n) => !takenSet.has(n.phoneNumber))
      .map((n) => ({
        sid: n.sid,
        phoneNumber: n.phoneNumber,
        friendlyName: n.friendlyName ?? n.phoneNumber,
        currentVoiceUrl: n.voiceUrl && n.voiceUrl !== ours ? n.voiceUrl : null,
      })),
  };
}

export const ZImportNumber = z.object({
  twilioSid: z
    .string()
    .trim()
    .regex(/^PN[0-9a-fA-F]{32}$/, "Pick a number from the list"),
  agentId: zOptionalAgentId,
});
export type TImportNumber = z.infer<typeof ZImportNumber>;

// Takes over a number the team already owns in Twilio: points its webhooks at the voice server, then records
// it. If the record cannot be written, the number's previous webhooks are put back.
export async function importNumber(
  db: Db,
  teamId: string,
  actor: TAuditActor,
  config: TNumbersConfig,
  input: TImportNumber,
): Promise<{ number: PhoneNumber; agent: TAssignableAgent | null; message: string }> {
  const agent = input.agentId ? await findTeamAgent(db, teamId, input.agentId) : null;
  const maxNumbersPerTeam = config.maxNumbersPerTeam ?? PLATFORM_LIMIT_DEFAULTS.maxNumbersPerTeam;
  await assertRoomForNumber(db, teamId, maxNumbersPerTeam);
  const twilio = await peekTeamTwilio(db, teamId, config);
  if (!twilio) throw new AppError("bad_request", "This team has no Twilio account yet, so there is nothing to import.");
  const context = { isOwnAccount: twilio.isOwnAccount };
  const existing = await callTwilio("import", () => twilio.client.incomingPhoneNumbers(input.twilioSid).fetch(), context);
  const [active] = await db
    .select({ teamId: phoneNumbers.teamId })
    .from(phoneNumbers)
    .where(and(eq(phoneNumbers.e164, existing.phoneNumber), eq(phoneNumbers.status, "active")))
    .limit(1);
  if (active) {
    throw new AppError("conflict", active.teamId === teamId ? `${existing.phoneNumber} is already one of this team's numbers.` : `${existing.phoneNumber} is already in use by another team.`);
  }
  const previous = {
    voiceUrl: existing.voiceUrl ?? "",
    voiceMethod: existing.voiceMethod || "POST",
    statusCallback: existing.statusCallback ?? "",
    statusCallbackMethod: existing.statusCallbackMethod || "POST",
  };
  await callTwilio("configure", () => twilio.client.incomingPhoneNumbers(existing.sid).update(voiceWebhooks(config)), { ...context, phoneNumber: existing.phoneNumber });

  try {
    const number = await saveTwilioNumber(db, {
      teamId,
      actor,
      agent,
      twilioNumber: existing,
      fallbackAccountSid: twilio.accountSid,
      source: "imported",
      metadata: { previousVoiceUrl: previous.voiceUrl || null },
      maxNumbersPerTeam,
    });
    return {
      number,
      agent,
      message: `Imported ${number.e164}${agent ? ` and assigned it to ${agent.name}.` : ". Assign an agent to answer its calls."}${notLiveNote(agent)}`,
    };
  } catch (error) {
    await twilio.client
      .incomingPhoneNumbers(existing.sid)
      .update(previous)
      .catch((restoreError: unknown) => log.error("could not restore an imported number's webhooks", { sid: existing.sid, error: restoreError }));
    if (isUniqueViolation(error)) throw new AppError("conflict", `${existing.phoneNumber} is already in use here.`);
    throw error;
  }
}
