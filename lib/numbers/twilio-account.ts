import { and, count, eq, ne } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "@/db/client";
import { phoneNumbers, teams, type Team } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { openSecret, sealSecret } from "@/lib/crypto/secret-box";
import { AppError } from "@/lib/errors";
import { createTwilioClient, type TTwilioClient, type TTwilioCredentials } from "@/lib/twilio/client";
import { requireSecretKey, type TNumbersConfig } from "./config";
import { callTwilio } from "./twilio-errors";

// A team's Twilio account: a subaccount of the platform's account, created the first time the team needs one,
// or the team's own account. Credentials of both are stored on the team, the auth token encrypted.

export type TTeamTwilio = {
  client: TTwilioClient;
  accountSid: string;
  mode: Team["twilioMode"];
  isOwnAccount: boolean;
};

const SYSTEM_ACTOR: TAuditActor = { label: "system" };

function clientFor(credentials: TTwilioCredentials, config: TNumbersConfig): TTwilioClient {
  return createTwilioClient(credentials, { baseUrl: config.apiBaseUrl });
}

function fromStored(team: Pick<Team, "twilioMode" | "twilioAccountSid" | "twilioAuthTokenEnc">, config: TNumbersConfig): TTeamTwilio | null {
  if (!team.twilioAccountSid || !team.twilioAuthTokenEnc) return null;
  const authToken = openSecret(team.twilioAuthTokenEnc, requireSecretKey(config));
  return {
    client: clientFor({ accountSid: team.twilioAccountSid, authToken }, config),
    accountSid: team.twilioAccountSid,
    mode: team.twilioMode,
    isOwnAccount: team.twilioMode === "own_account",
  };
}

export function requirePlatform(config: TNumbersConfig): TTwilioCredentials {
  if (!config.platform) {
    throw new AppError(
      "bad_request",
      "Phone numbers are not set up on this server: the operator must set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN. You can also connect your own Twilio account below.",
    );
  }
  return config.platform;
}

// Twilio limits friendly names to 64 characters; the team id keeps the name unique and findable.
export function subaccountName(team: Pick<Team, "id" | "name">): string {
  const suffix = ` (${team.id})`;
  return team.name.slice(0, 64 - suffix.length).trim() + suffix;
}

async function loadTeam(db: DbOrTx, teamId: string): Promise<Team> {
  const [team] = await db.select().from(teams).where(eq(teams.id, teamId)).limit(1);
  if (!team) throw new AppError("not_found", "Team not found.");
  return team;
}

// The team's account if it has one already; never creates a subaccount (for looking, not buying).
export async function peekTeamTwilio(db: DbOrTx, teamId: string, config: TNumbersConfig): Promise<TTeamTwilio | null> {
  return fromStored(await loadTeam(db, teamId), config);
}

// The team's account, creating the platform subaccount on first use. The team row is locked while the
// subaccount is created, so two first uses at once create one subaccount, not two.
export async function getTeamTwilio(db: Db, teamId: string, config: TNumbersConfig, actor: TAuditActor = SYSTEM_ACTOR): Promise<TTeamTwilio> {
  const stored = fromStored(await loadTeam(db, teamId), config);
  if (stored) return stored;
  return db.transaction(async (tx) => {
    const [locked] = await tx.select().from(teams).where(eq(teams.id, teamId)).for("update");
    if (!locked) throw new AppError("not_found", "Team not found.");
    const existing = fromStored(locked, config);
    if (existing) return existing;
    if (locked.twilioMode === "own_account") {
      throw new AppError("bad_request", "Connect the team's Twilio account first, or switch back to the platform account.");
    }
    const platform = requirePlatform(config);
    const parent = clientFor(platform, config);
    const friendlyName = subaccountName(locked);
    // A subaccount created by an attempt whose database write failed is found again by its name, not duplicated.
    const found = await callTwilio("subaccount", () => parent.api.v2010.accounts.list({ friendlyName, status: "active", limit: 20 }));
    const reusable = found.find((a) => a.sid !== platform.accountSid && a.ownerAccountSid === platform.accountSid && !!a.authToken);
    const account = reusable ?? (await callTwilio("subaccount", () => parent.api.v2010.accounts.create({ friendlyName })));
    if (!account.authToken) throw new Error(`Twilio returned subaccount ${account.sid} without an auth token`);
    await tx
      .update(teams)
      .set({ twilioAccountSid: account.sid, twilioAuthTokenEnc: sealSecret(account.authToken, requireSecretKey(config)) })
      .where(eq(teams.id, teamId));
    await recordAudit(tx, {
      teamId,
      actor,
      action: "twilio.subaccount_created",
      targetType: "twilio_account",
      targetId: account.sid,
      targetLabel: friendlyName,
      metadata: reusable ? { reused: true } : {},
    });
    return {
      client: clientFor({ accountSid: account.sid, authToken: account.authToken }, config),
      accountSid: account.sid,
      mode: locked.twilioMode,
      isOwnAccount: false,
    };
  });
}

