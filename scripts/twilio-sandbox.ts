// The local Twilio sandbox of `npm run dev` and the e2e stack: the fake Twilio REST API under the voice server's
// sandbox account, so numbers can be searched, bought and called with no Twilio account. It keeps nothing on
// disk; on start it re-learns the teams' subaccounts and active numbers from the database, so a restart of
// `npm run dev` does not strand what was bought before.
import { and, eq, isNotNull } from "drizzle-orm";
import { createDb } from "@/db/client";
import { phoneNumbers, teams } from "@/db/schema";
import { openSecret } from "@/lib/crypto/secret-box";
import { voiceWebhooks } from "@/lib/numbers/config";
import { defaultInventory, FakeTwilioRest, type TAvailableNumber } from "@/tests/fakes/twilio-rest";
import { SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN } from "@/voice-server/env";

export type TTwilioSandbox = {
  fake: FakeTwilioRest;
  // Give these to the web app and the voice server, so both use the fake and sign with the same account.
  env: { TWILIO_API_BASE_URL: string; TWILIO_ACCOUNT_SID: string; TWILIO_AUTH_TOKEN: string };
  restored: { accounts: number; numbers: number };
  close: () => Promise<void>;
};

export async function startTwilioSandbox(options: {
  databaseUrl?: string;
  secretKey?: Buffer;
  voicePublicUrl: string;
  port?: number;
  inventory?: TAvailableNumber[];
  // The platform account the fake serves: the sandbox one by default. The e2e stack, which runs the production
  // build (where the sandbox account is refused), gives it an account of its own.
  account?: { accountSid: string; authToken: string };
}): Promise<TTwilioSandbox> {
  const account = options.account ?? { accountSid: SANDBOX_ACCOUNT_SID, authToken: SANDBOX_AUTH_TOKEN };
  const fake = await FakeTwilioRest.start({
    accountSid: account.accountSid,
    authToken: account.authToken,
    port: options.port,
    inventory: options.inventory ?? sandboxInventory(),
  });
  const restored =
    options.databaseUrl && options.secretKey
      ? await restoreFromDatabase(fake, options.databaseUrl, options.secretKey, options.voicePublicUrl, account.accountSid)
      : { accounts: 0, numbers: 0 };
  return {
    fake,
    env: { TWILIO_API_BASE_URL: fake.url, TWILIO_ACCOUNT_SID: account.accountSid, TWILIO_AUTH_TOKEN: account.authToken },
    restored,
    close: () => fake.close(),
  };
}

export async function restoreFromDatabase(
  fake: FakeTwilioRest,
  databaseUrl: string,
  secretKey: Buffer,
  voicePublicUrl: string,
  platformAccountSid: string = SANDBOX_ACCOUNT_SID,
) {
  const { db, sql } = createDb(databaseUrl, { max: 1 });
  try {
    const accounts = await db
      .select({ sid: teams.twilioAccountSid, tokenEnc: teams.twilioAuthTokenEnc, name: teams.name, mode: teams.twilioMode, createdAt: teams.createdAt })
      .from(teams)
      .where(and(isNotNull(teams.twilioAccountSid), isNotNull(teams.twilioAuthTokenEnc)));
    let restoredAccounts = 0;
    for (const account of accounts) {
      if (!account.sid || !account.tokenEnc || fake.accounts.has(account.sid)) continue;
      let authToken: string;
      try {
        authToken = openSecret(account.tokenEnc, secretKey);
      } catch {
        console.warn(`twilio sandbox: cannot decrypt the token of ${account.sid} (AUTH_SECRET or ENCRYPTION_KEY changed); skipped`);
        continue;
      }
      fake.accounts.set(account.sid, {
        sid: account.sid,
        authToken,
        friendlyName: account.name,
        ownerAccountSid: account.mode === "platform_subaccount" ? platformAccountSid : account.sid,
        status: "active",
        type: "Full",
        dateCreated: account.createdAt,
        dateUpdated: account.createdAt,
      });
      restoredAccounts += 1;
    }

    const numbers = await db.select().from(phoneNumbers).where(eq(phoneNumbers.status, "active"));
    const hooks = voiceWebhooks({ voicePublicUrl });
    let restoredNumbers = 0;
    for (const number of numbers) {
      if (!fake.accounts.has(number.twilioAccountSid) || fake.numbers.has(number.twilioSid)) continue;
      const available = fake.inventory.find((n) => n.phoneNumber === number.e164) ?? synthesized(number.e164, number.friendlyName, number.country);
      fake.numbers.set(number.twilioSid, {
        sid: number.twilioSid,
        accountSid: number.twilioAccountSid,
        phoneNumber: number.e164,
        friendlyName: number.friendlyName || available.friendlyName,
        origin: "twilio",
        capabilities: { voice: true, sms: available.capabilities.SMS, mms: available.capabilities.MMS, fax: false },
        fields: number.isVoiceConfigured
          ? { VoiceUrl: hooks.voiceUrl, VoiceMethod: "POST", StatusCallback: hooks.statusCallback, StatusCallbackMethod: "POST" }
          : { VoiceMethod: "POST", StatusCallbackMethod: "POST" },
        available,
        dateCreated: number.createdAt,
        dateUpdated: number.updatedAt,
      });
      restoredNumbers += 1;
    }
    return { accounts: restoredAccounts, numbers: restoredNumbers };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

// The fake's US and UK numbers plus Canadian and Australian ones, all from ranges reserved for fiction.
export function sandboxInventory(): TAvailableNumber[] {
  const more: TAvailableNumber[] = [];
  const place = (p: Omit<TAvailableNumber, "phoneNumber" | "friendlyName" | "lata" | "rateCenter" | "beta" | "capabilities">, numbers: [string, string][]) => {
    for (const [phoneNumber, friendlyName] of numbers) {
      more.push({ ...p, phoneNumber, friendlyName, lata: null, rateCenter: null, beta: false, capabilities: { voice: true, SMS: true, MMS: false } });
    }
  };
  const lines = Array.from({ length: 10 }, (_, i) => String(100 + i).padStart(4, "0"));
  for (const [areaCode, locality, region, postalCode, latitude, longitude] of [
    ["416", "Toronto", "ON", "M5H", "43.65", "-79.38"],
    ["604", "Vancouver", "BC", "V6B", "49.28", "-123.12"],
  ] as const) {
    place(
      { isoCountry: "CA", locality, region, postalCode, latitude, longitude, addressRequirements: "none" },
      lines.map((line) => [`+1${areaCode}555${line}`, `(${areaCode}) 555-${line}`]),
    );
  }
  place(
    { isoCountry: "AU", locality: "Sydney", region: "NSW", postalCode: "2000", latitude: "-33.87", longitude: "151.21", addressRequirements: "local" },
    lines.map((line) => [`+61255500${line.slice(1)}`, `(02) 5550 0${line.slice(1)}`]),
  );
  return [...defaultInventory(), ...more];
}

function synthesized(e164: string, friendlyName: string, country: string): TAvailableNumber {
  return {
    phoneNumber: e164,
    friendlyName: friendlyName || e164,
    isoCountry: country,
    locality: "",
    region: "",
    postalCode: "",
    lata: null,
    rateCenter: null,
    latitude: "0",
    longitude: "0",
    addressRequirements: "none",
    beta: false,
    capabilities: { voice: true, SMS: false, MMS: false },
  };
}
