import { z } from "zod";
import type { Db } from "@/db/client";
import { createTwilioClient } from "@/lib/twilio/client";
import { NUMBER_COUNTRY_CODES, type TNumbersConfig } from "./config";
import { peekTeamTwilio, requirePlatform } from "./twilio-account";
import { callTwilio } from "./twilio-errors";

export const SEARCH_LIMIT = 20;

const emptyToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

export const ZNumberSearch = z
  .object({
    country: z.enum(NUMBER_COUNTRY_CODES, { error: "Pick a country" }),
    areaCode: z.preprocess(emptyToUndefined, z.string().trim().regex(/^\d{3}$/, "An area code has 3 digits").optional()),
    // Twilio's Contains: digits, letters (keypad) and * for any digit. Spaces and dashes are dropped.
    contains: z.preprocess(
      (v) => emptyToUndefined(typeof v === "string" ? v.replace(/[\s()-]/g, "").replace(/^\+/, "") : v),
      z
        .string()
        .regex(/^[0-9A-Za-z*]+$/, "Use digits, letters or * only")
        .min(2, "Enter at least 2 characters")
        .max(16, "At most 16 characters")
        .optional(),
    ),
  })
  .superRefine((input, ctx) => {
    if (input.areaCode && input.country !== "US" && input.country !== "CA") {
      ctx.addIssue({ code: "custom", path: ["areaCode"], message: "Area codes apply to US and Canadian numbers; use Digits instead" });
    }
  });
export type TNumberSearch = z.infer<typeof ZNumberSearch>;

export type TAvailableNumberResult = {
  phoneNumber: string;
  friendlyName: string;
  locality: string;
  region: string;
  isoCountry: string;
  capabilities: { voice: boolean; sms: boolean; mms: boolean };
};

// Twilio has returned both `SMS` and `sms`; read capability flags whatever their case.
function readCapabilities(raw: unknown): TAvailableNumberResult["capabilities"] {
  const flags = Object.fromEntries(Object.entries((raw ?? {}) as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), v === true]));
  return { voice: !!flags.voice, sms: !!flags.sms, mms: !!flags.mms };
}

// Voice-capable local numbers for sale, searched on the team's account (or the platform's, before the team
// has a subaccount: looking is not a reason to create one). Capped at SEARCH_LIMIT; narrow the search for more.
export async function searchAvailableNumbers(
  db: Db,
  teamId: string,
  config: TNumbersConfig,
  input: TNumberSearch,
): Promise<{ numbers: TAvailableNumberResult[]; isCapped: boolean }> {
  const team = await peekTeamTwilio(db, teamId, config);
  const client = team?.client ?? createTwilioClient(requirePlatform(config), { baseUrl: config.apiBaseUrl });
  const found = await callTwilio(
    "search",
    () =>
      client.availablePhoneNumbers(input.country).local.list({
        voiceEnabled: true,
        ...(input.areaCode ? { areaCode: Number(input.areaCode) } : {}),
        ...(input.contains ? { contains: input.contains } : {}),
        limit: SEARCH_LIMIT,
      }),
    { isOwnAccount: team?.isOwnAccount },
  );
  return {
    numbers: found.map((n) => ({
      phoneNumber: n.phoneNumber,
      friendlyName: n.friendlyName,
      locality: n.locality ?? "",
      region: n.region ?? "",
      isoCountry: n.isoCountry,
      capabilities: readCapabilities(n.capabilities),
    })),
    isCapped: found.length >= SEARCH_LIMIT,
  };
}
