import { createHash } from "node:crypto";
import { secretKeyFrom } from "./secret-box";

// The master key ring that wraps every team's data key (lib/crypto/data-keys.ts). `current` wraps new and
// re-wrapped keys; the previous keys (ENCRYPTION_KEY_PREVIOUS) only unwrap, so the master key can be rotated: set
// the new key as ENCRYPTION_KEY, the old one in ENCRYPTION_KEY_PREVIOUS, run `npm run keys:rotate`, then drop it.
// Each key is known by an id derived from the key itself, stored beside every wrapped data key.

export type TMasterKey = { id: string; key: Buffer };
export type TMasterKeyRing = { current: TMasterKey; byId: ReadonlyMap<string, TMasterKey> };

// A short hash: enough to tell the keys of one ring apart, useless for guessing a key.
export function masterKeyId(key: Buffer): string {
  return createHash("sha256").update("aica-master-key-id:").update(key).digest("hex").slice(0, 16);
}

export function masterKeyRing(current: Buffer, previous: Buffer[] = []): TMasterKeyRing {
  for (const key of [current, ...previous]) if (key.length !== 32) throw new Error("A master key must be 32 bytes.");
  const byId = new Map<string, TMasterKey>();
  const head = { id: masterKeyId(current), key: current };
  byId.set(head.id, head);
  for (const key of previous) {
    const id = masterKeyId(key);
    if (!byId.has(id)) byId.set(id, { id, key });
  }
  return { current: head, byId };
}

// The ring a process's validated env describes. null when no key can be had (development without AUTH_SECRET):
// recordings then stay as the recorder wrote them. Production always has ENCRYPTION_KEY (production-env.ts).
export function masterKeyRingFromEnv(e: {
  ENCRYPTION_KEY?: string;
  ENCRYPTION_KEY_PREVIOUS?: string[];
  AUTH_SECRET?: string;
  NODE_ENV?: string;
}): TMasterKeyRing | null {
  if (!e.ENCRYPTION_KEY && !e.AUTH_SECRET) return null;
  const current = secretKeyFrom({ encryptionKey: e.ENCRYPTION_KEY, authSecret: e.AUTH_SECRET, nodeEnv: e.NODE_ENV });
  return masterKeyRing(
    current,
    (e.ENCRYPTION_KEY_PREVIOUS ?? []).map((v) => Buffer.from(v, "base64")),
  );
}
