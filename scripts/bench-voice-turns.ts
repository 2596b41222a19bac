// The turn-taking phase of `npm run bench:voice`: simulated calls through the Twilio fake, the fake Deepgram giving
// interims the way the real service does, and the caller turns of tests/fixtures/turn-taking (complete questions,
// turns with natural mid-turn pauses, backchannels, noise and real interruptions over the agent's speech, tool
// turns). Everything is judged at the wire, from what the simulated phone sent and received. From the server, only
// how many replies it generated preemptively and discarded (its /metrics), and which generations those were (its
// call_events, when it names them), so the wire can be checked for their audio.
//
// This file plans the calls, turns one call's wire record into observations, and those into figures (pure, unit
// tested in bench-voice-turns.test.ts). bench-voice.ts runs the calls; bench-voice-report.ts prints the figures.
import fs from "node:fs";
import path from "node:path";
import { encodeWavPcm16 } from "@/lib/audio/wav";
import { COMPLETE_TURNS, OVERLAPS, PAUSED_TURNS, parseScript, scriptText, toFakeTranscript, toSimSteps, type TOverlapScript, type TTurnScript } from "@/tests/fixtures/turn-taking/turn-sets";
import { isCleanReply } from "@/tests/sim/report";
import { distribution, type TDistribution } from "@/tests/sim/stats";
import type { TSimCallResult } from "@/tests/sim/wire-log";
import type { TSimStep } from "@/tests/sim/sim-script";
import { LONG_REPLY, TURN_TRIGGERS } from "./bench-voice-fakes";

// The phase's own agent (another number of the bench team's database): like the latency phase's, plus a department
// (TURNS_DEPARTMENT) so the model can transfer.
export const TURNS_E164 = "+15550009998";

// When speech over the agent is judged: the share of backchannels and noise after which the agent is talking again
// (or never stopped) by this long after their onset.
export const RESUME_WINDOW_MS = 800;

// Issue 14's targets for this phase.
export const TURN_TARGETS = {
  voiceToVoiceP50Ms: 700,
  voiceToVoiceP95Ms: 850,
  falseCutOffShare: 0.05,
  resumedShare: 0.9,
  interruptionsResumed: 0,
  bargeInP95Ms: 250,
  toolFirstAudioP50Ms: 1000,
  playedFromDiscarded: 0,
} as const;

// ---- plan --------------------------------------------------------------------------------------------------

// What each spoken step of a call is (one per `say`/`wav` step, in order).
export type TTurnItem =
  | { kind: "setup" }
  | { kind: "complete"; id: string }
  | { kind: "paused"; id: string; segment: number; segments: number; pausesMs: number[] }
  // `interrupted`: the reply the sound lands on (what a resume says again, sentence by sentence).
  | { kind: "overlap"; id: string; overlap: TOverlapScript["kind"]; interrupted: string }
  | { kind: "tool"; tool: "take_message" | "transfer_call" };

// `transcripts`: what the fake Deepgram hears in each caller turn of the call, in order ("|" where the caller pauses).
export type TTurnCall = { label: string; steps: TSimStep[]; transcripts: string[]; items: TTurnItem[] };

export type TTurnPlanOptions = {
  // Every n-th item of each set (1: all of them; --quick uses 3).
  every: number;
  // A WAV file of a noise burst this long (created by the caller of planTurnCalls).
  noiseWav: (noiseMs: number) => string;
};

// Speech over the agent is said at the pace of the turn sets' brisk model (tests/fixtures/turn-taking/turn-sets.ts:
// backchannels are quick and reduced). eSpeak at the callers' usual 160 wpm says them in about 1.9 times the model's
// time ("okay okay" in 800 ms), at 260 wpm in about 1.07 times (median over the set's backchannels). Real
// interruptions are said at the same pace, so the judge gets no easier case than the backchannels do.
export const OVER_AGENT_WPM = 260;

const GREETING_WAIT: TSimStep = { waitForAgent: { quietMs: 500, timeoutMs: 10_000 } };
const ANSWER_WAIT: TSimStep = { waitForAgent: { quietMs: 700, timeoutMs: 15_000 } };

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const sample = <T>(items: T[], every: number) => items.filter((_, i) => i % every === 0);

