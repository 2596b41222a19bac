import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isSealedWith, openSecret, sealSecret, secretKeyFrom } from "./secret-box";

describe("secret box", () => {
  const key = randomBytes(32);

  it("round-trips and never stores the plaintext", () => {
    const sealed = sealSecret("twilio-token-123", key);
    expect(sealed).not.toContain("twilio-token-123");
    expect(openSecret(sealed, key)).toBe("twilio-token-123");
  });

  it("rejects a tampered value or the wrong key", () => {
    const sealed = sealSecret("secret", key);
    const parts = sealed.split(".");
    parts[3] = Buffer.from("other").toString("base64url");
    expect(() => openSecret(parts.join("."), key)).toThrow();
    expect(() => openSecret(sealed, randomBytes(32))).toThrow();
  });

  it("derives a stable key from AUTH_SECRET when ENCRYPTION_KEY is unset", () => {
    const a = secretKeyFrom({ authSecret: "x".repeat(40) });
    expect(a.equals(secretKeyFrom({ authSecret: "x".repeat(40) }))).toBe(true);
    expect(() => secretKeyFrom({})).toThrow(/ENCRYPTION_KEY/);
  });

  it("after a rotation, still opens what the previous key sealed until it is re-sealed", () => {
    const old = randomBytes(32);
    const sealedBefore = sealSecret("webhook-secret", old);
    const current = secretKeyFrom({ encryptionKey: randomBytes(32).toString("base64"), previousKeys: [old.toString("base64")] });
    expect(openSecret(sealedBefore, current)).toBe("webhook-secret");
    expect(isSealedWith(sealedBefore, current)).toBe(false);
    expect(isSealedWith(sealSecret("x", current), current)).toBe(true);
    // A key built without the previous one does not open it.
    expect(() => openSecret(sealedBefore, Buffer.from(current))).toThrow();
  });
});
