// What `npm run bench:voice` measures: figures of a set of simulated calls, the server's own stage timings from
// call_turns, and the post-call analysis backlog.
import { createDb } from "@/db/client";
import { isCleanReply } from "@/tests/sim/report";
import { distribution, type TDistribution } from "@/tests/sim/stats";
import type { SimScheduler } from "@/tests/sim/sim-scheduler";
import type { TSimCallResult } from "@/tests/sim/wire-log";
import { LATENCY } from "./bench-voice-fakes";

export const ENDPOINTING_SILENCE_MS = 300;
export const INTERRUPTION_MIN_SPEECH_MS = 200;
export const PROVIDER_MS = LATENCY.sttFinalMs + LATENCY.llmFirstTokenMs + LATENCY.ttsFirstByteMs;
export const OVERHEAD_FORMULA = `voice-to-voice - ${PROVIDER_MS} (STT ${LATENCY.sttFinalMs} + LLM ${LATENCY.llmFirstTokenMs} + TTS ${LATENCY.ttsFirstByteMs}) - ${ENDPOINTING_SILENCE_MS} (endpointing)`;
// drainS: the post-call analysis backlog the last step leaves is gone within this (issue 12).
export const TARGETS = { overheadP99Ms: 20, bargeInP95Ms: 250, callsPerCore: 200, mbPerCall: 2, drainS: 120 } as const;

// ---- figures -----------------------------------------------------------------------------------------------

export type TFigures = {
  calls: number;
  failedCalls: number;
  endedBy: Record<string, number>;
  voiceToVoiceMs: TDistribution | null;
  overheadMs: TDistribution | null;
  bargeInMs: TDistribution | null;
  bargeInsMissed: number;
  greetingMs: TDistribution | null;
  jitterMs: TDistribution | null;
  interArrivalMs: TDistribution | null;
  // The playout buffer ran dry mid-sentence; the second count is those right after the simulator itself stalled.
  lateFrames: number;
  lateFramesDuringSimulatorStall: number;
  worstLateMs: number | null;
  protocolErrors: number;
  simulatorTickLagMs: { p50: number; p99: number; max: number };
};

export function figures(results: TSimCallResult[], failed: number, scheduler: SimScheduler): TFigures {
  const turns = results.flatMap((r) => r.turns);
  const replies = turns.filter(isCleanReply).map((t) => t.voiceToVoiceMs!);
  const interruptions = turns.filter((t) => t.isInterruption);
  const endedBy: Record<string, number> = {};
  for (const r of results) endedBy[r.end.by] = (endedBy[r.end.by] ?? 0) + 1;
  const allLate = results.flatMap((r) => r.pacing.lateFrames);
  const late = allLate.filter((l) => !l.isSimulatorStall);
  const lag = scheduler.tickLag();
  return {
    calls: results.length,
    failedCalls: failed,
    endedBy,
    voiceToVoiceMs: distribution(replies),
    overheadMs: distribution(replies.map((v) => v - PROVIDER_MS - ENDPOINTING_SILENCE_MS)),
    bargeInMs: distribution(interruptions.flatMap((t) => (t.bargeInMs === null ? [] : [t.bargeInMs]))),
    bargeInsMissed: interruptions.filter((t) => t.bargeInMs === null).length,
    greetingMs: distribution(results.flatMap((r) => (r.greetingMs === null ? [] : [r.greetingMs]))),
    jitterMs: distribution(results.flatMap((r) => r.pacing.jitterMs)),
    interArrivalMs: distribution(results.flatMap((r) => r.pacing.interArrivalMs)),
    lateFrames: late.length,
    lateFramesDuringSimulatorStall: allLate.length - late.length,
    worstLateMs: late.length ? Math.max(...late.map((l) => l.lateByMs)) : null,
    protocolErrors: results.reduce((sum, r) => sum + r.protocolErrors.length, 0),
    simulatorTickLagMs: { p50: lag.p50, p99: lag.p99, max: lag.max },
  };
}

export type TServerStages = {
  turns: number;
  endpointingMs: TDistribution | null;
  sttMs: TDistribution | null;
  llmMs: TDistribution | null;
  ttsMs: TDistribution | null;
  firstFrameMs: TDistribution | null;
  firstAudioMs: TDistribution | null;
};