// Overlap kinds interleaved, so every call (and a cut-short run) has some of each.
function interleaved(overlaps: TOverlapScript[]): TOverlapScript[] {
  const byKind = ["backchannel", "noise", "interruption"].map((kind) => overlaps.filter((o) => o.kind === kind));
  const out: TOverlapScript[] = [];
  for (let i = 0; out.length < overlaps.length; i++) for (const list of byKind) if (list[i]) out.push(list[i]!);
  return out;
}

export function planTurnCalls(options: TTurnPlanOptions): TTurnCall[] {
  const calls: TTurnCall[] = [];
  const takeMessage = (call: TTurnCall) => {
    call.steps.push({ say: TURN_TRIGGERS.takeMessage }, ANSWER_WAIT, { hangup: true });
    call.transcripts.push(TURN_TRIGGERS.takeMessage);
    call.items.push({ kind: "tool", tool: "take_message" });
  };
  // Complete questions, five a call, then a message.
  for (const [n, group] of chunks(sample(COMPLETE_TURNS, options.every), 5).entries()) {
    const call: TTurnCall = { label: `turns-complete-${n + 1}`, steps: [GREETING_WAIT], transcripts: [], items: [] };
    for (const turn of group) {
      call.steps.push({ say: scriptText(turn.script) }, ANSWER_WAIT);
      call.transcripts.push(scriptText(turn.script));
      call.items.push({ kind: "complete", id: turn.id });
    }
    takeMessage(call);
    calls.push(call);
  }
  // Turns with pauses in them, six a call, then a message.
  for (const [n, group] of chunks(sample(PAUSED_TURNS, options.every), 6).entries()) {
    const call: TTurnCall = { label: `turns-paused-${n + 1}`, steps: [GREETING_WAIT], transcripts: [], items: [] };
    for (const turn of group) addPausedTurn(call, turn);
    takeMessage(call);
    calls.push(call);
  }
  // Speech over the agent, five a call: each time a question with a long answer, speech 800 ms into the answer,
  // then whatever the agent does until it is quiet. The call ends with a transfer.
  for (const [n, group] of chunks(interleaved(sample(OVERLAPS, options.every)), 5).entries()) {
    const call: TTurnCall = { label: `turns-overlap-${n + 1}`, steps: [GREETING_WAIT], transcripts: [], items: [] };
    for (const overlap of group) {
      call.steps.push({ say: TURN_TRIGGERS.longReply }, { interruptAfterMs: RESUME_WINDOW_MS });
      call.transcripts.push(TURN_TRIGGERS.longReply);
      call.items.push({ kind: "setup" });
      call.steps.push(overlap.kind === "noise" ? { wav: options.noiseWav(overlap.noiseMs ?? 200) } : { say: overlap.script, wordsPerMinute: OVER_AGENT_WPM }, ANSWER_WAIT);
      call.transcripts.push(overlap.kind === "noise" ? "" : overlap.script);
      call.items.push({ kind: "overlap", id: overlap.id, overlap: overlap.kind, interrupted: LONG_REPLY });
    }
    call.steps.push({ say: TURN_TRIGGERS.transfer }, ANSWER_WAIT, { hangup: true });
    call.transcripts.push(TURN_TRIGGERS.transfer);
    call.items.push({ kind: "tool", tool: "transfer_call" });
    calls.push(call);
  }
  return calls;
}

function addPausedTurn(call: TTurnCall, turn: TTurnScript): void {
  const segments = parseScript(turn.script);
  const pausesMs = segments.slice(1).map((s) => s.pauseBeforeMs);
  call.steps.push(...toSimSteps(turn.script), ANSWER_WAIT);
  call.transcripts.push(toFakeTranscript(turn.script));
  segments.forEach((_, segment) => call.items.push({ kind: "paused", id: turn.id, segment, segments: segments.length, pausesMs }));
}

// Sets of the plan, for the results text.
export function planCounts(calls: TTurnCall[]): { calls: number; complete: number; paused: number; backchannel: number; noise: number; interruption: number; takeMessage: number; transfer: number } {
  const items = calls.flatMap((c) => c.items);
  const overlaps = (kind: TOverlapScript["kind"]) => items.filter((i) => i.kind === "overlap" && i.overlap === kind).length;
  return {
    calls: calls.length,
    complete: items.filter((i) => i.kind === "complete").length,
    paused: items.filter((i) => i.kind === "paused" && i.segment === 0).length,
    backchannel: overlaps("backchannel"),
    noise: overlaps("noise"),
    interruption: overlaps("interruption"),
    takeMessage: items.filter((i) => i.kind === "tool" && i.tool === "take_message").length,
    transfer: items.filter((i) => i.kind === "tool" && i.tool === "transfer_call").length,
  };
}

