import { createHmac, timingSafeEqual } from "node:crypto";
import type { z } from "zod";

// A short-lived ticket one process signs and another checks, sharing only a key: `<payload>.<hmac>`, both base64url,
// the payload JSON checked against its schema and refused after its `exp` (Unix ms).

export type TTicketCheck<T> = { ok: true; payload: T } | { ok: false; reason: "malformed" | "bad_signature" | "expired" };

export function signTicket(payload: object, key: Buffer): string {
  const body = Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
  return `${body}.${createHmac("sha256", key).update(body).digest("base64url")}`;
}

export function verifyTicket<T extends { exp: number }>(schema: z.ZodType<T>, ticket: string, key: Buffer, nowMs: number): TTicketCheck<T> {
  const parts = ticket.split(".");
  if (parts.length !== 2 || !parts[0] || !parts[1] || ticket.length > 2_000) return { ok: false, reason: "malformed" };
  const [body, mac] = parts as [string, string];
  const expected = createHmac("sha256", key).update(body).digest();
  const given = Buffer.from(mac, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "bad_signature" };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: "malformed" };
  if (parsed.data.exp <= nowMs) return { ok: false, reason: "expired" };
  return { ok: true, payload: parsed.data };
}
