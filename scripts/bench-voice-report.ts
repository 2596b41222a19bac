// The printed table and bench/results/voice.md of `npm run bench:voice`, and the side-by-side report of --compare.
import type { TDistribution } from "@/tests/sim/stats";
import { LATENCY, TURN_TRIGGERS } from "./bench-voice-fakes";
import { ENDPOINTING_SILENCE_MS, INTERRUPTION_MIN_SPEECH_MS, TARGETS, drainSummary, type TDrain, type TFigures, type TServerStages, type TStep } from "./bench-voice-figures";
import { RESUME_WINDOW_MS, SPECULATIVE_EVENTS, TURN_TARGETS, type TTurnTaking } from "./bench-voice-turns";

type TMachine = Record<string, unknown> & { cpuModel: string; cores: number; node: string; date: string; isPinned: boolean; priority: number };
type TLatencyPhase = { calls: number; concurrency: number; otherCpuPercent: number };
type TCapacity = { maxConcurrentCalls: number; maxConcurrentCallsLoadAdded: number; baselineOverheadMs: number; steps: TStep[] };

// One server's figures over a whole run.
export type TRun = {
  commit: string;
  ref: string;
  idleRssMb: number;
  latency: TFigures & { cpuSecondsPerCallMinute: number | null };
  serverStages: TServerStages;
  capacity: TCapacity;
  // The step beyond capacity, admission control on (null: not run).
  overload: TStep | null;
  drain: TDrain | null;
  // The turn-taking phase (null: not run; absent in results from before it existed).
  turnTaking?: TTurnTaking | null;
  postCallAnalysisAtEnd: Record<string, number>;
};

export type TOutput = {
  machine: TMachine;
  setup: { idleRssMb: number; overheadFormula: string; turnCycleMs: number; latencyPhase: TLatencyPhase; admissionEnv?: Record<string, string>; script?: unknown };
  latency: TFigures & { cpuSecondsPerCallMinute?: number | null };
  serverStages: TServerStages;
  capacity: TCapacity;
  // Absent in results written before the overload step and the drain existed.
  overload?: TStep | null;
  drain?: TDrain | null;
  turnTaking?: TTurnTaking | null;
  postCallAnalysisAtEnd: Record<string, number>;
  targets: Record<string, { target: string; value: number | null; isMet: boolean; note?: string }>;
  durationS: number;
};

export function d(dist: TDistribution | null): string {
  return dist ? `${dist.p50} / ${dist.p95} / ${dist.p99}` : "n/a";
}

export function table(o: TOutput): string {
  const l = o.latency;
  const lines = [
    `Latency at low load (${l.calls} calls, ${o.setup.latencyPhase.concurrency} at a time), p50 / p95 / p99 in ms:`,
    `  voice-to-voice at the wire   ${d(l.voiceToVoiceMs)}`,
    `  server overhead              ${d(l.overheadMs)}`,
    `  barge-in (onset -> clear)    ${d(l.bargeInMs)}${l.bargeInsMissed ? `  (${l.bargeInsMissed} never cleared)` : ""}`,
    `  greeting (start -> audio)    ${d(l.greetingMs)}`,
    `  outbound pacing jitter       ${d(l.jitterMs)}   late frames: ${l.lateFrames}`,
    `  server's own stages (call_turns, p50): endpointing ${o.serverStages.endpointingMs?.p50}, STT ${o.serverStages.sttMs?.p50}, ` +
      `LLM ${o.serverStages.llmMs?.p50}, TTS ${o.serverStages.ttsMs?.p50}, to first frame ${o.serverStages.firstFrameMs?.p50}; ` +
      `first audio ${o.serverStages.firstAudioMs?.p50} ms`,
    "",
    "Capacity (voice server on one core):",
    "  calls  overhead p50/p95/p99   added p99  v2v p50   late  CPU%  CPU s/call-min   RSS MB  MB/call  sim lag p99  other CPU%  result",
    ...o.capacity.steps.map(
      (s) =>
        `  ${String(s.concurrent).padStart(5)}  ${d(s.overheadMs).padEnd(21)}  ${String(s.loadAddedOverheadP99Ms ?? "n/a").padStart(9)}  ${String(s.voiceToVoiceMs?.p50 ?? "n/a").padStart(7)}  ${String(s.lateFrames).padStart(4)}  ${String(s.serverCpuPercent).padStart(4)}  ${String(s.cpuSecondsPerCallMinute ?? "n/a").padStart(14)}  ${String(s.rssPeakMb).padStart(7)}  ${String(s.mbPerCall).padStart(7)}  ${String(s.simulatorTickLagMs.p99).padStart(11)}  ${String(s.otherCpuPercent).padStart(10)}  ${s.isPassing ? "pass" : `FAIL: ${s.failReasons.join("; ")}`}; load-added: ${s.isPassingLoadAdded ? "pass" : "FAIL"}`,
    ),
    `  => most concurrent calls with overhead p99 <= ${TARGETS.overheadP99Ms} ms and no late frame: ${o.capacity.maxConcurrentCalls}`,
    `  => most concurrent calls where load adds <= ${TARGETS.overheadP99Ms} ms to overhead p99 (over the ${o.capacity.baselineOverheadMs} ms low-load p50) and no late frame: ${o.capacity.maxConcurrentCallsLoadAdded}`,
    `  CPU per call-minute at low load: ${l.cpuSecondsPerCallMinute ?? "n/a"} s`,
    "",
    ...(o.turnTaking ? [`Turn-taking (${o.turnTaking.calls} calls at low load):`, turnTable(o.turnTaking), ""] : []),
    ...overloadLines(o.overload ?? null),
    ...drainLines(o.drain ?? null),
    "Targets:",
    ...Object.entries(o.targets).map(
      ([name, t]) => `  ${name.padEnd(13)} ${t.target.padEnd(10)} got ${t.value ?? "n/a"}${t.note ? ` (${t.note})` : ""}  ${t.isMet ? "PASS" : "FAIL"}`,
    ),
  ];
  return lines.join("\n");
}