// Bursts of noise as the simulated caller's WAV files: white noise at about a third of full scale with 10 ms ramps,
// the level of a knock or rustle on the line (well over the VAD's speech threshold, no words).
export function writeNoiseWavs(dir: string, noiseMs: number[]): (ms: number) => string {
  fs.mkdirSync(dir, { recursive: true });
  let seed = 12345;
  const random = () => {
    // Same bursts on every run and both servers (a small LCG).
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const files = new Map<number, string>();
  for (const ms of [...new Set(noiseMs)]) {
    const samples = new Int16Array(ms * 8);
    const ramp = 80;
    for (let i = 0; i < samples.length; i++) {
      const envelope = Math.min(1, i / ramp, (samples.length - 1 - i) / ramp);
      samples[i] = Math.round((random() * 2 - 1) * 11_000 * envelope);
    }
    const file = path.join(dir, `noise-${ms}ms.wav`);
    fs.writeFileSync(file, encodeWavPcm16(samples, 8000));
    files.set(ms, file);
  }
  return (ms) => {
    const file = files.get(ms);
    if (!file) throw new Error(`no noise burst of ${ms} ms was written`);
    return file;
  };
}

export function noiseBurstsOf(every: number): number[] {
  return sample(OVERLAPS, every).flatMap((o) => (o.kind === "noise" ? [o.noiseMs ?? 200] : []));
}

// ---- observations of one call --------------------------------------------------------------------------------

export type TOverlapOutcome =
  // No clear: the agent's audio was still playing RESUME_WINDOW_MS after the onset.
  | "kept-talking"
  // Cleared, then the agent's audio started again within RESUME_WINDOW_MS of the onset, saying a sentence of the
  // interrupted reply (per the call record; on the wire alone, any audio).
  | "resumed"
  // Cleared, then other words within RESUME_WINDOW_MS (a fixed line such as "Sorry, I didn't catch that").
  | "answered"
  // Cleared and still silent RESUME_WINDOW_MS after the onset.
  | "stopped"
  // Neither cleared nor audible by then (its reply had ended), or the line was never spoken.
  | "quiet";

export type TTurnObservation =
  | { kind: "complete"; id: string; voiceToVoiceMs: number | null }
  | { kind: "paused"; id: string; pausesMs: number[]; isCutOff: boolean; voiceToVoiceMs: number | null }
  | { kind: "overlap"; id: string; overlap: TOverlapScript["kind"]; outcome: TOverlapOutcome; bargeInMs: number | null; resumedAfterMs: number | null }
  | { kind: "tool"; tool: "take_message" | "transfer_call"; firstAudioMs: number | null };

// What one call's generations did, from the server's call_events (absent on a server that does not preempt).
export type TSpeculation = { started: number; discarded: number; discardedGenerations: number[] };

// Names and payloads of the call_events the turn-taking session writes (kind "status";
// voice-server/session/adaptive-turns.ts). The bench reads them; a server that writes none is reported as not
// preempting. A preemptive reply is an LLM request with no generation of its own (it never reaches the player
// unless used), so what the wire can check is the other discarded kind: a reply dropped because the caller went
// on, whose generation id (its marks' names, g<id>s<n>) the event carries.
export const SPECULATIVE_EVENTS = {
  // data: { words, leadMs }
  used: "preemptive_used",
  // data: { reason: "caller-went-on" | "words-differ" | "call-ended", words, ageMs }
  discarded: "preemptive_discarded",
  // data: { words, generation }
  dropped: "reply_dropped",
} as const;

// The server's own counts over the phase, from /metrics (null: this server has no such metric).
export type TServerTurnCounts = {
  // voice_preemptive_generations_total by outcome.
  preemptive: { started: number; used: number; discarded: number } | null;
  // voice_replies_dropped_total: replies dropped before any audio because the caller went on.
  repliesDropped: number | null;
};

const PREEMPTIVE_METRIC = "voice_preemptive_generations_total";
const DROPPED_METRIC = "voice_replies_dropped_total";

// Reads the counts out of a /metrics text (Prometheus exposition: a registered metric always has its # TYPE line).
export function parseTurnMetrics(text: string): TServerTurnCounts {
  const lines = text.split("\n");
  const has = (name: string) => lines.some((line) => line.startsWith(`# TYPE ${name} `));
  const sum = (name: string, where: (labels: string) => boolean) => {
    let total = 0;
    for (const line of lines) {
      const match = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
      if (match && match[1] === name && where(match[2] ?? "")) total += Number(match[3]);
    }
    return total;
  };
  const outcome = (value: string) => (labels: string) => labels.includes(`outcome="${value}"`);
  return {
    preemptive: has(PREEMPTIVE_METRIC)
      ? { started: sum(PREEMPTIVE_METRIC, outcome("started")), used: sum(PREEMPTIVE_METRIC, outcome("used")), discarded: sum(PREEMPTIVE_METRIC, outcome("discarded")) }
      : null,
    repliesDropped: has(DROPPED_METRIC) ? sum(DROPPED_METRIC, () => true) : null,
  };
}

// after - before, per count.
export function turnCountsBetween(before: TServerTurnCounts, after: TServerTurnCounts): TServerTurnCounts {
  const a = after.preemptive;
  const b = before.preemptive;
  return {
    preemptive: a ? { started: a.started - (b?.started ?? 0), used: a.used - (b?.used ?? 0), discarded: a.discarded - (b?.discarded ?? 0) } : null,
    repliesDropped: after.repliesDropped === null ? null : after.repliesDropped - (before.repliesDropped ?? 0),
  };
}

type TCallWire = Pick<TSimCallResult, "turns" | "agentSpeech" | "marks" | "record">;

export function observeTurnCall(items: TTurnItem[], result: TCallWire): { observations: TTurnObservation[]; speculation: TSpeculation; playedFromDiscarded: number } {
  const observations: TTurnObservation[] = [];
  const turns = result.turns;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const turn = turns[i];
    if (item.kind === "setup") continue;
    if (item.kind === "complete") {
      observations.push({ kind: "complete", id: item.id, voiceToVoiceMs: turn && isCleanReply(turn) ? turn.voiceToVoiceMs : null });
    } else if (item.kind === "tool") {
      observations.push({ kind: "tool", tool: item.tool, firstAudioMs: turn?.voiceToVoiceMs ?? null });
    } else if (item.kind === "paused") {
      if (item.segment !== 0) continue;
      const first = turn;
      const last = turns[i + item.segments - 1];
      // The caller still had words left: agent audio that began after the turn's first word and before its last.
      const isCutOff =
        first?.startMs != null && last?.endMs != null
          ? result.agentSpeech.some((s) => s.startMs >= first.startMs! && s.startMs < last.endMs!)
          : false;
      observations.push({
        kind: "paused",
        id: item.id,
        pausesMs: item.pausesMs,
        isCutOff,
        voiceToVoiceMs: last && last.endMs !== null && !isCutOff ? last.voiceToVoiceMs : null,
      });
    } else {
      observations.push({ kind: "overlap", id: item.id, overlap: item.overlap, ...judgeOverlap(turn, result, item.interrupted) });
    }
  }
  const events = result.record?.events ?? [];
  const generationOf = (data: Record<string, unknown>) => (typeof data.generation === "number" ? data.generation : null);
  const discardedGenerations = events.flatMap((e) => (e.name === SPECULATIVE_EVENTS.dropped && generationOf(e.data) !== null ? [generationOf(e.data)!] : []));
  const discardedSet = new Set(discardedGenerations);
  // A mark of a generation on the wire means its audio went out before it.
  const playedFromDiscarded = new Set(
    result.marks.flatMap((m) => {
      const match = /^g(\d+)s\d+$/.exec(m.name);
      return match && discardedSet.has(Number(match[1])) ? [Number(match[1])] : [];
    }),
  ).size;
  return {
    observations,
    speculation: {
      started: events.filter((e) => e.name === SPECULATIVE_EVENTS.used || e.name === SPECULATIVE_EVENTS.discarded).length,
      discarded: events.filter((e) => e.name === SPECULATIVE_EVENTS.discarded || e.name === SPECULATIVE_EVENTS.dropped).length,
      discardedGenerations,
    },
    playedFromDiscarded,
  };
}

