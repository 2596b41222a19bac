import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

// AES-256-GCM for secrets the product must read back (a team's own Twilio auth token, webhook signing secrets).
// Format: v1.<iv>.<tag>.<ciphertext>, base64url parts. The key is ENCRYPTION_KEY, or derived from AUTH_SECRET.

export function secretKeyFrom(options: { encryptionKey?: string; authSecret?: string }): Buffer {
  if (options.encryptionKey) return Buffer.from(options.encryptionKey, "base64");
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
