import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import type { Db, DbOrTx } from "@/db/client";
import { dataKeyById, DataKeyNotFoundError, teamDataKey, type TDataKey } from "./data-keys";
import type { TMasterKeyRing } from "./master-keys";

// Field-level encryption of what callers dictate (issue 13): the messages the agent took (name, callback number,
// text) and the values of captured fields are stored AES-256-GCM under the team's data key, the same key its
// recordings use, so deleting the team's key (crypto-shredding) makes every copy unreadable, backups included.
// Each value names its key id; the team and column are the additional data, so a value copied to another team
// or column does not open. Values written before this (plain text) read as they are until the data migration
// (encryptExistingFields) seals them. The callback number also gets a keyed hash, so one caller's messages can
// be found (privacy requests) without reading every row.
//
// The key ring is process configuration: each process sets it once at startup (web: instrumentation.ts, voice
// server and worker: from their env), kept on globalThis so every bundle of the web process sees the same one.

export const SEALED_FIELD_PREFIX = "enc1.";
// Shown instead of a value whose key is gone (its team's key destroyed) or that fails authentication.
export const UNREADABLE_FIELD = "[unreadable]";

export type TFieldColumn =
  | "caller_messages.caller_name"
  | "caller_messages.callback_number"
  | "caller_messages.message"
  | "calls.captured_fields";

const REGISTRY = Symbol.for("aica.field-encryption");
type TRegistry = { ring: TMasterKeyRing | null };

export function configureFieldEncryption(ring: TMasterKeyRing | null): void {
  (globalThis as Record<symbol, TRegistry | undefined>)[REGISTRY] = { ring };
}

export function isFieldEncryptionConfigured(): boolean {
  return (globalThis as Record<symbol, TRegistry | undefined>)[REGISTRY] !== undefined;
}

// The configured ring: null when the process has no key (development without ENCRYPTION_KEY or AUTH_SECRET),
// which stores fields as plain text. Not configured at all is a programming error, never silently plain text.
export function fieldKeyRing(): TMasterKeyRing | null {
  const registry = (globalThis as Record<symbol, TRegistry | undefined>)[REGISTRY];
  if (!registry) throw new Error("Field encryption is not configured in this process (configureFieldEncryption at startup).");
  return registry.ring;
}

export function isSealedField(value: string): boolean {
  return value.startsWith(SEALED_FIELD_PREFIX);
}

function aad(teamId: string, column: TFieldColumn): Buffer {
  return Buffer.from(`aica-field:v1:${teamId}:${column}`, "utf8");
}

export function sealFieldWith(key: TDataKey, value: string, column: TFieldColumn): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key.key, iv);
  cipher.setAAD(aad(key.teamId, column));
  const body = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
  return `${SEALED_FIELD_PREFIX}${key.id}.${iv.toString("base64url")}.${cipher.getAuthTag().toString("base64url")}.${body.toString("base64url")}`;
}

function partsOf(stored: string): { keyId: string; iv: Buffer; tag: Buffer; body: Buffer } | null {
  const [keyId, iv, tag, body] = stored.slice(SEALED_FIELD_PREFIX.length).split(".");
  if (!keyId || !iv || !tag || body === undefined) return null;
  return { keyId, iv: Buffer.from(iv, "base64url"), tag: Buffer.from(tag, "base64url"), body: Buffer.from(body, "base64url") };
}

export function openFieldWith(key: TDataKey, stored: string, column: TFieldColumn): string {
  const parts = partsOf(stored);
  if (!parts || parts.keyId !== key.id) throw new Error("not a value sealed with this key");
  const decipher = createDecipheriv("aes-256-gcm", key.key, parts.iv);
  decipher.setAAD(aad(key.teamId, column));
  decipher.setAuthTag(parts.tag);
  return Buffer.concat([decipher.update(parts.body), decipher.final()]).toString("utf8");
}