// How far apart the wire's and the server's times of the same agent audio may be (stream ms, both from the start).
const RECORD_MATCH_MS = 300;

const words = (text: string) => text.toLowerCase().replace(/[^a-z0-9' ]+/g, " ").replace(/\s+/g, " ").trim();

function judgeOverlap(
  turn: TSimCallResult["turns"][number] | undefined,
  result: TCallWire,
  interrupted: string,
): { outcome: TOverlapOutcome; bargeInMs: number | null; resumedAfterMs: number | null } {
  const agentSpeech = result.agentSpeech;
  if (!turn || turn.startMs === null) return { outcome: "quiet", bargeInMs: null, resumedAfterMs: null };
  const onset = turn.startMs;
  const windowEnd = onset + RESUME_WINDOW_MS;
  if (turn.clearAtMs === null) {
    const isAudible = agentSpeech.some((s) => s.startMs <= windowEnd && s.endMs >= windowEnd);
    return { outcome: isAudible ? "kept-talking" : "quiet", bargeInMs: null, resumedAfterMs: null };
  }
  const clearAt = turn.clearAtMs;
  const again = agentSpeech.find((s) => s.startMs >= clearAt && s.startMs <= windowEnd);
  if (!again) return { outcome: "stopped", bargeInMs: turn.bargeInMs, resumedAfterMs: null };
  // What that audio said, from the server's record of what was heard (its marks came back over the wire): the
  // agent turn that started with it.
  const said = result.record?.turns
    .filter((t) => t.speaker === "agent" && Math.abs(t.startMs - again.startMs) <= RECORD_MATCH_MS)
    .sort((a, b) => Math.abs(a.startMs - again.startMs) - Math.abs(b.startMs - again.startMs))[0];
  const sentences = interrupted.split(/(?<=[.!?])\s+/).map(words).filter(Boolean);
  const isResume = !said || sentences.some((sentence) => words(said.text).startsWith(sentence));
  return { outcome: isResume ? "resumed" : "answered", bargeInMs: turn.bargeInMs, resumedAfterMs: isResume ? again.startMs - onset : null };
}

// ---- figures -----------------------------------------------------------------------------------------------

export type TTurnTaking = {
  calls: number;
  failedCalls: number;
  concurrency: number;
  // The sets run (sizes), and the phase's wall time.
  plan: ReturnType<typeof planCounts>;
  durationS: number;
  // Complete questions: last voiced caller frame -> first voiced agent frame.
  voiceToVoiceMs: TDistribution | null;
  paused: {
    turns: number;
    cutOff: number;
    cutOffShare: number | null;
    // The turns not cut off: end of the caller's last word -> first agent audio; and its p50 minus the complete
    // questions' p50 (what waiting out the pauses costs).
    voiceToVoiceMs: TDistribution | null;
    addedDelayP50Ms: number | null;
    unanswered: number;
    pauseRangeMs: [number, number] | null;
    cutOffIds: string[];
  };
  overlaps: {
    backchannels: number;
    noise: number;
    // Backchannels and noise after which the agent was talking again (or had never stopped) RESUME_WINDOW_MS after the onset.
    resumed: number;
    keptTalking: number;
    resumedShare: number | null;
    byOutcome: Record<"backchannel" | "noise" | "interruption", Record<TOverlapOutcome, number>>;
    interruptions: number;
    interruptionsResumed: number;
    // Real interruptions the agent talked on through (never cleared).
    interruptionsNotStopped: number;
    bargeInMs: TDistribution | null;
  };
  tools: {
    firstAudioMs: TDistribution | null;
    takeMessageMs: TDistribution | null;
    transferMs: TDistribution | null;
    silent: number;
  };
  speculative: {
    // Where the counts come from: the server's /metrics, its call_events, or neither (a server that does not preempt).
    source: "metrics" | "events" | "none";
    isReported: boolean;
    started: number;
    discarded: number;
    discardedShare: number | null;
    // Dropped replies whose audio reached the wire (their marks came over it). null: some were discarded but the
    // server named none of them (preemptive requests have no generation; only reply_dropped names one).
    playedFromDiscarded: number | null;
    // Discarded generations the server named, i.e. checked on the wire.
    checkedOnWire: number;
    // Replies dropped before any audio because the caller went on (the "agent thinking" rule), per the server.
    repliesDropped: number | null;
    // Streamed LLM requests the fake Gemini answered during the phase, per caller turn the calls had.
    llmRequests: number | null;
    callerTurns: number;
    llmRequestsPerCallerTurn: number | null;
  };
};

const share = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 1000 : null);
const values = (list: (number | null)[]) => list.filter((v): v is number => v !== null);

export function turnFigures(input: {
  observations: TTurnObservation[];
  speculation: TSpeculation[];
  playedFromDiscarded: number;
  serverCounts: TServerTurnCounts | null;
  llmRequests: number | null;
  callerTurns: number;
  calls: number;
  failedCalls: number;
  concurrency: number;
  plan: ReturnType<typeof planCounts>;
  durationS: number;
}): TTurnTaking {
  const obs = input.observations;
  const complete = obs.filter((o): o is Extract<TTurnObservation, { kind: "complete" }> => o.kind === "complete");
  const paused = obs.filter((o): o is Extract<TTurnObservation, { kind: "paused" }> => o.kind === "paused");
  const overlaps = obs.filter((o): o is Extract<TTurnObservation, { kind: "overlap" }> => o.kind === "overlap");
  const tools = obs.filter((o): o is Extract<TTurnObservation, { kind: "tool" }> => o.kind === "tool");
  const voiceToVoiceMs = distribution(values(complete.map((o) => o.voiceToVoiceMs)));
  const pausedV2v = distribution(values(paused.map((o) => o.voiceToVoiceMs)));
  const cutOff = paused.filter((o) => o.isCutOff);
  const pauses = paused.flatMap((o) => o.pausesMs);
  const outcomes = (kind: TOverlapScript["kind"]) => {
    const counts: Record<TOverlapOutcome, number> = { "kept-talking": 0, resumed: 0, answered: 0, stopped: 0, quiet: 0 };
    for (const o of overlaps) if (o.overlap === kind) counts[o.outcome]++;
    return counts;
  };
  const byOutcome = { backchannel: outcomes("backchannel"), noise: outcomes("noise"), interruption: outcomes("interruption") };
  const shrugged = overlaps.filter((o) => o.overlap !== "interruption");
  const resumed = shrugged.filter((o) => o.outcome === "resumed" || o.outcome === "kept-talking").length;
  const interruptions = overlaps.filter((o) => o.overlap === "interruption");
  const fromEvents = {
    started: input.speculation.reduce((sum, s) => sum + s.started, 0),
    discarded: input.speculation.reduce((sum, s) => sum + s.discarded, 0),
  };
  const fromMetrics = input.serverCounts?.preemptive ?? null;
  const source = fromMetrics ? "metrics" : fromEvents.started + fromEvents.discarded > 0 ? "events" : "none";
  const { started, discarded } = fromMetrics ?? fromEvents;
  const checkedOnWire = input.speculation.reduce((sum, s) => sum + s.discardedGenerations.length, 0);
  const toolMs = (tool?: "take_message" | "transfer_call") => distribution(values(tools.filter((t) => !tool || t.tool === tool).map((t) => t.firstAudioMs)));
  return {
    calls: input.calls,
    failedCalls: input.failedCalls,
    concurrency: input.concurrency,
    plan: input.plan,
    durationS: input.durationS,
    voiceToVoiceMs,
    paused: {
      turns: paused.length,
      cutOff: cutOff.length,
      cutOffShare: share(cutOff.length, paused.length),
      voiceToVoiceMs: pausedV2v,
      addedDelayP50Ms: pausedV2v && voiceToVoiceMs ? Math.round((pausedV2v.p50 - voiceToVoiceMs.p50) * 10) / 10 : null,
      unanswered: paused.filter((o) => !o.isCutOff && o.voiceToVoiceMs === null).length,
      pauseRangeMs: pauses.length > 0 ? [Math.min(...pauses), Math.max(...pauses)] : null,
      cutOffIds: cutOff.map((o) => o.id),
    },
    overlaps: {
      backchannels: overlaps.filter((o) => o.overlap === "backchannel").length,
      noise: overlaps.filter((o) => o.overlap === "noise").length,
      resumed,
      keptTalking: shrugged.filter((o) => o.outcome === "kept-talking").length,
      resumedShare: share(resumed, shrugged.length),
      byOutcome,
      interruptions: interruptions.length,
      interruptionsResumed: interruptions.filter((o) => o.outcome === "resumed").length,
      interruptionsNotStopped: interruptions.filter((o) => o.outcome === "kept-talking").length,
      bargeInMs: distribution(values(interruptions.map((o) => o.bargeInMs))),
    },
    tools: {
      firstAudioMs: toolMs(),
      takeMessageMs: toolMs("take_message"),
      transferMs: toolMs("transfer_call"),
      silent: tools.filter((t) => t.firstAudioMs === null).length,
    },
    speculative: {
      source,
      isReported: source !== "none",
      started,
      discarded,
      discardedShare: share(discarded, started),
      playedFromDiscarded: discarded > 0 && checkedOnWire === 0 ? null : input.playedFromDiscarded,
      checkedOnWire,
      repliesDropped: input.serverCounts?.repliesDropped ?? null,
      llmRequests: input.llmRequests,
      callerTurns: input.callerTurns,
      llmRequestsPerCallerTurn: input.llmRequests !== null && input.callerTurns > 0 ? Math.round((input.llmRequests / input.callerTurns) * 100) / 100 : null,
    },
  };
}

// Issue 14's targets against a phase's figures (null: no samples to judge).
export function turnTargets(t: TTurnTaking): Record<string, { target: string; value: number | null; isMet: boolean; note?: string }> {
  const pct = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 10);
  return {
    turnV2vP50: { target: `<= ${TURN_TARGETS.voiceToVoiceP50Ms} ms`, value: t.voiceToVoiceMs?.p50 ?? null, isMet: (t.voiceToVoiceMs?.p50 ?? Infinity) <= TURN_TARGETS.voiceToVoiceP50Ms, note: "complete questions" },
    turnV2vP95: { target: `<= ${TURN_TARGETS.voiceToVoiceP95Ms} ms`, value: t.voiceToVoiceMs?.p95 ?? null, isMet: (t.voiceToVoiceMs?.p95 ?? Infinity) <= TURN_TARGETS.voiceToVoiceP95Ms, note: "complete questions" },
    falseCutOffs: {
      target: `<= ${TURN_TARGETS.falseCutOffShare * 100}%`,
      value: pct(t.paused.cutOffShare),
      isMet: t.paused.cutOffShare !== null && t.paused.cutOffShare <= TURN_TARGETS.falseCutOffShare,
      note: `${t.paused.cutOff} of ${t.paused.turns} paused turns, %`,
    },
    resumedAfterBackchannel: {
      target: `>= ${TURN_TARGETS.resumedShare * 100}%`,
      value: pct(t.overlaps.resumedShare),
      isMet: t.overlaps.resumedShare !== null && t.overlaps.resumedShare >= TURN_TARGETS.resumedShare,
      note: `${t.overlaps.resumed} of ${t.overlaps.backchannels + t.overlaps.noise} backchannels and noise bursts, %`,
    },
    interruptionsResumed: {
      target: `= ${TURN_TARGETS.interruptionsResumed}`,
      value: t.overlaps.interruptions > 0 ? t.overlaps.interruptionsResumed : null,
      isMet: t.overlaps.interruptions > 0 && t.overlaps.interruptionsResumed === TURN_TARGETS.interruptionsResumed,
      note: `of ${t.overlaps.interruptions} real interruptions`,
    },
    turnBargeInP95: { target: `<= ${TURN_TARGETS.bargeInP95Ms} ms`, value: t.overlaps.bargeInMs?.p95 ?? null, isMet: (t.overlaps.bargeInMs?.p95 ?? Infinity) <= TURN_TARGETS.bargeInP95Ms, note: "real interruptions" },
    toolFirstAudioP50: { target: `<= ${TURN_TARGETS.toolFirstAudioP50Ms} ms`, value: t.tools.firstAudioMs?.p50 ?? null, isMet: (t.tools.firstAudioMs?.p50 ?? Infinity) <= TURN_TARGETS.toolFirstAudioP50Ms, note: "transfer and take_message turns" },
    playedFromDiscarded: {
      target: `= ${TURN_TARGETS.playedFromDiscarded}`,
      value: t.speculative.playedFromDiscarded,
      isMet: t.speculative.playedFromDiscarded === TURN_TARGETS.playedFromDiscarded,
      note: !t.speculative.isReported
        ? "the server reported no speculative generation"
        : t.speculative.playedFromDiscarded === null
          ? `${t.speculative.discarded} discarded, none named by the server: not checkable on the wire`
          : `of ${t.speculative.discarded} discarded generations, ${t.speculative.checkedOnWire} checked on the wire`,
    },
  };
}
