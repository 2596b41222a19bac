import { createHmac, randomBytes } from "node:crypto";
import { z } from "zod";
import { signTicket, verifyTicket, type TTicketCheck } from "@/lib/crypto/signed-ticket";

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
  return signTicket(payload, key);
}

export type TEvalTicketCheck = TTicketCheck<TEvalCallTicket>;

export function verifyEvalCallTicket(ticket: string, key: Buffer, nowMs = Date.now()): TEvalTicketCheck {
  return verifyTicket(ZEvalCallTicket, ticket, key, nowMs);
}
