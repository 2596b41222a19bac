import type { Db } from "@/db/client";
import type { TAgentSnapshot } from "@/lib/agents/config";
import { createCall } from "@/lib/calls/create-call";
import { CALL_HEARTBEAT_MS, touchLiveCalls } from "@/lib/calls/heartbeat";
import type { TObservedCall } from "@/lib/evals/checks";
import { checkScenario, type TJudge } from "@/lib/evals/judge";
import type { TExpectation, TExpectationResult, TResultTurn, TScenarioStep } from "@/lib/evals/types";
import type { TLogger } from "@/voice-server/observability/log";
import { createVoiceMetrics } from "@/voice-server/observability/metrics";
import type { TVoiceProviders } from "@/voice-server/providers/registry";
import { AudioCache } from "@/voice-server/session/audio-cache";
import { CallSession } from "@/voice-server/session/call-session";
import type { TSessionServices } from "@/voice-server/session/session-services";
import { FramePacer } from "@/voice-server/session/pacer";
import { createVad } from "@/voice-server/vad/vad";
import { scenarioMessages, settleScenarioCall } from "./scenario-record";
import { ScriptedTextTransport } from "./scripted-transport";

// Runs one test scenario in text mode: the same CallSession a phone call gets, on a scripted transport that types
// the caller's lines. The call is a real call record marked as a test (is_test: never in analytics, never
// analyzed, no webhooks), so what is checked is what the session really wrote: turns, transfer, stored message.

export type TEvalRuntime = {
  db: Db;
  providers: TVoiceProviders;
  log: TLogger;
  timeouts?: TSessionServices["timeouts"];
  // Judges a scenario's judge instruction: the LLM with a Gemini key; null, the deterministic rules.
  judge?: TJudge | null;
};

export type TScenarioRunInput = {
  teamId: string;
  agentId: string;
  agentVersionId: string | null;
  snapshot: TAgentSnapshot;
  scenario: { name: string; steps: TScenarioStep[]; expectations: TExpectation[] };
  // The whole scenario must finish in this time, or it fails with a reason (default 90 s).
  timeoutMs?: number;
  // How long a caller line waits for the agent to answer before the script goes on (default 15 s).
  replyWaitMs?: number;
};

export type TScenarioOutcome = {
  passed: boolean;
  expectations: TExpectationResult[];
  error: string | null;
  transcript: TResultTurn[];
  latencies: { replyMs: (number | null)[]; greetingMs: number | null };
  callId: string | null;
  durationMs: number;
};

export const SHOWN_EVENTS = new Set(["transfer", "tool_call", "dtmf", "error"]);

export type TEvalServices = { services: TSessionServices; judge: TJudge | null; close(): void };

// One set of session services for a worker: a pacer that keeps every reply queued at the far end at once (there
// is no far end: marks come straight back), no recordings, offline VAD.
export function createEvalServices(runtime: TEvalRuntime): TEvalServices {
  const pacer = new FramePacer({ leadMs: 10 * 60_000, batchMs: 60, tickMs: 10 });
  const services: TSessionServices = {
    db: runtime.db,
    providers: runtime.providers,
    pacer,
    audioCache: new AudioCache(),
    metrics: createVoiceMetrics(),
    log: runtime.log,
    recordingsDir: null,
    timeouts: runtime.timeouts ?? { sttFinalMs: 2_500, llmFirstTokenMs: 8_000, ttsFirstByteMs: 4_000 },
    createVad: () => createVad(),
    // A transfer is "made" without a carrier: the session records it (event, transferred_to) and the caller's
    // side ends, as Twilio ends the stream once the redirect takes over.
    callControlFor: () => null,
  };
  return { services, judge: runtime.judge ?? null, close: () => pacer.stop() };
}

