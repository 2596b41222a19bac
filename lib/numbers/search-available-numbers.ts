import { z } from "zod";
import type { Db } from "@/db/client";
import { createTwilioClient } from "@/lib/twilio/client";
import { NUMBER_COUNTRY_CODES, type TNumbersConfig } from "./config";
import { localNumberPrice, type TNumberPrice } from "./number-price";
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

// What to try when a narrowed search found nothing: the area codes (US, CA) of numbers that are for sale in the
// country right now, or just how many there are.
export type TSearchAlternatives = { areaCodes: string[]; count: number; isCapped: boolean };

const ALTERNATIVES_LIMIT = 50;

// Voice-capable local numbers for sale, searched on the team's account (or the platform's, before the team
// has a subaccount: looking is not a reason to create one). Capped at SEARCH_LIMIT; narrow the search for more.
// With the monthly price of such a number, and alternatives when an area code or digits matched nothing.
export async function searchAvailableNumbers(
  db: Db,
  teamId: string,
  config: TNumbersConfig,
  input: TNumberSearch,
): Promise<{ numbers: TAvailableNumberResult[]; isCapped: boolean; price: TNumberPrice | null; alternatives: TSearchAlternatives | null }> {
  const team = await peekTeamTwilio(db, teamId, config);
  const platform = team ? null : requirePlatform(config);
  const client = team?.client ?? createTwilioClient(platform!, { baseUrl: config.apiBaseUrl });
  const accountSid = team?.accountSid ?? platform!.accountSid;
  const search = (filters: { areaCode?: string; contains?: string }, limit: number) =>
    callTwilio(
      "search",
      () =>
        client.availablePhoneNumbers(input.country).local.list({
          voiceEnabled: true,
          ...(filters.areaCode ? { areaCode: Number(filters.areaCode) } : {}),
          ...(filters.contains ? { contains: filters.contains } : {}),
          limit,
        }),
      { isOwnAccount: team?.isOwnAccount },
    );
  const [found, price] = await Promise.all([
    search(input, SEARCH_LIMIT),
    localNumberPrice(client, accountSid, input.country, { isSandbox: config.isSandbox && !team?.isOwnAccount }),
  ]);
  let alternatives: TSearchAlternatives | null = null;
  if (found.length === 0 && (input.areaCode || input.contains)) {
    const any = await search({}, ALTERNATIVES_LIMIT);
    const areaCodes =
      input.country === "US" || input.country === "CA"
        ? [...new Set(any.map((n) => n.phoneNumber).filter((p) => p.startsWith("+1")).map((p) => p.slice(2, 5)))].sort()
        : [];
    alternatives = { areaCodes, count: any.length, isCapped: any.length >= ALTERNATIVES_LIMIT };
  }
  return {
    price,
    alternatives,
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
