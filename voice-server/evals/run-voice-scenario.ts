import { and, asc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { callEvents, callTurns } from "@/db/schema";
import { createCall } from "@/lib/calls/create-call";
import type { TObservedCall } from "@/lib/evals/checks";
import { evalTicketKey, signEvalCallTicket } from "@/lib/evals/call-ticket";
import { checkScenario, type TJudge } from "@/lib/evals/judge";
import type { TResultLatencies, TResultTurn } from "@/lib/evals/types";
import type { TTtsProvider } from "@/voice-server/providers/types";
import { EVAL_ACCOUNT_SID, EVAL_CALL_PATH } from "./eval-call";
import { describeEvent, SHOWN_EVENTS, type TScenarioOutcome, type TScenarioRunInput } from "./run-scenario";
import { scenarioMessages, settleScenarioCall } from "./scenario-record";
import { CallerVoice, EvalVoiceCall } from "./voice-caller";

// Runs one test scenario in voice mode: the worker synthesizes the caller's lines and calls the voice server over
// a ticketed Media Streams socket (voice-server/evals/eval-call.ts), so the scenario goes through the real loop,
// speech-to-text included, as a phone call would; the voice server records it like any call (sealed with the
// team's key, kept as long as the team's retention says). The checks read what the session wrote: turns (what
// speech-to-text heard), events, messages; the latencies are measured at the wire.

export type TVoiceEvalRuntime = {
  db: Db;
  // Where the worker reaches the voice server (VOICE_INTERNAL_URL), http(s)://host:port.
  voiceUrl: string;
  // Signs the tickets; the voice server must hold the same secret key.
  secretKey: Buffer;
  // The caller's voice: the offline engine's US English voice, the one the offline recognizer is measured with.
  tts: TTtsProvider;
  callerVoice?: { voice: string; language: string };
  judge?: TJudge | null;
};

export type TVoiceEvalServices = { runtime: TVoiceEvalRuntime; voice: CallerVoice };

export function createVoiceEvalServices(runtime: TVoiceEvalRuntime): TVoiceEvalServices {
  return { runtime, voice: new CallerVoice(runtime.tts, runtime.callerVoice ?? { voice: "en-us", language: "en-US" }) };
}

export function evalCallUrl(voiceUrl: string, ticket: string): string {
  const base = new URL(voiceUrl);
  const protocol = base.protocol === "https:" ? "wss:" : "ws:";
  return `${protocol}//${base.host}${base.pathname.replace(/\/+$/, "")}${EVAL_CALL_PATH}?ticket=${encodeURIComponent(ticket)}`;
}

// How long the agent must be quiet, with nothing left to play, before its reply counts as over.
const REPLY_QUIET_MS = 1_200;

export async function runVoiceScenario(services: TVoiceEvalServices, input: TScenarioRunInput & { runId: string }): Promise<TScenarioOutcome> {
  const { runtime } = services;
  const { db } = runtime;
  const startedAt = Date.now();
  const replyWaitMs = input.replyWaitMs ?? 20_000;
  const timeoutMs = input.timeoutMs ?? 90_000;
  const steps = input.scenario.steps;
  const replyMs: (number | null)[] = [];
  let greetingMs: number | null = null;
  let stepIndex = -1;
  let error: string | null = null;

  // Every line first, so the call never waits on synthesis mid-sentence.
  const lines = new Map<number, Awaited<ReturnType<CallerVoice["line"]>>>();
  try {
    for (const [index, step] of steps.entries()) {
      if (step.kind === "say" || step.kind === "interrupt") lines.set(index, await services.voice.line(step.text));
    }
  } catch (cause) {
    return failed(`The caller's lines could not be synthesized: ${cause instanceof Error ? cause.message : String(cause)}`, null, startedAt);
  }

  const call = await createCall(db, {
    teamId: input.teamId,
    agentId: input.agentId,
    agentVersionId: input.agentVersionId,
    direction: "web",
    fromNumber: "test-suite",
    toNumber: "",
    isTest: true,
  });
  const ticket = signEvalCallTicket({ teamId: call.teamId, runId: input.runId, callId: call.id }, evalTicketKey(runtime.secretKey));
  const caller = new EvalVoiceCall({ url: evalCallUrl(runtime.voiceUrl, ticket), accountSid: EVAL_ACCOUNT_SID, callId: call.id, teamId: call.teamId });

  const script = async () => {
    await caller.open();
    const t0 = caller.startedAt;
    // The greeting (and any disclosure), before the caller says anything.
    const greeting = await caller.waitForOnset(t0, replyWaitMs);
    if (greeting !== null) greetingMs = greeting - t0;
    await caller.waitForAgentDone(t0, REPLY_QUIET_MS, replyWaitMs + 20_000);
    let unanswered: number | null = null;
    const sayAndWait = async (index: number, isNextInterrupt: boolean) => {
      await caller.say(lines.get(index)!);
      const endedAt = caller.now();
      if (isNextInterrupt) {
        unanswered = endedAt;
        return;
      }
      const onset = await caller.waitForOnset(endedAt, replyWaitMs);
      replyMs.push(onset === null ? null : onset - endedAt);
      if (onset !== null) await caller.waitForAgentDone(endedAt, REPLY_QUIET_MS, replyWaitMs + 30_000);
    };
    for (const [index, step] of steps.entries()) {
      stepIndex = index;
      if (!caller.isOpen) break;
      const isNextInterrupt = steps[index + 1]?.kind === "interrupt";
      switch (step.kind) {
        case "say":
          await sayAndWait(index, isNextInterrupt);
          break;
        case "interrupt": {
          const pending = unanswered as number | null;
          unanswered = null;
          let onset: number | null;
          if (pending === null && caller.isAgentAudible) onset = caller.agentOnsets[caller.agentOnsets.length - 1] ?? caller.now();
          else onset = await caller.waitForOnset(pending ?? caller.now(), replyWaitMs);
          if (pending !== null) replyMs.push(onset === null ? null : onset - pending);
          if (onset !== null) {
            const wait = onset + step.afterMs - caller.now();
            if (wait > 0) await caller.sleep(wait);
          }
          await sayAndWait(index, isNextInterrupt);
          break;
        }
        case "dtmf": {
          await caller.pressKeys(step.digits);
          const pressedAt = caller.now();
          const onset = await caller.waitForOnset(pressedAt, replyWaitMs);
          if (onset !== null) await caller.waitForAgentDone(pressedAt, REPLY_QUIET_MS, replyWaitMs + 30_000);
          break;
        }
        case "pause":
          await caller.sleep(step.ms);
          break;
        case "silence":
          await caller.sleep(step.seconds * 1000);
          break;
        case "hangup":
          caller.hangUp();
          break;
      }
    }
    // The caller has nothing more to say: an agent saying goodbye finishes and ends the call itself.
    if (caller.isOpen) {
      if (caller.isAgentAudible) await caller.waitForAgentDone(caller.now() - 1, REPLY_QUIET_MS, 30_000);
      await caller.sleep(1_500);
    }
    caller.hangUp();
  };

  let timer: NodeJS.Timeout | undefined;
  try {
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const result = await Promise.race([script().then(() => "done" as const), timedOut]);
    if (result === "timeout") {
      const step = steps[stepIndex];
      error = `The scenario did not finish within ${Math.round(timeoutMs / 1000)} s (stuck ${step ? `at step ${stepIndex + 1}, ${step.kind}` : "before the first step"}).`;
      caller.hangUp();
    }
  } catch (cause) {
    error = `The scenario could not run: ${cause instanceof Error ? cause.message : String(cause)}`;
    caller.abort(error);
  } finally {
    clearTimeout(timer);
  }
  if (caller.protocolErrors.length > 0 && !error) error = `The voice server broke the media protocol: ${caller.protocolErrors.slice(0, 3).join("; ")}`;

  const settled = await settleScenarioCall(db, call, startedAt);
  const messages = await scenarioMessages(db, call);
  const record = await readTurnsAndEvents(db, call);
  const said = steps.flatMap((s) => (s.kind === "say" || s.kind === "interrupt" ? [s.text] : []));
  const callerTurns = record.turns.filter((t) => t.speaker === "caller");
  // What speech-to-text heard is the transcript; beside it, the line the caller said when the turns line up one to one.
  const isAligned = callerTurns.length === said.length;
  let callerIndex = 0;
  const transcript: TResultTurn[] = [
    ...record.turns.map((t): TResultTurn => {
      const line = t.speaker === "caller" ? said[callerIndex++] : undefined;
      return {
        speaker: t.speaker,
        text: t.text,
        atMs: t.startMs,
        ...(t.isInterrupted ? { isInterrupted: true } : {}),
        ...(isAligned && line !== undefined ? { said: line } : {}),
      };
    }),
    ...record.events.filter((e) => SHOWN_EVENTS.has(e.kind)).map((e): TResultTurn => ({ speaker: "event", text: describeEvent(e), atMs: e.atMs })),
  ].sort((a, b) => a.atMs - b.atMs);
  const latencies: TResultLatencies = {
    replyMs: replyMs.map((ms) => (ms === null ? null : Math.round(ms))),
    greetingMs: greetingMs === null ? null : Math.round(greetingMs),
    stages: record.turns
      .filter((t) => t.speaker === "agent" && (t.sttFinalMs !== null || t.llmFirstTokenMs !== null || t.ttsFirstByteMs !== null))
      .map((t) => ({ sttFinalMs: t.sttFinalMs, llmFirstTokenMs: t.llmFirstTokenMs, ttsFirstByteMs: t.ttsFirstByteMs })),
  };
  const observed: TObservedCall = {
    turns: transcript,
    transfers: record.events.filter((e) => e.kind === "transfer").map((e) => e.name),
    messages,
    endReason: settled.endReason ?? caller.end?.reason ?? null,
    latencies,
  };
  const expectations = await checkScenario(input.scenario.expectations, observed, runtime.judge ?? null);
  return {
    passed: !error && expectations.every((e) => e.passed),
    expectations,
    error,
    transcript,
    latencies,
    callId: call.id,
    durationMs: Date.now() - startedAt,
  };
}

function failed(error: string, callId: string | null, startedAt: number): TScenarioOutcome {
  return { passed: false, expectations: [], error, transcript: [], latencies: { replyMs: [], greetingMs: null }, callId, durationMs: Date.now() - startedAt };
}

async function readTurnsAndEvents(db: Db, call: { id: string; teamId: string }) {
  const turns = await db
    .select({
      speaker: callTurns.speaker,
      text: callTurns.text,
      startMs: callTurns.startMs,
      isInterrupted: callTurns.isInterrupted,
      sttFinalMs: callTurns.sttFinalMs,
      llmFirstTokenMs: callTurns.llmFirstTokenMs,
      ttsFirstByteMs: callTurns.ttsFirstByteMs,
    })
    .from(callTurns)
    .where(and(eq(callTurns.teamId, call.teamId), eq(callTurns.callId, call.id)))
    .orderBy(asc(callTurns.seq));
  const events = await db
    .select({ kind: callEvents.kind, name: callEvents.name, atMs: callEvents.atMs, data: callEvents.data })
    .from(callEvents)
    .where(and(eq(callEvents.teamId, call.teamId), eq(callEvents.callId, call.id)))
    .orderBy(asc(callEvents.atMs), asc(callEvents.createdAt));
  return { turns, events };
}
