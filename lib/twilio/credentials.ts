import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { teams } from "@/db/schema";
import { openSecret } from "@/lib/crypto/secret-box";
import { createTwilioClient, type TTwilioCredentials } from "./client";

export type TResolvedTwilioAccount = TTwilioCredentials & {
  // null for the platform's own account.
  teamId: string | null;
  source: "platform" | "team" | "platform_subaccount";
};

export type TTwilioCredentialOptions = {
  platform?: TTwilioCredentials;
  // Decrypts teams.twilio_auth_token_enc (see lib/crypto/secret-box.ts).
  secretKey?: Buffer;
  apiBaseUrl?: string;
};

const SID_PATTERN = /^AC[0-9a-fA-F]{32}$/;

// The auth token Twilio signs with for `accountSid`: the platform account from the environment, or a team's
// subaccount / own account (stored encrypted on the team). A platform subaccount with no stored token is
// fetched with the platform credentials, which may read their subaccounts. Returns null for unknown accounts.
export async function resolveTwilioAccount(
  db: Db,
  accountSid: string,
  options: TTwilioCredentialOptions,
): Promise<TResolvedTwilioAccount | null> {
  if (!SID_PATTERN.test(accountSid)) return null;
  if (options.platform && options.platform.accountSid === accountSid) {
    return { ...options.platform, teamId: null, source: "platform" };
  }
  const [team] = await db
    .select({ id: teams.id, mode: teams.twilioMode, tokenEnc: teams.twilioAuthTokenEnc })
    .from(teams)
    .where(eq(teams.twilioAccountSid, accountSid))
    .limit(1);
  if (!team) return null;
  if (team.tokenEnc) {
    if (!options.secretKey) throw new Error("ENCRYPTION_KEY or AUTH_SECRET is needed to read team Twilio tokens.");
    return { accountSid, authToken: openSecret(team.tokenEnc, options.secretKey), teamId: team.id, source: "team" };
  }
  if (team.mode === "platform_subaccount" && options.platform) {
    const client = createTwilioClient(options.platform, { baseUrl: options.apiBaseUrl });
    const account = await client.api.v2010.accounts(accountSid).fetch();
    if (!account.authToken) return null;
    return { accountSid, authToken: account.authToken, teamId: team.id, source: "platform_subaccount" };
  }
  return null;
}

// Caches resolved accounts for a while: every webhook and stream upgrade needs the token, and it rarely changes.
export function createTwilioCredentialResolver(db: Db, options: TTwilioCredentialOptions & { cacheTtlMs?: number }) {
  const ttlMs = options.cacheTtlMs ?? 60_000;
  const cache = new Map<string, { value: TResolvedTwilioAccount | null; expiresAt: number }>();
  return {
    async resolve(accountSid: string): Promise<TResolvedTwilioAccount | null> {
      const now = Date.now();
      const hit = cache.get(accountSid);
      if (hit && hit.expiresAt > now) return hit.value;
      const value = await resolveTwilioAccount(db, accountSid, options);
      // Unknown accounts are cached briefly so a flood of forged requests cannot hammer the database.
      cache.set(accountSid, { value, expiresAt: now + (value ? ttlMs : Math.min(ttlMs, 5_000)) });
      if (cache.size > 10_000) cache.delete(cache.keys().next().value as string);
      return value;
    },
    forget(accountSid: string): void {
      cache.delete(accountSid);
    },
  };
}
export type TTwilioCredentialResolver = ReturnType<typeof createTwilioCredentialResolver>;