// The keyed hash of a phone number's digits under the team's key: equal digits, equal hash, in this team only.
export function numberMacWith(key: TDataKey, digits: string): string {
  const macKey = createHmac("sha256", key.key).update("aica-callback-number-mac:v1").digest();
  return createHmac("sha256", macKey).update(digits).digest("base64url");
}

// One team's fields, for one request or job. Empty values stay empty (nothing to hide, and "no name" stays
// recognizable to queries that skip them).
export class TeamFields {
  private sealingKey: Promise<TDataKey> | null = null;

  constructor(
    private readonly db: DbOrTx,
    readonly teamId: string,
    private readonly ring: TMasterKeyRing | null = fieldKeyRing(),
  ) {}

  get isEncrypting(): boolean {
    return this.ring !== null;
  }

  private key(): Promise<TDataKey> {
    // The data key is created on first use in its own transaction; a caller's transaction only reads it.
    this.sealingKey ??= teamDataKey(this.db as Db, this.ring!, this.teamId);
    return this.sealingKey;
  }

  async seal(value: string, column: TFieldColumn): Promise<string> {
    if (!this.ring || value === "" || isSealedField(value)) return value;
    return sealFieldWith(await this.key(), value, column);
  }

  async open(stored: string, column: TFieldColumn): Promise<string> {
    if (!isSealedField(stored)) return stored;
    const parts = partsOf(stored);
    if (!parts || !this.ring) return UNREADABLE_FIELD;
    try {
      return openFieldWith(await dataKeyById(this.db as Db, this.ring, this.teamId, parts.keyId), stored, column);
    } catch (error) {
      if (error instanceof DataKeyNotFoundError || (error instanceof Error && /auth|not a value sealed/i.test(error.message))) return UNREADABLE_FIELD;
      throw error;
    }
  }

  // Hashes of the digit forms a number may have been written in (null without encryption: plain text is searched).
  async numberMacs(digitForms: string[]): Promise<string[]> {
    if (!this.ring) return [];
    const key = await this.key();
    return [...new Set(digitForms.filter(Boolean))].map((digits) => numberMacWith(key, digits));
  }

  async numberMac(callbackNumber: string): Promise<string | null> {
    const digits = callbackNumber.replace(/\D/g, "");
    if (!this.ring || !digits) return null;
    return numberMacWith(await this.key(), digits);
  }

  async sealFields(fields: Record<string, string>): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(fields)) out[k] = typeof v === "string" ? await this.seal(v, "calls.captured_fields") : v;
    return out;
  }

  async openFields(fields: Record<string, string> | null | undefined): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(fields ?? {})) out[k] = typeof v === "string" ? await this.open(v, "calls.captured_fields") : v;
    return out;
  }
}

type TMessageText = { teamId: string; callerName: string; callbackNumber: string; message: string };

// A message row with its caller's words readable (every other column as it was).
export async function openMessage<T extends TMessageText>(db: DbOrTx, row: T, fields = new TeamFields(db, row.teamId)): Promise<T> {
  return {
    ...row,
    callerName: await fields.open(row.callerName, "caller_messages.caller_name"),
    callbackNumber: await fields.open(row.callbackNumber, "caller_messages.callback_number"),
    message: await fields.open(row.message, "caller_messages.message"),
  };
}

export async function openMessages<T extends TMessageText>(db: DbOrTx, rows: T[]): Promise<T[]> {
  const byTeam = new Map<string, TeamFields>();
  const out: T[] = [];
  for (const row of rows) {
    let fields = byTeam.get(row.teamId);
    if (!fields) byTeam.set(row.teamId, (fields = new TeamFields(db, row.teamId)));
    out.push(await openMessage(db, row, fields));
  }
  return out;
}

// A call row (or anything with its captured fields) with them readable.
export async function openCallFields<T extends { teamId: string; capturedFields: Record<string, string> | null }>(db: DbOrTx, row: T): Promise<T> {
  if (!row.capturedFields || Object.keys(row.capturedFields).length === 0) return row;
  return { ...row, capturedFields: await new TeamFields(db, row.teamId).openFields(row.capturedFields) };
}
