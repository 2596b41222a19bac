import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";

// The web app asks the voice server for voice lists and samples on behalf of a team member it has already
// checked. The two processes share only the secret key: each request carries a one-minute token `<payload>.<hmac>`
// (base64url) signed with a key derived from it, so the voice server's /voices endpoints refuse anyone else.

export const VOICE_SERVICE_TOKEN_TTL_MS = 60_000;

const ZVoiceServiceToken = z.object({ teamId: z.uuid(), exp: z.number().int() });
export type TVoiceServiceToken = z.infer<typeof ZVoiceServiceToken>;

export function voiceServiceKey(secretKey: Buffer): Buffer {
  return createHmac("sha256", secretKey).update("aica-voice-service").digest();
}

export function signVoiceServiceToken(teamId: string, key: Buffer, nowMs = Date.now()): string {
  const body = Buffer.from(JSON.stringify({ teamId, exp: nowMs + VOICE_SERVICE_TOKEN_TTL_MS }), "utf8").toString("base64url");
  return `${body}.${createHmac("sha256", key).update(body).digest("base64url")}`;
}

export function verifyVoiceServiceToken(token: string, key: Buffer, nowMs = Date.now()): TVoiceServiceToken | null {
  const parts = token.split(".");
  if (parts.length !== 2 || !parts[0] || !parts[1] || token.length > 1_000) return null;
  const [body, mac] = parts as [string, string];
  const expected = createHmac("sha256", key).update(body).digest();
  const given = Buffer.from(mac, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  const parsed = ZVoiceServiceToken.safeParse(json);
  if (!parsed.success || parsed.data.exp <= nowMs) return null;
  return parsed.data;
}