function overloadLines(s: TStep | null): string[] {
  if (!s) return [];
  return [
    `Beyond capacity, admission control on: ${s.offered} calls offered, ${s.admitted} admitted, ${s.refused.busy} refused as busy, ${s.refused.unavailable} refused with 503 (server's reasons: ${JSON.stringify(s.refusedByReason ?? {})}), ${s.failedCalls} failed`,
    `  admitted calls: overhead p50/p95/p99 ${d(s.overheadMs)} ms, late frames ${s.lateFrames}, server CPU ${s.serverCpuPercent}%, event-loop delay p99/max ${s.serverLoopLagMs.p99}/${s.serverLoopLagMs.max} ms -> ${overloadVerdict(s)}`,
    "",
  ];
}

// The overload step passes when the calls it admitted kept the budget and every other call was refused cleanly.
export function overloadVerdict(s: TStep): string {
  const reasons: string[] = [];
  if (s.refused.busy + s.refused.unavailable === 0) reasons.push("nothing was refused");
  if (!s.overheadMs || s.overheadMs.p99 > TARGETS.overheadP99Ms) reasons.push(`admitted calls' overhead p99 ${s.overheadMs?.p99 ?? "n/a"} ms`);
  if (s.lateFrames > 0) reasons.push(`${s.lateFrames} late frames`);
  if (s.failedCalls > 0) reasons.push(`${s.failedCalls} calls failed`);
  return reasons.length === 0 ? "pass" : `FAIL: ${reasons.join("; ")}`;
}

function drainLines(drain: TDrain | null): string[] {
  if (!drain) return [];
  return [`Post-call analysis backlog: ${drainSummary(drain)}`, ""];
}

export function contamination(o: TOutput): string {
  const busy = [
    ...(o.setup.latencyPhase.otherCpuPercent > 30 ? ["the latency phase"] : []),
    ...o.capacity.steps.filter((s) => s.otherCpuPercent > 30).map((s) => `${s.concurrent} calls`),
  ];
  if (busy.length === 0) return "";
  return `> **Caveat:** other work used more than 30% of a core during ${busy.join(", ")} (see "other processes CPU").
> Those figures are pessimistic; rerun \`npm run bench:voice\` on a quiet machine before comparing them with the targets.

`;
}