// The server's own per-stage timings of the answers (call_turns), each stage as the time it added.
export async function serverStages(databaseUrl: string, since: Date): Promise<TServerStages> {
  const { sql } = createDb(databaseUrl, { max: 1 });
  try {
    const rows = await sql<
      { e: number; s: number; l: number; t: number; f: number }[]
    >`select t.endpointing_ms as e, t.stt_final_ms as s, t.llm_first_token_ms as l, t.tts_first_byte_ms as t, t.first_audio_ms as f
        from call_turns t join calls c on c.id = t.call_id and c.team_id = t.team_id
       where t.speaker = 'agent' and c.started_at >= ${since.toISOString()}::timestamptz and t.endpointing_ms is not null and t.stt_final_ms is not null
         and t.llm_first_token_ms is not null and t.tts_first_byte_ms is not null and t.first_audio_ms is not null`;
    return {
      turns: rows.length,
      endpointingMs: distribution(rows.map((r) => r.e)),
      sttMs: distribution(rows.map((r) => r.s - r.e)),
      llmMs: distribution(rows.map((r) => r.l - r.s)),
      ttsMs: distribution(rows.map((r) => r.t - r.l)),
      firstFrameMs: distribution(rows.map((r) => r.f - r.t)),
      firstAudioMs: distribution(rows.map((r) => r.f)),
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

// Matches each clean answer at the wire with the server's row for it (same call, nearest start) and returns
// wire voice-to-voice minus the server's.
export async function wireMinusServer(databaseUrl: string, results: TSimCallResult[]): Promise<TDistribution | null> {
  const callIds = results.flatMap((r) => (r.callId ? [r.callId] : []));
  if (callIds.length === 0) return null;
  const { sql } = createDb(databaseUrl, { max: 1 });
  try {
    const rows = await sql<{ call_id: string; start_ms: number; first_audio_ms: number }[]>`
      select call_id, start_ms, first_audio_ms from call_turns
       where speaker = 'agent' and first_audio_ms is not null and call_id = any(${`{${callIds.join(",")}}`}::uuid[])`;
    const byCall = new Map<string, (typeof rows)[number][]>();
    for (const row of rows) {
      const turns = byCall.get(row.call_id);
      if (turns) turns.push(row);
      else byCall.set(row.call_id, [row]);
    }
    const gaps: number[] = [];
    for (const result of results) {
      const turns = byCall.get(result.callId ?? "") ?? [];
      for (const answer of result.turns.filter(isCleanReply)) {
        const at = answer.agentReplyAtMs;
        if (at === null || turns.length === 0) continue;
        const nearest = turns.reduce((a, b) => (Math.abs(b.start_ms - at) < Math.abs(a.start_ms - at) ? b : a));
        gaps.push(Math.round((answer.voiceToVoiceMs! - nearest.first_audio_ms) * 10) / 10);
      }
    }
    return distribution(gaps);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

// The voice server analyzes every ended call (pg-boss queue, Gemini) while later steps run: that work is part of its
// load. Counted at the end, so a run where analyses failed and were retried (extra load) shows it.
export async function analysisStatuses(databaseUrl: string): Promise<Record<string, number>> {
  const { sql } = createDb(databaseUrl, { max: 1 });
  try {
    const rows = await sql<{ status: string; n: number }[]>`select analysis_status as status, count(*)::int as n from calls group by 1`;
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export type TStep = TFigures & {
  concurrent: number;
  // CPU used by processes other than the simulator and the server (Postgres, anything else on the machine), in
  // % of one core: a high figure means the step competed for CPU and its latencies are pessimistic.
  otherCpuPercent: number;
  // The worker's CPU over the step, % of one core (part of otherCpuPercent); null: no worker (the server analyzes).
  workerCpuPercent?: number | null;
  // Simulated callers and fake providers (this process and the fakes' one), in % of one core: near 100 means core 0 was the limit.
  simulatorCpuPercent: number;
  // Late frames the server's own pacer noticed (voice_pacer_late_frames_total): lateness that started inside it.
  serverPacerLateFrames: number | null;
  // Event-loop delay of the server process during the step (monitorEventLoopDelay, 10 ms resolution).
  serverLoopLagMs: { p99: number | null; max: number | null };
  serverStages: TServerStages;
  // Per answer, voice-to-voice at the wire minus the server's own voice-to-voice (call_turns.first_audio_ms): what
  // the server's clock cannot see. It dates the end of speech from the stream's timestamps, so this is caller
  // frames waiting to be read (in the simulator, the kernel or the server's event loop) and agent audio on its way back.
  wireMinusServerMs: TDistribution | null;
  // The fake providers' own time to answer (request or Finalize in -> first byte out): the fixed latency plus their
  // process's lateness. Server-seen minus this is the server and the loopback, not the fakes.
  fakeStages?: { sttMs: TDistribution | null; llmMs: TDistribution | null; ttsMs: TDistribution | null };
  peakActiveCalls: number;
  rssPeakMb: number;
  mbPerCall: number;
  serverCpuPercent: number;
  // Server CPU seconds per minute of call time (the calls' durations, webhook to hang-up, summed): what a call
  // costs, whatever the step's length.
  cpuSecondsPerCallMinute: number | null;
  // Calls offered to the server in this step, and how they were answered: with a stream (admitted), or refused by
  // admission control with the busy TwiML or a 503. The figures above are of the admitted calls only.
  offered: number;
  admitted: number;
  refused: { busy: number; unavailable: number };
  // The server's own count of refusals in the step, by reason (voice_admission_refused_total; absent on a server without admission control).
  refusedByReason?: Record<string, number>;
  durationS: number;
  isPassing: boolean;
  failReasons: string[];
  // Overhead p99 at this load minus the low-load overhead p50: what load adds, without the constant part.
  loadAddedOverheadP99Ms: number | null;
  isPassingLoadAdded: boolean;
};

// Server CPU seconds per call-minute: `serverCpuMs` over the summed durations of `results`.
export function cpuPerCallMinute(serverCpuMs: number, results: TSimCallResult[]): number | null {
  const callMinutes = results.reduce((sum, r) => sum + r.durationMs, 0) / 60_000;
  return callMinutes > 0 ? Math.round((serverCpuMs / 1000 / callMinutes) * 1000) / 1000 : null;
}

// A call admission control turned away at the webhook: the busy TwiML (no stream, a <Record> for voicemail).
export function isRefusedBusy(result: TSimCallResult): boolean {
  return result.end.by === "twiml" && !result.twiml.stream && result.twiml.verbs.some((v) => v.verb === "Record");
}

// `worker`: the CPU of the worker process (the one that analyzes calls since the voice server stopped doing it);
// null when the voice server analyzes calls itself (an older commit under --compare). Absent in older results.
export type TDrain = {
  pendingAtStart: number;
  pendingAtEnd: number;
  drainedInS: number | null;
  timeoutS: number;
  worker?: TWorkerCpu | null;
};
// `drainCpuPercent`: of one core, over the drain; `runCpuS`: over the whole run; `cpuMsPerAnalysis`: the run's CPU
// over the analyses it finished.
export type TWorkerCpu = { drainCpuS: number; drainCpuPercent: number; runCpuS: number; analyzed: number; cpuMsPerAnalysis: number | null };

// The post-call analysis backlog after the last step: polls the calls that ended with analysis pending (or
// running) until none is left or `timeoutMs` passes, while whatever process analyzes calls works on them.
export async function measureDrain(databaseUrl: string, timeoutMs: number): Promise<TDrain> {
  const { sql } = createDb(databaseUrl, { max: 1 });
  const pending = async () =>
    (await sql<{ n: number }[]>`select count(*)::int as n from calls where ended_at is not null and analysis_status in ('pending', 'running')`)[0]!.n;
  try {
    const startedAt = Date.now();
    const pendingAtStart = await pending();
    let left = pendingAtStart;
    while (left > 0 && Date.now() - startedAt < timeoutMs) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      left = await pending();
    }
    return {
      pendingAtStart,
      pendingAtEnd: left,
      drainedInS: left === 0 ? Math.round((Date.now() - startedAt) / 100) / 10 : null,
      timeoutS: Math.round(timeoutMs / 1000),
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

// One line: the backlog, how long it took to clear, and the worker's CPU meanwhile.
export function drainSummary(drain: TDrain): string {
  const outcome =
    drain.drainedInS !== null ? `0 after ${drain.drainedInS} s` : `${drain.pendingAtEnd} still pending after ${drain.timeoutS} s`;
  const target = drain.drainedInS !== null && drain.drainedInS <= TARGETS.drainS ? "pass" : `FAIL (target: 0 within ${TARGETS.drainS} s)`;
  const w = drain.worker;
  const analyzer =
    w === undefined
      ? ""
      : w === null
        ? "; analyzed by the voice server itself (no worker)"
        : `; worker CPU ${w.drainCpuS} s (${w.drainCpuPercent}% of a core) during the drain, ${w.runCpuS} s over the run for ${w.analyzed} analyses (${w.cpuMsPerAnalysis ?? "n/a"} ms each)`;
  return `${drain.pendingAtStart} analyses pending after the last step; ${outcome} -> ${target}${analyzer}`;
}

export function round1(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
}
