import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { agentTestRuns, calls } from "@/db/schema";
import { ZAgentSnapshot } from "@/lib/agents/config";
import type { TCallForStream } from "@/lib/calls/resolve-inbound-call";
import { evalTicketKey, verifyEvalCallTicket } from "@/lib/evals/call-ticket";
import { upgradeWithTicket, type TReject, type TTicketUpgradeContext } from "@/voice-server/admission/ticket-upgrade";
import { TwilioMediaStream } from "@/voice-server/twilio/media-stream";

// GET /evals/call?ticket=... (WebSocket upgrade): a voice-mode test scenario. The worker's simulated caller speaks
// the Twilio Media Streams protocol on it (20 ms mu-law frames, marks, clear, DTMF, stop), so the scenario goes
// through the same transport, VAD, speech-to-text, turn-taking and recorder as a phone call. The ticket, signed
// by the worker with the shared secret, names the run (whose frozen agent snapshot is played) and the test call
// row the worker made; each ticket opens one stream.

export const EVAL_CALL_PATH = "/evals/call";
// The account the simulated stream says it is from: no real account, so no Twilio REST call can ever be made for it.
export const EVAL_ACCOUNT_SID = `AC${"e".repeat(32)}`;

export type TEvalCallContext = TTicketUpgradeContext & {
  // Starts the same CallSession a phone call gets, on this transport.
  startSession(transport: TwilioMediaStream): void;
};

export async function loadEvalCall(db: Db, input: { teamId: string; runId: string; callId: string }): Promise<TCallForStream | null> {
  const [run] = await db
    .select({ status: agentTestRuns.status, mode: agentTestRuns.mode, agentId: agentTestRuns.agentId, snapshot: agentTestRuns.snapshot })
    .from(agentTestRuns)
    .where(and(eq(agentTestRuns.teamId, input.teamId), eq(agentTestRuns.id, input.runId)))
    .limit(1);
  if (!run || run.status !== "running" || run.mode !== "voice" || !run.snapshot) return null;
  const snapshot = ZAgentSnapshot.safeParse(run.snapshot);
  if (!snapshot.success) return null;
  const [call] = await db
    .select()
    .from(calls)
    .where(and(eq(calls.teamId, input.teamId), eq(calls.id, input.callId), eq(calls.isTest, true), isNull(calls.endedAt), isNull(calls.answeredAt)))
    .limit(1);
  if (!call || call.agentId !== run.agentId) return null;
  return { call, snapshot: snapshot.data, phoneNumberAccountSid: null };
}

export function handleEvalCallUpgrade(ctx: TEvalCallContext, req: IncomingMessage, socket: Socket, head: Buffer, reject: TReject): void {
  upgradeWithTicket(
    ctx,
    {
      route: "eval_call",
      name: "voice-mode test call",
      verify: (ticket, secretKey, nowMs) => verifyEvalCallTicket(ticket, evalTicketKey(secretKey), nowMs),
      load: (payload) => loadEvalCall(ctx.db, payload),
      connected: (ws, payload, loaded) => {
        const transport = new TwilioMediaStream(ws, {
          accountSid: EVAL_ACCOUNT_SID,
          call: { teamId: payload.teamId, callId: payload.callId },
          preloaded: loaded,
        });
        ctx.startSession(transport);
      },
    },
    { req, socket, head, reject },
  );
}
