// POST /api/teams/:slug/agents/:agentId/test-call - a one-minute ticket for the browser to open a test call on the voice server.
import { z } from "zod";
import { teamRoute } from "@/lib/auth/entry-points";
import { hitRateLimit } from "@/lib/auth/rate-limit";
import { secretKeyFrom } from "@/lib/crypto/secret-box";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { readJsonBody, rethrowTooLarge } from "@/lib/http/read-body";
import { loadTestAgent } from "@/lib/test-calls/load-test-agent";
import { signTestCallTicket, ticketKey } from "@/lib/test-calls/ticket";

const ZStart = z.object({ mode: z.enum(["voice", "text"]).default("voice") });

export const POST = teamRoute<{ slug: string; agentId: string }>("test_calls.start", async ({ db, team, user }, request, params) => {
  const parsed = ZStart.safeParse(await readJsonBody(request).catch((e: unknown) => rethrowTooLarge(e, {})));
  if (!parsed.success) throw new AppError("bad_request", 'Send { mode: "voice" | "text" }.');
  // Checks the agent belongs to this team and that its draft can run a call, so the browser gets a clear message.
  const agent = await loadTestAgent(db, { teamId: team.id, agentId: params.agentId, userId: user.id });
  const limit = await hitRateLimit(db, `test-call:${team.id}`, { limit: 30, windowMs: 60_000 });
  if (!limit.isAllowed) {
    throw new AppError("rate_limited", `Too many test calls. Try again in ${Math.ceil(limit.retryAfterMs / 1000)} seconds.`);
  }
  const { AUTH_SECRET, ENCRYPTION_KEY, VOICE_PUBLIC_URL } = env();
  if (!AUTH_SECRET && !ENCRYPTION_KEY) throw new AppError("conflict", "Set AUTH_SECRET for the web app and the voice server to place test calls.");
  const key = ticketKey(secretKeyFrom({ encryptionKey: ENCRYPTION_KEY, authSecret: AUTH_SECRET }));
  const { ticket } = signTestCallTicket({ teamId: team.id, agentId: agent.agentId, userId: user.id, mode: parsed.data.mode }, key);
  const wsUrl = `${VOICE_PUBLIC_URL.replace(/\/+$/, "").replace(/^http(s?):\/\//, "ws$1://")}/web/call`;
  return Response.json({ ticket, wsUrl }, { headers: { "Cache-Control": "no-store" } });
});