// The client for the account that owns one of the team's numbers (always the team's current account, since
// switching accounts is refused while numbers are active).
export async function twilioForNumber(db: Db, teamId: string, numberAccountSid: string, config: TNumbersConfig, actor?: TAuditActor): Promise<TTeamTwilio> {
  const current = await getTeamTwilio(db, teamId, config, actor);
  if (current.accountSid !== numberAccountSid) {
    throw new AppError("conflict", "This number belongs to a Twilio account the team no longer uses. Manage it in the Twilio console.");
  }
  return current;
}

async function activeNumberCount(db: DbOrTx, teamId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(phoneNumbers)
    .where(and(eq(phoneNumbers.teamId, teamId), eq(phoneNumbers.status, "active")));
  return row?.n ?? 0;
}

function refuseWhileNumbersActive(n: number, what: string): void {
  if (n === 0) return;
  throw new AppError(
    "conflict",
    `The team has ${n} active number${n === 1 ? "" : "s"} on its current Twilio account. Release ${n === 1 ? "it" : "them"} before ${what}.`,
  );
}

export const ZConnectTwilio = z.object({
  accountSid: z
    .string()
    .trim()
    .regex(/^AC[0-9a-fA-F]{32}$/, "An Account SID starts with AC followed by 32 letters and digits"),
  authToken: z.string().trim().min(16, "Paste the full Auth Token").max(128, "That is too long for an Auth Token"),
});
export type TConnectTwilio = z.infer<typeof ZConnectTwilio>;

// "Connect your own Twilio account": checks the credentials by fetching the account, then stores them.
// Re-connecting the same account (a rotated token) keeps the team's numbers.
export async function connectOwnTwilioAccount(db: Db, teamId: string, actor: TAuditActor, input: TConnectTwilio, config: TNumbersConfig) {
  const key = requireSecretKey(config);
  if (config.platform && input.accountSid === config.platform.accountSid) {
    throw new AppError("bad_request", "That is the platform's own Twilio account. Enter your team's account instead.");
  }
  const client = clientFor(input, config);
  const account = await callTwilio("connect", () => client.api.v2010.accounts(input.accountSid).fetch(), { isOwnAccount: true });
  if (account.status !== "active") {
    throw new AppError("bad_request", `That Twilio account is ${account.status}. Reactivate it in the Twilio console first.`);
  }
  const [taken] = await db
    .select({ id: teams.id })
    .from(teams)
    .where(and(eq(teams.twilioAccountSid, input.accountSid), ne(teams.id, teamId)))
    .limit(1);
  if (taken) throw new AppError("conflict", "This Twilio account is already connected to another team.");

  await db.transaction(async (tx) => {
    const [team] = await tx.select().from(teams).where(eq(teams.id, teamId)).for("update");
    if (!team) throw new AppError("not_found", "Team not found.");
    if (team.twilioAccountSid !== input.accountSid) refuseWhileNumbersActive(await activeNumberCount(tx, teamId), "connecting another account");
    await tx
      .update(teams)
      .set({ twilioMode: "own_account", twilioAccountSid: input.accountSid, twilioAuthTokenEnc: sealSecret(input.authToken, key) })
      .where(eq(teams.id, teamId));
    await recordAudit(tx, {
      teamId,
      actor,
      action: "twilio.account_connected",
      targetType: "twilio_account",
      targetId: input.accountSid,
      targetLabel: account.friendlyName,
      metadata: { previousMode: team.twilioMode, previousAccountSid: team.twilioAccountSid, isSameAccount: team.twilioAccountSid === input.accountSid },
    });
  });
  return { accountSid: input.accountSid, friendlyName: account.friendlyName };
}

// Back to a platform subaccount (found again or created on the next purchase). The own account's token is dropped.
export async function switchToPlatformTwilio(db: Db, teamId: string, actor: TAuditActor) {
  await db.transaction(async (tx) => {
    const [team] = await tx.select().from(teams).where(eq(teams.id, teamId)).for("update");
    if (!team) throw new AppError("not_found", "Team not found.");
    if (team.twilioMode === "platform_subaccount") return;
    refuseWhileNumbersActive(await activeNumberCount(tx, teamId), "switching back to the platform account");
    await tx.update(teams).set({ twilioMode: "platform_subaccount", twilioAccountSid: null, twilioAuthTokenEnc: null }).where(eq(teams.id, teamId));
    await recordAudit(tx, {
      teamId,
      actor,
      action: "twilio.account_disconnected",
      targetType: "twilio_account",
      targetId: team.twilioAccountSid,
      metadata: { to: "platform_subaccount" },
    });
  });
}

export type TTwilioAccountSummary = {
  mode: Team["twilioMode"];
  accountSid: string | null;
  isSandbox: boolean;
  hasPlatform: boolean;
  activeNumberCount: number;
};

export async function getTwilioAccountSummary(db: DbOrTx, team: Pick<Team, "id" | "twilioMode" | "twilioAccountSid">, config: TNumbersConfig): Promise<TTwilioAccountSummary> {
  return {
    mode: team.twilioMode,
    accountSid: team.twilioAccountSid,
    isSandbox: config.isSandbox,
    hasPlatform: !!config.platform,
    activeNumberCount: await activeNumberCount(db, team.id),
  };
}
