import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "@/db/client";
import { apiKeys, memberships, teams, users, type ApiKey, type Team, type TeamRole } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";

export const API_KEY_PREFIX = "aica_live_";
// Enough of the key to tell keys apart in the UI, far too little to guess the rest.
const SHOWN_PREFIX_LENGTH = API_KEY_PREFIX.length + 6;

export const ZCreateApiKey = z.object({
  name: z.string().trim().min(1, "Give the key a name").max(80, "Use at most 80 characters"),
});

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

// Returns the full key once; only its sha256 is stored.
export async function createApiKey(
  db: Db,
  teamId: string,
  actor: TAuditActor & { userId: string },
  input: z.infer<typeof ZCreateApiKey>,
): Promise<{ key: string; apiKey: ApiKey }> {
  const key = `${API_KEY_PREFIX}${randomBytes(24).toString("base64url")}`;
  return db.transaction(async (tx) => {
    const [apiKey] = await tx
      .insert(apiKeys)
      .values({ teamId, name: input.name, prefix: key.slice(0, SHOWN_PREFIX_LENGTH), keyHash: hashApiKey(key), createdById: actor.userId })
      .returning();
    if (!apiKey) throw new Error("insert returned nothing");
    await recordAudit(tx, { teamId, actor, action: "api_key.created", targetType: "api_key", targetId: apiKey.id, targetLabel: apiKey.name });
    return { key, apiKey };
  });
}

export async function listApiKeys(db: DbOrTx, teamId: string) {
  return db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      createdBy: users.email,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
      // The creator's role in this team today; a key works only while apiKeyRole() allows it.
      creatorRole: memberships.role,
    })
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.createdById))
    .leftJoin(memberships, and(eq(memberships.teamId, apiKeys.teamId), eq(memberships.userId, apiKeys.createdById)))
    .where(eq(apiKeys.teamId, teamId))
    .orderBy(desc(apiKeys.createdAt));
}

export async function revokeApiKey(db: Db, teamId: string, apiKeyId: string, actor: TAuditActor): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.id, apiKeyId), eq(apiKeys.teamId, teamId), isNull(apiKeys.revokedAt)))
      .returning();
    if (!row) throw new AppError("not_found", "That API key does not exist or is already revoked.");
    await recordAudit(tx, { teamId, actor, action: "api_key.revoked", targetType: "api_key", targetId: row.id, targetLabel: row.name });
  });
}

// The key's row, its team and the current role of the member who created it in that team (null when the creator
// is unknown, deleted or no longer a member), or null for an unknown or revoked key. The membership is joined on
// the key's own team, so a creator's role elsewhere never counts.
export async function findActiveApiKey(
  db: DbOrTx,
  key: string,
): Promise<{ apiKey: ApiKey; team: Team; creatorRole: TeamRole | null } | null> {
  if (!key.startsWith(API_KEY_PREFIX)) return null;
  const [row] = await db
    .select({ apiKey: apiKeys, team: teams, creatorRole: memberships.role })
    .from(apiKeys)
    .innerJoin(teams, eq(teams.id, apiKeys.teamId))
    .leftJoin(memberships, and(eq(memberships.teamId, apiKeys.teamId), eq(memberships.userId, apiKeys.createdById)))
    .where(and(eq(apiKeys.keyHash, hashApiKey(key)), isNull(apiKeys.revokedAt)))
    .limit(1);
  return row ?? null;
}

const LAST_USED_RESOLUTION_MS = 60_000;

// At most one write per key per minute, however busy the key is.
export async function touchApiKey(db: DbOrTx, apiKey: Pick<ApiKey, "id" | "lastUsedAt">, now = new Date()): Promise<void> {
  if (apiKey.lastUsedAt && now.getTime() - apiKey.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
  await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, apiKey.id));
}
