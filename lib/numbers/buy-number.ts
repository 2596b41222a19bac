import { z } from "zod";
import type { Db } from "@/db/client";
import type { PhoneNumber } from "@/db/schema";
import type { TAuditActor } from "@/lib/audit/record-audit";
import { AppError, isAppError } from "@/lib/errors";
import { assertRoomForNumber, PLATFORM_LIMIT_DEFAULTS } from "@/lib/teams/platform-limits";
import { voiceWebhooks, type TNumbersConfig } from "./config";
import { saveTwilioNumber } from "./save-number";
import { findTeamAgent, notLiveNote, zOptionalAgentId, type TAssignableAgent } from "./team-agent";
import { getTeamTwilio } from "./twilio-account";
import { callTwilio, isTwilioNotFound } from "./twilio-errors";
import { log } from "@/lib/observability/log";

export const zE164 = z
  .string()
  .trim()
  .regex(/^\+[1-9]\d{6,14}$/, "Pick a number from the search results");

export const ZBuyNumber = z.object({ phoneNumber: zE164, agentId: zOptionalAgentId });
export type TBuyNumber = z.infer<typeof ZBuyNumber>;

export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; cause?: { code?: unknown } } | null;
  return e?.code === "23505" || e?.cause?.code === "23505";
}

// Buys in Twilio first, with the voice server's webhooks already set, and only then records the number: the
// database never claims a number Twilio does not have. If the record cannot be written, the number is released
// in Twilio again.
export async function buyNumber(
  db: Db,
  teamId: string,
  actor: TAuditActor,
  config: TNumbersConfig,
  input: TBuyNumber,
): Promise<{ number: PhoneNumber; agent: TAssignableAgent | null; message: string }> {
  const agent = input.agentId ? await findTeamAgent(db, teamId, input.agentId) : null;
  const maxNumbersPerTeam = config.maxNumbersPerTeam ?? PLATFORM_LIMIT_DEFAULTS.maxNumbersPerTeam;
  await assertRoomForNumber(db, teamId, maxNumbersPerTeam);
  const twilio = await getTeamTwilio(db, teamId, config, actor);
  const hooks = voiceWebhooks(config);
  const bought = await callTwilio(
    "buy",
    () => twilio.client.incomingPhoneNumbers.create({ phoneNumber: input.phoneNumber, ...hooks }),
    { phoneNumber: input.phoneNumber, isOwnAccount: twilio.isOwnAccount },
  );

  let number: PhoneNumber;
  try {
    number = await saveTwilioNumber(db, {
      teamId,
      actor,
      agent,
      twilioNumber: bought,
      fallbackAccountSid: twilio.accountSid,
      source: "purchased",
      maxNumbersPerTeam,
    });
  } catch (error) {
    const isReleased = await twilio.client
      .incomingPhoneNumbers(bought.sid)
      .remove()
      .then(
        () => true,
        (releaseError: unknown) => isTwilioNotFound(releaseError),
      );
    if (!isReleased) {
      log.error("number bought but neither saved nor released", { teamId, sid: bought.sid, e164: bought.phoneNumber, error });
      throw new AppError(
        "conflict",
        `${bought.phoneNumber} was bought in Twilio but could not be saved, and releasing it failed too. Release it in the Twilio console (${bought.sid}) or import it here.`,
      );
    }
    if (isUniqueViolation(error)) {
      throw new AppError("conflict", `${bought.phoneNumber} is already in use here, so the purchase was undone in Twilio. Pick another number.`);
    }
    // Another purchase took the team's last slot meanwhile: say so (the purchase was undone).
    if (isAppError(error)) throw error;
    log.error("saving a bought number failed; released it in Twilio", { teamId, sid: bought.sid, error });
    throw new AppError("conflict", `${bought.phoneNumber} could not be saved, so the purchase was undone in Twilio. Please try again.`);
  }
  return {
    number,
    agent,
    message: `Bought ${number.e164}${agent ? ` and assigned it to ${agent.name}.` : ". Assign an agent to answer its calls."}${notLiveNote(agent)}`,
  };
}
