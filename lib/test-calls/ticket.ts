import { createHmac, randomBytes } from "node:crypto";
import { z } from "zod";
import { signTicket, verifyTicket, type TTicketCheck } from "@/lib/crypto/signed-ticket";

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
  return { ticket: signTicket(payload, key), payload };
}

export type TTestCallTicketCheck = TTicketCheck<TTestCallTicket>;

export function verifyTestCallTicket(ticket: string, key: Buffer, nowMs = Date.now()): TTestCallTicketCheck {
  return verifyTicket(ZTestCallTicket, ticket, key, nowMs);
}
