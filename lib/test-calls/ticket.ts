import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";

// A short-lived ticket the web app hands the browser so it can open a test call on the voice server. The two
// processes share no session store, only the secret: the ticket is `<payload>.<hmac>`, both base64url, signed with
// a key derived from the same secret key as lib/crypto/secret-box.ts (ENCRYPTION_KEY, or AUTH_SECRET).

export const TICKET_TTL_MS = 60_000;

export const ZTestCallTicket = z.object({
  teamId: z.uuid(),
  agentId: z.uuid(),
  userId: z.string().min(1),
  mode: z.enum(["voice", "text"]),
  // Unix time in ms after which the ticket is refused.
  exp: z.number().int(),
  // Lets the voice server refuse a second use of the same ticket.
  nonce: z.string().min(8),
});
export type TTestCallTicket = z.infer<typeof ZTestCallTicket>;

export function ticketKey(secretKey: Buffer): Buffer {
  return createHmac("sha256", secretKey).update("aica-test-call-ticket").digest();
}

export function signTestCallTicket(
  input: Omit<TTestCallTicket, "exp" | "nonce">,
  key: Buffer,
  nowMs = Date.now(),
): { ticket: string; payload: TTestCallTicket } {
  const payload: TTestCallTicket = { ...input, exp: nowMs + TICKET_TTL_MS, nonce: randomBytes(12).toString("base64url") };
  const body = Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
  const mac = createHmac("sha256", key).update(body).digest("base64url");
  return { ticket: `${body}.${mac}`, payload };
}

export type TTicketCheck = { ok: true; payload: TTestCallTicket } | { ok: false; reason: "malformed" | "bad_signature" | "expired" };

export function verifyTestCallTicket(ticket: string, key: Buffer, nowMs = Date.now()): TTicketCheck {
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
  const parsed = ZTestCallTicket.safeParse(json);
  if (!parsed.success) return { ok: false, reason: "malformed" };
  if (parsed.data.exp <= nowMs) return { ok: false, reason: "expired" };
  return { ok: true, payload: parsed.data };
}