export function markdown(o: TOutput): string {
  const m = o.machine;
  const l = o.latency;
  const row = (name: string, dist: TDistribution | null) =>
    `| ${name} | ${dist ? `${dist.p50} | ${dist.p95} | ${dist.p99} | ${dist.max} | ${dist.count}` : "n/a | | | |"} |`;
  return `# Voice server benchmark

\`npm run bench:voice\` - ${m.date}, commit ${String(m.commit ?? "?")}

Machine: ${m.cpuModel}, ${m.cores} cores, ${String(m.memoryGb)} GB, Node ${m.node}, ${String(m.os)}; load average at start ${JSON.stringify(m.loadAverageAtStart)}.
${m.priority !== 0 ? `Benchmark processes (server, simulator, fake providers, Postgres) at nice ${m.priority}, so unrelated work on the machine disturbs them less. ` : ""}${m.isPinned ? "Voice server pinned to core 1 (`taskset -c 1`); simulated callers, fake providers (a process of their own) and Postgres on core 0." : "Not pinned (no taskset or fewer than 2 cores): figures include the simulator's own load."}

Fake providers with fixed latencies: STT final ${LATENCY.sttFinalMs} ms after Finalize, LLM first token ${LATENCY.llmFirstTokenMs} ms,
TTS first byte ${LATENCY.ttsFirstByteMs} ms. Agent endpointing silence ${ENDPOINTING_SILENCE_MS} ms, minimum interrupting speech ${INTERRUPTION_MIN_SPEECH_MS} ms.
Each call: greeting, question, answer, second question, the caller cuts into the long answer 800 ms after it starts, answer, hang-up.
In the capacity steps the calls connect over up to 8 s and hold silently until all N are up; each then starts talking at a random
point of one ${o.setup.turnCycleMs / 1000} s turn cycle and holds again after its last answer, so answers come at the rate N calls in steady
conversation produce (not all calls' questions in the same few seconds) and every measured answer has all N calls live.
Everything is measured at the wire by the simulated Twilio (tests/sim/twilio-caller.ts):

- voice-to-voice: last voiced caller frame sent -> first voiced agent frame received;
- server overhead: ${o.setup.overheadFormula};
- barge-in: first voiced frame of the interrupting line -> \`clear\` received;
- pacing jitter: |gap between consecutive agent media messages - duration of the earlier one| within a stretch of audio.
  The server keeps up to PACER_LEAD_MS (200) of audio queued at the far end and tops it up in batches of about
  PACER_BATCH_MS (60), so a message often carries more audio than the gap to the next one: tens of ms here are by
  design. What a caller would hear is a late frame;
- late frame: the emulated playout buffer (drained at 8 bytes/ms) ran dry mid-sentence and audio arrived later.

${contamination(o)}## Targets

| target | required | measured | |
|---|---|---|---|
${Object.entries(o.targets)
  .map(([name, t]) => `| ${name} | ${t.target} | ${t.value ?? "n/a"}${t.note ? ` (${t.note})` : ""} | ${t.isMet ? "pass" : "**FAIL**"} |`)
  .join("\n")}

## Latency at low load (${l.calls} calls, ${o.setup.latencyPhase.concurrency} at a time)

| ms | p50 | p95 | p99 | max | n |
|---|---|---|---|---|---|
${row("voice-to-voice", l.voiceToVoiceMs)}
${row("server overhead", l.overheadMs)}
${row("barge-in reaction", l.bargeInMs)}
${row("greeting (stream start -> first audio)", l.greetingMs)}
${row("outbound pacing jitter", l.jitterMs)}
${row("outbound inter-arrival", l.interArrivalMs)}

Other processes used ${o.setup.latencyPhase.otherCpuPercent}% of a core meanwhile. Late frames: ${l.lateFrames} (plus ${l.lateFramesDuringSimulatorStall} right after a stall of the simulator itself, not counted). Interruptions never cleared: ${l.bargeInsMissed}. Failed calls: ${l.failedCalls}. Protocol errors: ${l.protocolErrors}.

The server's own timings of the same answers (call_turns; each stage is the time it added, measured by the server from
the end of the caller's speech as its VAD saw it):

| ms | p50 | p95 | p99 | max | n |
|---|---|---|---|---|---|
${row("endpointing (VAD silence)", o.serverStages.endpointingMs)}
${row("STT final", o.serverStages.sttMs)}
${row("LLM first token", o.serverStages.llmMs)}
${row("TTS first byte", o.serverStages.ttsMs)}
${row("TTS first byte -> first frame sent", o.serverStages.firstFrameMs)}
${row("first audio (server's voice-to-voice)", o.serverStages.firstAudioMs)}

## Capacity (one voice server process on one core)

The voice server also analyzes every call once it has ended, so each step carries the analyses of the step before.
Analyses by status at the end of the run: ${Object.entries(o.postCallAnalysisAtEnd).map(([status, n]) => `${status} ${n}`).join(", ") || "none"}.

Idle RSS after warm-up: ${o.setup.idleRssMb} MB. Memory per call = (peak RSS during the step - idle RSS) / calls.

| concurrent calls | overhead p50 / p95 / p99 ms | load-added p99 ms | voice-to-voice p50 ms | barge-in p95 ms | late frames (server pacer's own count) | server CPU % | server CPU s per call-minute | peak RSS MB | MB per call | server-seen STT / LLM / TTS p95 ms (fakes' own) | server's own voice-to-voice p50 / p99 ms | wire minus server p50 / p99 ms | server event-loop delay p99 / max ms | simulator CPU %, tick lag p99 ms | other processes CPU % (of which the worker) | result |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
${o.capacity.steps
  .map(
    (s) =>
      `| ${s.concurrent} | ${d(s.overheadMs)} | ${s.loadAddedOverheadP99Ms ?? "n/a"} | ${s.voiceToVoiceMs?.p50 ?? "n/a"} | ${s.bargeInMs?.p95 ?? "n/a"} | ${s.lateFrames} (${s.serverPacerLateFrames ?? "?"}) | ${s.serverCpuPercent} | ${s.cpuSecondsPerCallMinute ?? "n/a"} | ${s.rssPeakMb} | ${s.mbPerCall} | ${s.serverStages.sttMs?.p95 ?? "?"} / ${s.serverStages.llmMs?.p95 ?? "?"} / ${s.serverStages.ttsMs?.p95 ?? "?"}${s.fakeStages ? ` (${s.fakeStages.sttMs?.p95 ?? "?"} / ${s.fakeStages.llmMs?.p95 ?? "?"} / ${s.fakeStages.ttsMs?.p95 ?? "?"})` : ""} | ${s.serverStages.firstAudioMs?.p50 ?? "?"} / ${s.serverStages.firstAudioMs?.p99 ?? "?"} | ${s.wireMinusServerMs?.p50 ?? "?"} / ${s.wireMinusServerMs?.p99 ?? "?"} | ${s.serverLoopLagMs?.p99 ?? "?"} / ${s.serverLoopLagMs?.max ?? "?"} | ${s.simulatorCpuPercent}, ${s.simulatorTickLagMs.p99} | ${s.otherCpuPercent}${s.workerCpuPercent != null ? ` (${s.workerCpuPercent})` : ""} | ${s.isPassing ? "pass" : `fail: ${s.failReasons.join("; ")}`} |`,
  )
  .join("\n")}

Most concurrent calls with overhead p99 <= ${TARGETS.overheadP99Ms} ms and no late frame (the target's definition): **${o.capacity.maxConcurrentCalls}**.
Most concurrent calls where load adds at most ${TARGETS.overheadP99Ms} ms to overhead p99 over its low-load p50 (${o.capacity.baselineOverheadMs} ms) and no
late frame (how far the server scales, whatever its constant overhead): **${o.capacity.maxConcurrentCallsLoadAdded}**.
A high simulator tick lag means the simulator (core 0) could not keep up, which inflates the figures of that step.
"Server event-loop delay" is Node's monitorEventLoopDelay on a 10 ms timer, interval included: about 10 ms means the
loop never waited; the max is the longest stall of the step (a GC pause, a burst of work).
"Server-seen STT / LLM / TTS" are the fake providers' latencies as the server measured them (fixed at ${LATENCY.sttFinalMs} / ${LATENCY.llmFirstTokenMs} / ${LATENCY.ttsFirstByteMs});
in brackets, what the fakes themselves took from request in to first byte out. The fakes' own figure growing means core 0
(simulator and fakes) was late; the gap between the two is the server and the loopback.
"Server's own voice-to-voice" is first_audio_ms of the same answers: the end of speech dated by the stream's timestamps
to the first frame written. "Wire minus server" is, per answer, the simulator's voice-to-voice minus the server's: time the
server's clock cannot see, i.e. caller frames waiting to be read (simulator, kernel, the server's event loop) and agent
audio on its way back. Answers that go bad together within a fraction of a second point at a stall of the machine or core 0.
"Other processes CPU" is what the rest of the machine used meanwhile (Postgres and anything unrelated): when it is high, the
server competed for its core and the step's figures are pessimistic.
"Server CPU s per call-minute" is the server's CPU time during the step over the minutes of call time in it (each call's
webhook to hang-up): what a call costs the server, comparable across steps of different lengths.${o.latency.cpuSecondsPerCallMinute != null ? ` At low load: ${o.latency.cpuSecondsPerCallMinute} s.` : ""}
${turnMarkdown(o.turnTaking ?? null)}${overloadMarkdown(o.overload ?? null, o.setup.admissionEnv ?? {})}${drainMarkdown(o.drain ?? null)}`;
}