export async function runScenario(evalServices: TEvalServices, input: TScenarioRunInput): Promise<TScenarioOutcome> {
  const startedAt = Date.now();
  const { db } = evalServices.services;
  // Talking over the agent needs the agent to take as long to speak as it would on a phone.
  const hasInterruption = input.scenario.steps.some((s) => s.kind === "interrupt");
  const transport = new ScriptedTextTransport(Date.now, { isRealtime: hasInterruption });
  const replyWaitMs = input.replyWaitMs ?? 15_000;
  const timeoutMs = input.timeoutMs ?? 90_000;
  let callId: string | null = null;
  let stepIndex = -1;
  let session: CallSession | null = null;
  const replyMs: (number | null)[] = [];
  let greetingMs: number | null = null;

  const call = await createCall(db, {
    teamId: input.teamId,
    agentId: input.agentId,
    agentVersionId: input.agentVersionId,
    direction: "web",
    fromNumber: "test-suite",
    toNumber: "",
    isTest: true,
  });
  callId = call.id;
  const services: TSessionServices = {
    ...evalServices.services,
    callControlFor: () => ({
      redirect: async () => {
        setTimeout(() => transport.hangUp(), 0);
      },
    }),
  };
  const heartbeat = setInterval(() => {
    if (transport.isOpen) void touchLiveCalls(db, [{ teamId: call.teamId, callId: call.id }]).catch(() => {});
  }, CALL_HEARTBEAT_MS);
  heartbeat.unref();

  // Replies the agent finished: a turn cut by the caller (committed after the line that cut it) is not the reply to it.
  const agentTurns = () => transport.turns.filter((t) => t.speaker === "agent" && !t.isInterrupted).length;
  const script = async () => {
    session = new CallSession(transport, services);
    const closed = new Promise<void>((resolve) => session!.onClosed(resolve));
    transport.start({
      callId: call.id,
      teamId: call.teamId,
      callSid: null,
      streamSid: null,
      accountSid: null,
      // As if within business hours: a suite's result must not depend on when it runs.
      parameters: { mode: "text", suite: "1", hours: "open" },
      preloaded: { call, snapshot: input.snapshot, phoneNumberAccountSid: null },
      inputMode: "text",
    });
    // The greeting, before the caller says anything.
    if (await transport.waitFor(() => transport.audioAt.length > 0, replyWaitMs)) greetingMs = transport.audioAt[0]! - startedAt;
    await transport.waitFor(() => agentTurns() > 0, replyWaitMs);
    // A line followed by an interruption is not waited for: the interruption talks over its reply.
    let unanswered: { spokenBefore: number; saidAt: number } | null = null;
    const sayAndWait = async (text: string, isNextInterrupt: boolean) => {
      const spokenBefore = transport.audioAt.length;
      const turnsBefore = agentTurns();
      const saidAt = Date.now();
      transport.say(text);
      if (isNextInterrupt) {
        unanswered = { spokenBefore, saidAt };
        return;
      }
      const isAnswered = await transport.waitFor(() => transport.audioAt.length > spokenBefore, replyWaitMs);
      replyMs.push(isAnswered && transport.audioAt.length > spokenBefore ? transport.audioAt[spokenBefore]! - saidAt : null);
      await transport.waitFor(() => agentTurns() > turnsBefore, replyWaitMs);
    };
    const steps = input.scenario.steps;
    for (const [index, step] of steps.entries()) {
      stepIndex = index;
      if (!transport.isOpen) break;
      const isNextInterrupt = steps[index + 1]?.kind === "interrupt";
      switch (step.kind) {
        case "say":
          await sayAndWait(step.text, isNextInterrupt);
          break;
        case "interrupt": {
          // The agent's next reply starts (the reply to the line before, or the one already playing), then afterMs.
          const pending = unanswered as { spokenBefore: number; saidAt: number } | null;
          unanswered = null;
          const before = pending?.spokenBefore ?? transport.audioAt.length;
          const isSpeaking = !pending && transport.isAgentAudible;
          const started = isSpeaking || (await transport.waitFor(() => transport.audioAt.length > before, replyWaitMs));
          if (pending) replyMs.push(started && transport.audioAt.length > before ? transport.audioAt[before]! - pending.saidAt : null);
          if (step.afterMs > 0) await sleep(step.afterMs);
          await sayAndWait(step.text, isNextInterrupt);
          break;
        }
        case "dtmf": {
          const turnsBefore = agentTurns();
          transport.pressKeys(step.digits);
          await transport.waitFor(() => agentTurns() > turnsBefore, replyWaitMs);
          break;
        }
        case "pause":
          await sleep(step.ms);
          break;
        case "silence":
          await transport.waitFor(() => false, step.seconds * 1000);
          break;
        case "hangup":
          transport.hangUp();
          break;
      }
    }
    // The caller has nothing more to say: give an agent that is ending the call a moment, then hang up.
    if (transport.isOpen) await transport.waitFor(() => false, 1_500);
    transport.hangUp();
    await closed;
  };

  let error: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const result = await Promise.race([script().then(() => "done" as const), timedOut]);
    if (result === "timeout") {
      const step = input.scenario.steps[stepIndex];
      error = `The scenario did not finish within ${Math.round(timeoutMs / 1000)} s (stuck ${step ? `at step ${stepIndex + 1}, ${step.kind}` : "before the first step"}).`;
      transport.hangUp();
      const s = session as CallSession | null;
      await Promise.race([s?.shutdown("test_timeout"), sleep(5_000)]);
    }
  } catch (cause) {
    error = `The scenario could not run: ${cause instanceof Error ? cause.message : String(cause)}`;
    transport.hangUp();
  } finally {
    clearTimeout(timer);
    clearInterval(heartbeat);
  }

  // What the session wrote: the call's end and the messages stored during it.
  const settled = await settleScenarioCall(db, call, startedAt);
  const messages = await scenarioMessages(db, call);

  const transcript: TResultTurn[] = transport.log.flatMap((entry): TResultTurn[] => {
    const atMs = Math.max(0, entry.atWallMs - startedAt);
    if (entry.type === "turn") {
      const { speaker, text, isInterrupted } = entry.turn;
      return [{ speaker, text, atMs, ...(isInterrupted ? { isInterrupted: true } : {}) }];
    }
    return SHOWN_EVENTS.has(entry.event.kind) ? [{ speaker: "event", text: describeEvent(entry.event), atMs }] : [];
  });
  const observed: TObservedCall = {
    turns: transcript,
    transfers: transport.events.filter((e) => e.kind === "transfer").map((e) => e.name),
    messages,
    endReason: settled.endReason ?? transport.closeReason,
    latencies: { replyMs, greetingMs },
  };
  const expectations = await checkScenario(input.scenario.expectations, observed, evalServices.judge);
  return {
    passed: !error && expectations.every((e) => e.passed),
    expectations,
    error,
    transcript,
    latencies: { replyMs, greetingMs },
    callId,
    durationMs: Date.now() - startedAt,
  };
}

export function describeEvent(event: { kind: string; name: string; data: Record<string, unknown> }): string {
  switch (event.kind) {
    case "transfer":
      return `Transferred to ${event.name}`;
    case "tool_call":
      return `Tool ${event.name}${event.data.ok === false ? " (failed)" : ""}`;
    case "dtmf":
      return `Caller pressed ${event.name}`;
    default:
      return `Error: ${event.name}`;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
