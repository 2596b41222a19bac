import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

// AES-256-GCM for secrets the product must read back (a team's own Twilio auth token, webhook signing secrets).
// Format: v1.<iv>.<tag>.<ciphertext>, base64url parts. The key is ENCRYPTION_KEY, or (development only)
// derived from AUTH_SECRET.

export function secretKeyFrom(options: { encryptionKey?: string; authSecret?: string; nodeEnv?: string }): Buffer {
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

export function openSecret(sealed: string, key: Buffer): string {
  const [version, iv, tag, body] = sealed.split(".");
  if (version !== "v1" || !iv || !tag || body === undefined) throw new Error("Malformed sealed secret");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}