// ---- turn-taking ---------------------------------------------------------------------------------------------

const pct = (share: number | null) => (share === null ? "n/a" : `${Math.round(share * 1000) / 10}%`);

function playedText(sp: TTurnTaking["speculative"]): string {
  if (sp.playedFromDiscarded === null) return `not checkable (the server named none of its ${sp.discarded} discarded generations)`;
  return sp.discarded > 0 ? `${sp.playedFromDiscarded} (${sp.checkedOnWire} of ${sp.discarded} named and checked)` : String(sp.playedFromDiscarded);
}

// The turn-taking phase's figures, a few lines (printed by the run, and in `table`).
export function turnTable(t: TTurnTaking): string {
  const o = t.overlaps;
  const sp = t.speculative;
  return [
    `  voice-to-voice, complete questions (p50 / p95 / p99)   ${d(t.voiceToVoiceMs)} ms  (n=${t.voiceToVoiceMs?.count ?? 0}; target p50 <= ${TURN_TARGETS.voiceToVoiceP50Ms}, p95 <= ${TURN_TARGETS.voiceToVoiceP95Ms})`,
    `  false cut-offs on turns with pauses                    ${t.paused.cutOff} of ${t.paused.turns} (${pct(t.paused.cutOffShare)}; target <= ${TURN_TARGETS.falseCutOffShare * 100}%)${t.paused.cutOffIds.length ? `: ${t.paused.cutOffIds.slice(0, 8).join(", ")}${t.paused.cutOffIds.length > 8 ? ", ..." : ""}` : ""}`,
    `  voice-to-voice on those turns (p50 / p95 / p99)        ${d(t.paused.voiceToVoiceMs)} ms; added delay p50 ${t.paused.addedDelayP50Ms ?? "n/a"} ms; unanswered ${t.paused.unanswered}`,
    `  backchannels + noise resumed within ${RESUME_WINDOW_MS} ms          ${o.resumed} of ${o.backchannels + o.noise} (${pct(o.resumedShare)}, of which never stopped ${o.keptTalking}; target >= ${TURN_TARGETS.resumedShare * 100}%)`,
    `  real interruptions resumed                             ${o.interruptionsResumed} of ${o.interruptions} (target 0); talked through ${o.interruptionsNotStopped}; barge-in p50 / p95 / p99 ${d(o.bargeInMs)} ms`,
    `  tool turns, first audio after the turn (p50 / p95)     ${t.tools.firstAudioMs ? `${t.tools.firstAudioMs.p50} / ${t.tools.firstAudioMs.p95}` : "n/a"} ms (take_message p50 ${t.tools.takeMessageMs?.p50 ?? "n/a"}, transfer p50 ${t.tools.transferMs?.p50 ?? "n/a"}; silent ${t.tools.silent}; target p50 <= ${TURN_TARGETS.toolFirstAudioP50Ms})`,
    `  preemptive generations                                 ${sp.isReported ? `${sp.started} started, ${sp.discarded} discarded (${pct(sp.discardedShare)}, at least as many extra LLM requests; per the server's ${sp.source})` : "none reported by the server"}; played from a discarded one: ${playedText(sp)}; replies dropped while thinking ${sp.repliesDropped ?? "n/a"}`,
    `  LLM requests                                           ${sp.llmRequests ?? "n/a"} for ${sp.callerTurns} caller turns (${sp.llmRequestsPerCallerTurn ?? "n/a"} each; a tool turn takes two)`,
    `  calls ${t.calls} (${t.failedCalls} failed) in ${t.durationS} s`,
  ].join("\n");
}

function turnMarkdown(t: TTurnTaking | null): string {
  if (!t) return "";
  const o = t.overlaps;
  const sp = t.speculative;
  const row = (name: string, dist: TDistribution | null) =>
    `| ${name} | ${dist ? `${dist.p50} | ${dist.p95} | ${dist.p99} | ${dist.max} | ${dist.count}` : "n/a | | | |"} |`;
  const outcomeRow = (kind: "backchannel" | "noise" | "interruption") => {
    const c = o.byOutcome[kind];
    return `| ${kind} | ${c["kept-talking"]} | ${c.resumed} | ${c.answered} | ${c.stopped} | ${c.quiet} |`;
  };
  return `
## Turn-taking at the wire

${t.calls} simulated calls (${t.failedCalls} failed), ${t.concurrency} at a time, through the Twilio fake to the agent of
the bench's second number (the same settings, plus a department to transfer to), in ${t.durationS} s. The caller turns
are the sets of tests/fixtures/turn-taking/turn-sets.ts, spoken by eSpeak with their pauses as silence: ${t.plan.complete} complete questions,
${t.plan.paused} turns with mid-turn pauses (${t.paused.pauseRangeMs ? `${t.paused.pauseRangeMs[0]}-${t.paused.pauseRangeMs[1]} ms` : "none"}: phone numbers, dates and emails dictated in groups,
"I'd like to book... a cleaning", "um... where are you"), and over the agent's speech, ${RESUME_WINDOW_MS} ms into a long answer,
${t.plan.backchannel} backchannels, ${t.plan.noise} bursts of white noise (80-480 ms, no words) and ${t.plan.interruption} real interruptions; each call ends with
a message (the model calls take_message without a word first, "${TURN_TRIGGERS.takeMessage}") or a transfer (transfer_call, likewise).

The fake Deepgram hears what the caller says the way the real service does (tests/fakes/deepgram-transcript.ts): every 250 ms of
audio an interim result carrying every word spoken up to 250 ms earlier; a final ${LATENCY.sttFinalMs} ms after a \`Finalize\` (which may
come at any time; recognition goes on after it) with every word spoken so far; words complete at 250 ms of voiced audio
each, the last word of a stretch of speech when the stretch ends. A \`Finalize\` that completes a turn less than 250 ms into a
silence ends it only once the silence reaches 250 ms (speech before then is the rest of that turn); each pause counts once. The LLM (first token ${LATENCY.llmFirstTokenMs} ms), TTS (first byte
${LATENCY.ttsFirstByteMs} ms) and the agent's endpointing silence (${ENDPOINTING_SILENCE_MS} ms, its ceiling) are the profile above.

Measured at the wire by the simulated phone:

- voice-to-voice: the caller's last voiced frame sent -> first voiced agent frame received (complete questions);
- false cut-off: agent audio starting after the first word of a turn with pauses and before its last word ended;
  the turn's voice-to-voice counts from the end of its last word, and the added delay is its p50 minus the complete questions' p50;
- resumed: after a backchannel or noise burst, the agent's audio is playing again (after a \`clear\`) or still (never cleared)
  ${RESUME_WINDOW_MS} ms after the onset of the sound, and what starts again is a sentence of the interrupted answer (the
  agent turn the server recorded as heard from that moment; a quick fixed line such as "Sorry, I didn't catch that" is
  "other words"); a real interruption counts as resumed the same way;
- barge-in reaction: onset of the interruption -> \`clear\` received;
- tool turns: end of the caller's turn -> first voiced agent audio;
- preemptive generations: counted by the server (\`voice_preemptive_generations_total\` by outcome, read from /metrics
  before and after the phase; else its call_events \`${SPECULATIVE_EVENTS.used}\` and \`${SPECULATIVE_EVENTS.discarded}\`). A preemptive
  request never reaches the player unless used; a reply dropped because the caller went on does, and the server names
  it (data.generation of \`${SPECULATIVE_EVENTS.dropped}\`: the generation id in its marks' names, \`g<id>s<n>\`): it counts as played
  when a mark of it came over the wire (audio goes out before its mark). LLM requests: streamed requests the fake
  Gemini answered during the phase.

| ms | p50 | p95 | p99 | max | n |
|---|---|---|---|---|---|
${row("voice-to-voice, complete questions", t.voiceToVoiceMs)}
${row("voice-to-voice, turns with pauses (not cut off)", t.paused.voiceToVoiceMs)}
${row("barge-in reaction, real interruptions", o.bargeInMs)}
${row("first audio, tool turns", t.tools.firstAudioMs)}
${row("first audio, take_message", t.tools.takeMessageMs)}
${row("first audio, transfer", t.tools.transferMs)}

False cut-offs: **${t.paused.cutOff} of ${t.paused.turns}** turns with pauses (${pct(t.paused.cutOffShare)})${t.paused.cutOffIds.length ? `: ${t.paused.cutOffIds.join(", ")}` : ""}. Added delay
on the turns not cut off: ${t.paused.addedDelayP50Ms ?? "n/a"} ms at p50; ${t.paused.unanswered} got no answer at all.

Speech over the agent, by what the agent was doing ${RESUME_WINDOW_MS} ms after its onset:

| sound | still talking (never cleared) | resumed after the clear | other words after the clear | stopped | quiet (its answer had ended) |
|---|---|---|---|---|---|
${outcomeRow("backchannel")}
${outcomeRow("noise")}
${outcomeRow("interruption")}

Backchannels and noise resumed (or never stopped): **${o.resumed} of ${o.backchannels + o.noise}** (${pct(o.resumedShare)}). Real interruptions resumed: **${o.interruptionsResumed}** of ${o.interruptions}.

Preemptive generations (the server's ${sp.source === "none" ? "/metrics and call_events" : sp.source === "metrics" ? "`voice_preemptive_generations_total`" : "call_events"}): ${sp.isReported ? `${sp.started} started, ${sp.discarded} discarded (${pct(sp.discardedShare)}; each cost at least one extra LLM request)` : "none reported (the server does not preempt)"}; replies played from a discarded generation, checked on the wire: **${playedText(sp)}**.
Replies dropped before any audio because the caller went on (\`voice_replies_dropped_total\`): ${sp.repliesDropped ?? "n/a (no such metric)"}.
LLM requests: ${sp.llmRequests ?? "n/a"} for ${sp.callerTurns} caller turns the server took (${sp.llmRequestsPerCallerTurn ?? "n/a"} per turn; tool turns take two).
`;
}

function overloadMarkdown(s: TStep | null, admissionEnv: Record<string, string>): string {
  if (!s) return "";
  return `
## Beyond capacity, with admission control on

The server restarted with its admission control on (in the capacity steps, which measure what the server can carry, it
samples its headroom but has limits it cannot reach; here: ${Object.entries(admissionEnv).map(([k, v]) => `${k}=${v}`).join(" ")}), then ${s.offered} calls were offered the same way as in a capacity step. Admission control answers a new call as
"all lines busy" (voicemail) or 503 when the server's headroom is gone; calls it admitted are never touched.

| offered | admitted | refused busy | refused 503 | server's reasons | failed | admitted: overhead p50 / p95 / p99 ms | late frames | server CPU % | event-loop delay p99 / max ms | result |
|---|---|---|---|---|---|---|---|---|---|---|
| ${s.offered} | ${s.admitted} | ${s.refused.busy} | ${s.refused.unavailable} | ${Object.entries(s.refusedByReason ?? {}).map(([reason, n]) => `${reason} ${n}`).join(", ") || "none"} | ${s.failedCalls} | ${d(s.overheadMs)} | ${s.lateFrames} | ${s.serverCpuPercent} | ${s.serverLoopLagMs.p99 ?? "?"} / ${s.serverLoopLagMs.max ?? "?"} | ${overloadVerdict(s)} |
`;
}

function drainMarkdown(drain: TDrain | null): string {
  if (!drain) return "";
  return `
## Post-call analysis backlog

${
    drain.worker === null
      ? "This commit's voice server analyzes calls itself, in its own process."
      : `The worker process (worker/main.ts, its own process on core 0 at the server's priority, on the same database, its Gemini the
fake one, which answers analyses with valid JSON) analyzes calls after they end, from the first call of the run on; the
voice server keeps only live calls. Its CPU during the capacity steps is in "other processes CPU" above, in parentheses.`
  }

Calls ended with their analysis pending after the last step: ${drain.pendingAtStart}. ${
    drain.drainedInS !== null ? `None left after ${drain.drainedInS} s` : `${drain.pendingAtEnd} still pending after ${drain.timeoutS} s`
  } (target: 0 within ${TARGETS.drainS} s: ${drain.drainedInS !== null && drain.drainedInS <= TARGETS.drainS ? "met" : "not met"}).${
    drain.worker
      ? ` The worker used ${drain.worker.drainCpuS} s of CPU during the drain (${drain.worker.drainCpuPercent}% of a core) and ${drain.worker.runCpuS} s over the whole run, for ${drain.worker.analyzed} analyses (${drain.worker.cpuMsPerAnalysis ?? "n/a"} ms each).`
      : ""
  }
`;
}

// ---- --compare ---------------------------------------------------------------------------------------------

export type TCompareOutput = {
  machine: TMachine;
  setup: { isQuick: boolean; turnCycleMs: number; latencyPhase: TLatencyPhase; steps: number[]; overloadCalls: number; admissionEnv: Record<string, string> };
  current: TRun;
  previous: TRun;
  durationS: number;
};

type TRow = { name: string; current: number | null | undefined; previous: number | null | undefined; unit: string };

function ratio(current: number | null | undefined, previous: number | null | undefined): string {
  if (current == null || previous == null) return "n/a";
  if (previous === 0) return current === 0 ? "1.00" : "n/a";
  return (current / previous).toFixed(2);
}

// Every figure of both runs, as rows of (current, previous); current/previous < 1 is better for all but capacity.
export function compareRows(o: TCompareOutput): { section: string; rows: TRow[] }[] {
  const dist = (name: string, unit: string, pick: (r: TRun) => TDistribution | null | undefined): TRow[] =>
    (["p50", "p95", "p99"] as const).map((p) => ({ name: `${name} ${p}`, current: pick(o.current)?.[p], previous: pick(o.previous)?.[p], unit }));
  const sections: { section: string; rows: TRow[] }[] = [
    {
      section: `Latency at low load (${o.setup.latencyPhase.calls} calls each, ${o.setup.latencyPhase.concurrency} at a time)`,
      rows: [
        ...dist("voice-to-voice", "ms", (r) => r.latency.voiceToVoiceMs),
        ...dist("server overhead", "ms", (r) => r.latency.overheadMs),
        ...dist("barge-in", "ms", (r) => r.latency.bargeInMs),
        ...dist("greeting", "ms", (r) => r.latency.greetingMs),
        { name: "late frames", current: o.current.latency.lateFrames, previous: o.previous.latency.lateFrames, unit: "" },
        { name: "server CPU per call-minute", current: o.current.latency.cpuSecondsPerCallMinute, previous: o.previous.latency.cpuSecondsPerCallMinute, unit: "s" },
        { name: "idle RSS", current: o.current.idleRssMb, previous: o.previous.idleRssMb, unit: "MB" },
      ],
    },
    {
      section: "Capacity",
      rows: [
        { name: `calls per core (overhead p99 <= ${TARGETS.overheadP99Ms} ms, no late frame)`, current: o.current.capacity.maxConcurrentCalls, previous: o.previous.capacity.maxConcurrentCalls, unit: "" },
        { name: "calls per core (load-added definition)", current: o.current.capacity.maxConcurrentCallsLoadAdded, previous: o.previous.capacity.maxConcurrentCallsLoadAdded, unit: "" },
      ],
    },
  ];
  for (const concurrent of o.setup.steps) {
    const a = o.current.capacity.steps.find((s) => s.concurrent === concurrent);
    const b = o.previous.capacity.steps.find((s) => s.concurrent === concurrent);
    if (!a && !b) continue;
    const pick = (s: TStep | undefined) => s;
    sections.push({
      section: `${concurrent} concurrent calls`,
      rows: [
        ...(["p50", "p95", "p99"] as const).map((p) => ({ name: `overhead ${p}`, current: pick(a)?.overheadMs?.[p], previous: pick(b)?.overheadMs?.[p], unit: "ms" })),
        { name: "voice-to-voice p50", current: a?.voiceToVoiceMs?.p50, previous: b?.voiceToVoiceMs?.p50, unit: "ms" },
        { name: "barge-in p95", current: a?.bargeInMs?.p95, previous: b?.bargeInMs?.p95, unit: "ms" },
        { name: "late frames", current: a?.lateFrames, previous: b?.lateFrames, unit: "" },
        { name: "server CPU", current: a?.serverCpuPercent, previous: b?.serverCpuPercent, unit: "%" },
        { name: "server CPU per call-minute", current: a?.cpuSecondsPerCallMinute, previous: b?.cpuSecondsPerCallMinute, unit: "s" },
        { name: "peak RSS", current: a?.rssPeakMb, previous: b?.rssPeakMb, unit: "MB" },
        { name: "memory per call", current: a?.mbPerCall, previous: b?.mbPerCall, unit: "MB" },
        { name: "event-loop delay p99", current: a?.serverLoopLagMs.p99, previous: b?.serverLoopLagMs.p99, unit: "ms" },
        { name: "event-loop delay max", current: a?.serverLoopLagMs.max, previous: b?.serverLoopLagMs.max, unit: "ms" },
        { name: "other processes' CPU (noise)", current: a?.otherCpuPercent, previous: b?.otherCpuPercent, unit: "%" },
      ],
    });
  }
  const a = o.current.overload;
  const b = o.previous.overload;
  if (a || b) {
    sections.push({
      section: `Beyond capacity: ${o.setup.overloadCalls} calls offered, admission control on where the server has it (${Object.entries(o.setup.admissionEnv)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")})`,
      rows: [
        { name: "admitted", current: a?.admitted, previous: b?.admitted, unit: "" },
        { name: "refused (busy or 503)", current: a ? a.refused.busy + a.refused.unavailable : null, previous: b ? b.refused.busy + b.refused.unavailable : null, unit: "" },
        ...(["p50", "p95", "p99"] as const).map((p) => ({ name: `admitted calls' overhead ${p}`, current: a?.overheadMs?.[p], previous: b?.overheadMs?.[p], unit: "ms" })),
        { name: "late frames", current: a?.lateFrames, previous: b?.lateFrames, unit: "" },
        { name: "server CPU", current: a?.serverCpuPercent, previous: b?.serverCpuPercent, unit: "%" },
      ],
    });
  }
  const ta = o.current.turnTaking;
  const tb = o.previous.turnTaking;
  if (ta || tb) {
    const percent = (v: number | null | undefined) => (v == null ? v : Math.round(v * 1000) / 10);
    sections.push({
      section: "Turn-taking at the wire",
      rows: [
        ...(["p50", "p95"] as const).map((p) => ({ name: `voice-to-voice, complete questions ${p}`, current: ta?.voiceToVoiceMs?.[p], previous: tb?.voiceToVoiceMs?.[p], unit: "ms" })),
        { name: "false cut-offs on turns with pauses", current: percent(ta?.paused.cutOffShare), previous: percent(tb?.paused.cutOffShare), unit: "%" },
        { name: "voice-to-voice on those turns p50", current: ta?.paused.voiceToVoiceMs?.p50, previous: tb?.paused.voiceToVoiceMs?.p50, unit: "ms" },
        { name: "backchannels and noise resumed", current: percent(ta?.overlaps.resumedShare), previous: percent(tb?.overlaps.resumedShare), unit: "%" },
        { name: "real interruptions resumed", current: ta?.overlaps.interruptionsResumed, previous: tb?.overlaps.interruptionsResumed, unit: "" },
        { name: "barge-in reaction, real interruptions p95", current: ta?.overlaps.bargeInMs?.p95, previous: tb?.overlaps.bargeInMs?.p95, unit: "ms" },
        { name: "tool turns, first audio p50", current: ta?.tools.firstAudioMs?.p50, previous: tb?.tools.firstAudioMs?.p50, unit: "ms" },
        { name: "preemptive generations discarded", current: percent(ta?.speculative.discardedShare), previous: percent(tb?.speculative.discardedShare), unit: "%" },
        { name: "replies played from a discarded generation", current: ta?.speculative.playedFromDiscarded, previous: tb?.speculative.playedFromDiscarded, unit: "" },
        { name: "LLM requests per caller turn", current: ta?.speculative.llmRequestsPerCallerTurn, previous: tb?.speculative.llmRequestsPerCallerTurn, unit: "" },
      ],
    });
  }
  if (o.current.drain || o.previous.drain) {
    sections.push({
      section: "Post-call analysis backlog after the last step",
      rows: [
        { name: "pending after the last step", current: o.current.drain?.pendingAtStart, previous: o.previous.drain?.pendingAtStart, unit: "" },
        { name: "seconds to drain (n/a: not within the timeout)", current: o.current.drain?.drainedInS, previous: o.previous.drain?.drainedInS, unit: "s" },
        // n/a for a commit without a worker: its voice server analyzes calls in its own process (in its CPU figures).
        { name: "worker CPU during the drain", current: o.current.drain?.worker?.drainCpuPercent, previous: o.previous.drain?.worker?.drainCpuPercent, unit: "%" },
        { name: "worker CPU over the run", current: o.current.drain?.worker?.runCpuS, previous: o.previous.drain?.worker?.runCpuS, unit: "s" },
        { name: "worker CPU per analysis", current: o.current.drain?.worker?.cpuMsPerAnalysis, previous: o.previous.drain?.worker?.cpuMsPerAnalysis, unit: "ms" },
      ],
    });
  }
  return sections;
}

const show = (value: number | null | undefined) => (value == null ? "n/a" : String(value));

export function compareTable(o: TCompareOutput): string {
  const lines = [`Current ${o.current.commit} vs previous ${o.previous.commit} (${o.previous.ref}); ratio = current / previous`];
  for (const { section, rows } of compareRows(o)) {
    lines.push("", `${section}:`, `  ${"".padEnd(58)} ${"current".padStart(10)} ${"previous".padStart(10)} ${"ratio".padStart(7)}`);
    for (const row of rows) {
      lines.push(`  ${`${row.name}${row.unit ? ` (${row.unit})` : ""}`.padEnd(58)} ${show(row.current).padStart(10)} ${show(row.previous).padStart(10)} ${ratio(row.current, row.previous).padStart(7)}`);
    }
  }
  return lines.join("\n");
}

export function compareMarkdown(o: TCompareOutput): string {
  const m = o.machine;
  return `# Voice server benchmark: ${o.current.commit} against ${o.previous.commit}

\`npm run bench:voice -- --compare ${o.previous.ref}${o.setup.isQuick ? " --quick" : ""}\` - ${m.date}${o.setup.isQuick ? " (a quick run: few calls, small steps)" : ""}

Machine: ${m.cpuModel}, ${m.cores} cores, ${String(m.memoryGb)} GB, Node ${m.node} (both servers), ${String(m.os)}; load average at start ${JSON.stringify(m.loadAverageAtStart)}.
${m.isPinned ? "Both voice servers pinned to core 1, simulator, fake providers and Postgres on core 0" : "Not pinned"}${m.priority !== 0 ? `, at nice ${m.priority}` : ""}.

Both servers ran in the same run, against the same fake providers and Postgres (a database each, this checkout's schema),
on the same steps: each phase ran on one then the other, the order alternating from step to step (the latency phase in
rounds), and the server whose turn it was not was stopped (SIGSTOP) so it took no CPU from the other. Absolute figures
drift with the machine; the ratio (current / previous; below 1 is better except for capacity and admitted calls) is the
comparison. Figures are from one run: at p99, a few samples decide, so a ratio within about +-20% is noise on a busy machine
(see "other processes' CPU" per step). Setup as in voice.md; the overload step restarts each server with its admission
control on (a server without any admits every call).

${compareRows(o)
  .map(
    ({ section, rows }) => `## ${section}

| figure | current (${o.current.commit}) | previous (${o.previous.commit}) | current / previous |
|---|---|---|---|
${rows.map((row) => `| ${row.name}${row.unit ? ` (${row.unit})` : ""} | ${show(row.current)} | ${show(row.previous)} | ${ratio(row.current, row.previous)} |`).join("\n")}
`,
  )
  .join("\n")}
Run took ${o.durationS} s.
`;
}

