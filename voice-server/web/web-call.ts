import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { createCall } from "@/lib/calls/create-call";
import { finalizeCall } from "@/lib/calls/finalize-call";
import { loadTestAgent } from "@/lib/test-calls/load-test-agent";
import { ticketKey, verifyTestCallTicket } from "@/lib/test-calls/ticket";
import { upgradeWithTicket, type TReject, type TTicketUpgradeContext } from "@/voice-server/admission/ticket-upgrade";
import { BrowserTransport } from "./browser-transport";

// GET /web/call?ticket=... (WebSocket upgrade) - a test call from the agent builder. The ticket, minted by the web
// app for a signed-in member, is the only credential; the call runs the agent's draft and is recorded as a test.

export const WEB_CALL_PATH = "/web/call";

export type TWebCallContext = TTicketUpgradeContext & {
  // Starts the same CallSession a phone call gets, on this transport.
  startSession(transport: BrowserTransport): void;
};

export function handleWebCallUpgrade(ctx: TWebCallContext, req: IncomingMessage, socket: Socket, head: Buffer, reject: TReject): void {
  upgradeWithTicket(
    ctx,
    {
      route: "web_call",
      name: "web test call",
      verify: (ticket, secretKey, nowMs) => verifyTestCallTicket(ticket, ticketKey(secretKey), nowMs),
      // Throws not_found or forbidden when the member was removed (or is a viewer) by the time the ticket is used.
      load: (payload) => loadTestAgent(ctx.db, { teamId: payload.teamId, agentId: payload.agentId, userId: payload.userId }),
      connected: (ws, payload, agent) => {
        const transport = new BrowserTransport(ws);
        ctx.startSession(transport);
        void startCall(ctx, transport, agent, payload.mode);
      },
    },
    { req, socket, head, reject },
  );
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
