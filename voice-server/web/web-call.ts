import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { WebSocket, WebSocketServer } from "ws";
import type { Db } from "@/db/client";
import { createCall } from "@/lib/calls/create-call";
import { finalizeCall } from "@/lib/calls/finalize-call";
import { isAppError } from "@/lib/errors";
import { loadTestAgent } from "@/lib/test-calls/load-test-agent";
import { claimTestCallTicket } from "@/lib/test-calls/claim-ticket";
import { ticketKey, verifyTestCallTicket } from "@/lib/test-calls/ticket";
import type { TLogger } from "@/voice-server/observability/log";
import type { TVoiceMetrics } from "@/voice-server/observability/metrics";
import { BrowserTransport } from "./browser-transport";

// GET /web/call?ticket=... (WebSocket upgrade) - a test call from the agent builder. The ticket, minted by the web
// app for a signed-in member, is the only credential; the call runs the agent's draft and is recorded as a test.

export const WEB_CALL_PATH = "/web/call";

export type TWebCallContext = {
  db: Db;
  wss: WebSocketServer;
  secretKey: Buffer | undefined;
  metrics: TVoiceMetrics;
  log: TLogger;
  now: () => Date;
  // Starts the same CallSession a phone call gets, on this transport.
  startSession(transport: BrowserTransport): void;
};

export function handleWebCallUpgrade(
  ctx: TWebCallContext,
  req: IncomingMessage,
  socket: Socket,
  head: Buffer,
  reject: (status: number, text: string) => void,
): void {
  const count = (result: string) => ctx.metrics.webhooks.inc({ route: "web_call", result });
  if (!ctx.secretKey) {
    ctx.log.warn("web test call refused: set AUTH_SECRET (or ENCRYPTION_KEY) for the voice server");
    count("unconfigured");
    return reject(503, "Service Unavailable");
  }
  const ticket = new URL(req.url ?? "/", "http://voice.local").searchParams.get("ticket") ?? "";
  const nowMs = ctx.now().getTime();
  const check = verifyTestCallTicket(ticket, ticketKey(ctx.secretKey), nowMs);
  if (!check.ok) {
    count("forbidden");
    return reject(403, "Forbidden");
  }
  const { payload } = check;

  // A ticket opens one call: its nonce is spent in the database, so a second use is refused by every instance.
  claimTestCallTicket(ctx.db, payload)
    .then(async (isFirstUse) => {
      if (!isFirstUse) {
        count("forbidden");
        return reject(403, "Forbidden");
      }
      const agent = await loadTestAgent(ctx.db, { teamId: payload.teamId, agentId: payload.agentId, userId: payload.userId });
      ctx.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        count("connected");
        const transport = new BrowserTransport(ws);
        ctx.startSession(transport);
        void startCall(ctx, transport, agent, payload.mode);
      });
    })
    .catch((error: unknown) => {
      if (isAppError(error)) {
        count(error.code);
        return reject(error.status, error.code === "not_found" ? "Not Found" : error.code === "forbidden" ? "Forbidden" : "Bad Request");
      }
      ctx.log.error("web call upgrade failed", { error });
      reject(500, "Internal Server Error");
    });
}

async function startCall(
  ctx: TWebCallContext,
  transport: BrowserTransport,
  agent: Awaited<ReturnType<typeof loadTestAgent>>,
  mode: "voice" | "text",
): Promise<void> {
  try {
    const call = await createCall(ctx.db, {
      teamId: agent.teamId,
      agentId: agent.agentId,
      agentVersionId: agent.agentVersionId,
      direction: "web",
      fromNumber: "browser",
      toNumber: "",
      isTest: true,
    });
    if (!transport.isOpen) {
      // The browser left while the row was being written; nothing ran, so close the record now.
      const endedAt = ctx.now();
      await finalizeCall(ctx.db, {
        teamId: call.teamId,
        callId: call.id,
        status: "completed",
        outcome: "abandoned",
        endReason: "stream_closed",
        endedAt,
        durationSec: 0,
      });
      return;
    }
    transport.start({
      callId: call.id,
      teamId: call.teamId,
      callSid: null,
      streamSid: null,
      accountSid: null,
      parameters: { mode },
      preloaded: { call, snapshot: agent.snapshot, phoneNumberAccountSid: null },
      inputMode: mode,
    });
  } catch (error) {
    ctx.log.error("web call setup failed", { error });
    transport.close(1011, "setup_failed");
  }
}
