import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from "node:crypto";
import { and, asc, eq, gt, ne, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { teamDataKeys } from "@/db/schema";
import type { TMasterKeyRing } from "./master-keys";

// Per-team data keys: 32 random bytes each, stored only wrapped (AES-256-GCM) by the master key ring. A recording
// names the key id it was encrypted with, so keys can be rotated per team later without re-reading old files.

export type TDataKey = { id: string; teamId: string; key: Buffer };

// The data key a recording names is gone: its team was deleted (crypto-shredding), or it never existed here.
export class DataKeyNotFoundError extends Error {
  constructor(readonly teamId: string, readonly keyId: string) {
    super(`The data key ${keyId} of team ${teamId} does not exist (destroyed with its team?).`);
    this.name = "DataKeyNotFoundError";
  }
}

// Unwrapped keys stay in memory briefly: playback and sealing read a key per request, and a team deleted in
// another process stops being decryptable here within this time at the latest.
const CACHE_TTL_MS = 60_000;
const cache = new Map<string, { key: TDataKey; expiresAt: number }>();
const cacheKey = (teamId: string, keyId: string) => `${teamId}:${keyId}`;

function remember(key: TDataKey): TDataKey {
  cache.set(cacheKey(key.teamId, key.id), { key, expiresAt: Date.now() + CACHE_TTL_MS });
  return key;
}

function cached(teamId: string, keyId: string): TDataKey | null {
  const entry = cache.get(cacheKey(teamId, keyId));
  if (!entry) return null;
  if (entry.expiresAt <= Date.now()) {
    cache.delete(cacheKey(teamId, keyId));
    return null;
  }
  return entry.key;
}

export function forgetTeamDataKeys(teamId: string): void {
  for (const [k, entry] of cache) if (entry.key.teamId === teamId) cache.delete(k);
}

// The team and key ids are the additional data: a wrapped key copied into another team's row does not unwrap.
function aad(teamId: string, keyId: string): Buffer {
  return Buffer.from(`aica-data-key:v1:${teamId}:${keyId}`, "utf8");
}

export function wrapDataKey(dataKey: Buffer, masterKey: Buffer, teamId: string, keyId: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", masterKey, iv);
  cipher.setAAD(aad(teamId, keyId));
  const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return ["v1", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(".");
}

export function unwrapDataKey(wrapped: string, masterKey: Buffer, teamId: string, keyId: string): Buffer {
  const [version, iv, tag, body] = wrapped.split(".");
  if (version !== "v1" || !iv || !tag || !body) throw new Error(`Malformed wrapped data key ${keyId}`);
  const decipher = createDecipheriv("aes-256-gcm", masterKey, Buffer.from(iv, "base64url"));
  decipher.setAAD(aad(teamId, keyId));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  const key = Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]);
  if (key.length !== 32) throw new Error(`Data key ${keyId} is not 32 bytes`);
  return key;
}

function unwrapRow(ring: TMasterKeyRing, row: { id: string; teamId: string; wrappedKey: string; masterKeyId: string }): TDataKey {
  const master = ring.byId.get(row.masterKeyId);
  if (!master) {
    throw new Error(
      `The data key ${row.id} is wrapped by master key ${row.masterKeyId}, which is neither ENCRYPTION_KEY nor in ENCRYPTION_KEY_PREVIOUS.`,
    );
  }
  return { id: row.id, teamId: row.teamId, key: unwrapDataKey(row.wrappedKey, master.key, row.teamId, row.id) };
}

// The key new recordings of the team are encrypted with: its oldest key, created on first use.
export async function teamDataKey(db: Db, ring: TMasterKeyRing, teamId: string): Promise<TDataKey> {
  const existing = await currentRow(db, teamId);
  if (existing) return cached(teamId, existing.id) ?? remember(unwrapRow(ring, existing));
  // Two processes may create one at once: a transaction-scoped lock on the team makes the second see the first's.
  const created = await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${"team_data_key:" + teamId}))`);
    const [again] = await tx
      .select()
      .from(teamDataKeys)
      .where(eq(teamDataKeys.teamId, teamId))
      .orderBy(asc(teamDataKeys.createdAt), asc(teamDataKeys.id))
      .limit(1);
    if (again) return unwrapRow(ring, again);
    const id = randomUUID();
    const key = randomBytes(32);
    await tx.insert(teamDataKeys).values({
      id,
      teamId,
      wrappedKey: wrapDataKey(key, ring.current.key, teamId, id),
      masterKeyId: ring.current.id,
    });
    return { id, teamId, key };
  });
  return remember(created);
}

async function currentRow(db: Db, teamId: string) {
  const [row] = await db
    .select()
    .from(teamDataKeys)
    .where(eq(teamDataKeys.teamId, teamId))
    .orderBy(asc(teamDataKeys.createdAt), asc(teamDataKeys.id))
    .limit(1);
  return row ?? null;
}

// The key a recording's header names, scoped to the team the recording belongs to.
export async function dataKeyById(db: Db, ring: TMasterKeyRing, teamId: string, keyId: string): Promise<TDataKey> {
  const hit = cached(teamId, keyId);
  if (hit) return hit;
  const [row] = await db
    .select()
    .from(teamDataKeys)
    .where(and(eq(teamDataKeys.id, keyId), eq(teamDataKeys.teamId, teamId)))
    .limit(1);
  if (!row) throw new DataKeyNotFoundError(teamId, keyId);
  return remember(unwrapRow(ring, row));
}

export type TRotateResult = { rewrapped: number; alreadyCurrent: number };

// Re-wraps every data key not yet under the current master key, in batches, each row checked and updated on its
// own so a second run (or one after a crash) does only what is left. Recordings are untouched: their data keys
// do not change, only the wrapping.
export async function rewrapDataKeys(db: Db, ring: TMasterKeyRing, options: { batchSize?: number } = {}): Promise<TRotateResult> {
  const batchSize = options.batchSize ?? 500;
  let rewrapped = 0;
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const rows = await db
      .select()
      .from(teamDataKeys)
      .where(and(ne(teamDataKeys.masterKeyId, ring.current.id), gt(teamDataKeys.id, after)))
      .orderBy(asc(teamDataKeys.id))
      .limit(batchSize);
    if (rows.length === 0) break;
    for (const row of rows) {
      const key = unwrapRow(ring, row);
      const updated = await db
        .update(teamDataKeys)
        .set({ wrappedKey: wrapDataKey(key.key, ring.current.key, row.teamId, row.id), masterKeyId: ring.current.id, rewrappedAt: new Date() })
        .where(and(eq(teamDataKeys.id, row.id), eq(teamDataKeys.masterKeyId, row.masterKeyId)))
        .returning({ id: teamDataKeys.id });
      rewrapped += updated.length;
    }
    after = rows[rows.length - 1]!.id;
  }
  const all = await db.$count(teamDataKeys);
  return { rewrapped, alreadyCurrent: all - rewrapped };
}

// For `keys:rotate` to say which master keys still wrap something (none but the current one after a run).
export async function masterKeysInUse(db: Db): Promise<{ masterKeyId: string; keys: number }[]> {
  return db
    .select({ masterKeyId: teamDataKeys.masterKeyId, keys: sql<number>`count(*)::int` })
    .from(teamDataKeys)
    .groupBy(teamDataKeys.masterKeyId)
    .orderBy(teamDataKeys.masterKeyId);
}
