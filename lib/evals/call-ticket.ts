import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";

// A voice-mode scenario's pass onto the voice server: the worker signs it, the voice server checks it before it
// lets the worker's simulated caller stream audio into a CallSession. The two processes share only the secret key
// (ENCRYPTION_KEY, or AUTH_SECRET in development), as with the browser's test-call tickets, under a key of its own.

export const EVAL_TICKET_TTL_MS = 60_000;

export const ZEvalCallTicket = z.object({
  teamId: z.uuid(),
  runId: z.uuid(),
  // The test call row the worker made for this scenario (is_test, not started).
  callId: z.uuid(),
  exp: z.number().int(),
  nonce: z.string().min(8),
});
export type TEvalCallTicket = z.infer<typeof ZEvalCallTicket>;

export function evalTicketKey(secretKey: Buffer): Buffer {
  return createHmac("sha256", secretKey).update("aica-eval-call-ticket").digest();
}

export function signEvalCallTicket(input: Omit<TEvalCallTicket, "exp" | "nonce">, key: Buffer, nowMs = Date.now()): string {
  const payload: TEvalCallTicket = { ...input, exp: nowMs + EVAL_TICKET_TTL_MS, nonce: randomBytes(12).toString("base64url") };
  const body = Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
  return `${body}.${createHmac("sha256", key).update(body).digest("base64url")}`;
}

export type TEvalTicketCheck = { ok: true; payload: TEvalCallTicket } | { ok: false; reason: "malformed" | "bad_signature" | "expired" };

export function verifyEvalCallTicket(ticket: string, key: Buffer, nowMs = Date.now()): TEvalTicketCheck {
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
  const parsed = ZEvalCallTicket.safeParse(json);
  if (!parsed.success) return { ok: false, reason: "malformed" };
  if (parsed.data.exp <= nowMs) return { ok: false, reason: "expired" };
  return { ok: true, payload: parsed.data };
}
