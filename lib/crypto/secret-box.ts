import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

// AES-256-GCM for secrets the product must read back (a team's own Twilio auth token, webhook signing secrets).
// Format: v1.<iv>.<tag>.<ciphertext>, base64url parts. The key is ENCRYPTION_KEY, or (development only)
// derived from AUTH_SECRET. After a rotation, `npm run keys:rotate` re-seals these under the new key.

// The keys a master-key rotation left behind (ENCRYPTION_KEY_PREVIOUS), remembered per key object so openSecret can
// still read what they sealed until `npm run keys:rotate` re-seals it, without every caller passing them around.
const PREVIOUS_KEYS = new WeakMap<Buffer, readonly Buffer[]>();

export function secretKeyFrom(options: { encryptionKey?: string; authSecret?: string; nodeEnv?: string; previousKeys?: readonly string[] }): Buffer {
  const key = baseSecretKey(options);
  const previous = (options.previousKeys ?? []).map((k) => Buffer.from(k, "base64")).filter((k) => k.length === 32 && !k.equals(key));
  if (previous.length > 0) PREVIOUS_KEYS.set(key, previous);
  return key;
}

function baseSecretKey(options: { encryptionKey?: string; authSecret?: string; nodeEnv?: string }): Buffer {
  if (options.encryptionKey) return Buffer.from(options.encryptionKey, "base64");
  // A key derived from AUTH_SECRET would change with it (rotating the session secret would lose every stored
  // secret): development convenience only.
  if (options.nodeEnv === "production") throw new Error("ENCRYPTION_KEY is required in production (32 random bytes, base64).");
  if (options.authSecret) return createHash("sha256").update(`aica-secret-box:${options.authSecret}`).digest();
  throw new Error("Set ENCRYPTION_KEY or AUTH_SECRET to store encrypted secrets.");
}

export function sealSecret(plaintext: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", iv, cipher.getAuthTag(), body].map((p) => (typeof p === "string" ? p : p.toString("base64url"))).join(".");
}

// Opens with `key`, else with the keys it replaced (see PREVIOUS_KEYS).
export function openSecret(sealed: string, key: Buffer): string {
  try {
    return openWith(sealed, key);
  } catch (error) {
    for (const previous of PREVIOUS_KEYS.get(key) ?? []) {
      try {
        return openWith(sealed, previous);
      } catch {
        // the next one
      }
    }
    throw error;
  }
}

// Whether `sealed` opens with `key` itself (not one of the keys it replaced): keys:rotate re-seals what does not.
export function isSealedWith(sealed: string, key: Buffer): boolean {
  try {
    openWith(sealed, key);
    return true;
  } catch {
    return false;
  }
}

function openWith(sealed: string, key: Buffer): string {
  const [version, iv, tag, body] = sealed.split(".");
  if (version !== "v1" || !iv || !tag || body === undefined) throw new Error("Malformed sealed secret");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}
