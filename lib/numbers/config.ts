import { secretKeyFrom } from "@/lib/crypto/secret-box";
import { env } from "@/lib/env";
import type { TTwilioCredentials } from "@/lib/twilio/client";

import { SANDBOX_TWILIO } from "@/lib/twilio/sandbox";

export { SANDBOX_TWILIO };

export type TNumbersConfig = {
  // The platform's Twilio account, parent of every team's subaccount. Null: no account, not even a sandbox.
  platform: TTwilioCredentials | null;
  isSandbox: boolean;
  // TWILIO_API_BASE_URL: every REST call goes here instead of api.twilio.com (the local fake in the sandbox).
  apiBaseUrl?: string;
  // Encrypts team Twilio auth tokens at rest.
  secretKey: Buffer | null;
  // Where Twilio sends calls to a team's numbers.
  voicePublicUrl: string;
  // PLATFORM_MAX_NUMBERS_PER_TEAM; absent: the default.
  maxNumbersPerTeam?: number;
};

export function numbersConfigFromEnv(): TNumbersConfig {
  const e = env();
  const isSandbox = !e.TWILIO_ACCOUNT_SID || e.TWILIO_ACCOUNT_SID === SANDBOX_TWILIO.accountSid;
  let platform: TTwilioCredentials | null = null;
  if (e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN) platform = { accountSid: e.TWILIO_ACCOUNT_SID, authToken: e.TWILIO_AUTH_TOKEN };
  // Without credentials the sandbox account only works against a local fake; real Twilio would refuse it.
  else if (e.TWILIO_API_BASE_URL) platform = { ...SANDBOX_TWILIO };
  const hasSecret = !!(e.ENCRYPTION_KEY || e.AUTH_SECRET);
  return {
    platform,
    isSandbox,
    apiBaseUrl: e.TWILIO_API_BASE_URL,
    secretKey: hasSecret ? secretKeyFrom({ encryptionKey: e.ENCRYPTION_KEY, authSecret: e.AUTH_SECRET, nodeEnv: e.NODE_ENV, previousKeys: e.ENCRYPTION_KEY_PREVIOUS }) : null,
    voicePublicUrl: e.VOICE_PUBLIC_URL,
    maxNumbersPerTeam: e.PLATFORM_MAX_NUMBERS_PER_TEAM,
  };
}

// The webhooks every number of ours points at: the voice server's incoming-call and call-status endpoints.
export function voiceWebhooks(config: Pick<TNumbersConfig, "voicePublicUrl">) {
  const base = config.voicePublicUrl.replace(/\/+$/, "");
  return {
    voiceUrl: `${base}/twilio/voice`,
    voiceMethod: "POST",
    statusCallback: `${base}/twilio/status`,
    statusCallbackMethod: "POST",
  } as const;
}

export function requireSecretKey(config: TNumbersConfig): Buffer {
  if (!config.secretKey) throw new Error("Set ENCRYPTION_KEY or AUTH_SECRET to store Twilio credentials.");
  return config.secretKey;
}

// Countries offered in the number search, with their calling codes (also used to label imported numbers).
export const NUMBER_COUNTRIES = [
  { code: "US", name: "United States", dial: "1" },
  { code: "CA", name: "Canada", dial: "1" },
  { code: "GB", name: "United Kingdom", dial: "44" },
  { code: "AU", name: "Australia", dial: "61" },
  { code: "IE", name: "Ireland", dial: "353" },
  { code: "DE", name: "Germany", dial: "49" },
  { code: "FR", name: "France", dial: "33" },
  { code: "NL", name: "Netherlands", dial: "31" },
  { code: "ES", name: "Spain", dial: "34" },
  { code: "SE", name: "Sweden", dial: "46" },
] as const;
export type TNumberCountry = (typeof NUMBER_COUNTRIES)[number]["code"];
export const NUMBER_COUNTRY_CODES = NUMBER_COUNTRIES.map((c) => c.code) as [TNumberCountry, ...TNumberCountry[]];

// Best guess from the E.164 prefix; +1 is shared by the US and Canada, so it reads as US.
export function countryOfE164(e164: string): string {
  const digits = e164.replace(/^\+/, "");
  const match = [...NUMBER_COUNTRIES].sort((a, b) => b.dial.length - a.dial.length).find((c) => digits.startsWith(c.dial));
  return match?.code ?? "ZZ";
}
