import { describe, expect, it } from "vitest";
import { PROFILE, percentile, replayOverlap, replayTurn, type TTurnReplay } from "@/tests/fixtures/turn-taking/replay";
import { COMPLETE_TURNS, OVERLAPS, PAUSED_TURNS, scriptText, timeWords, toFakeTranscript, toSimSteps } from "@/tests/fixtures/turn-taking/turn-sets";
import { parseSimScript } from "@/tests/sim/sim-script";

// The turn sets of tests/fixtures/turn-taking run through the pure policy at word timing, under the bench:voice
// profile (recognizer final 150 ms after Finalize, interims every 250 ms lagging 250 ms, LLM first token 350 ms,
// TTS first audio 100 ms). The figures are printed for bench/results/voice.md; the assertions are the issue's
// targets at the level these modules decide.

const BENCH_CEILING_MS = 300; // bench:voice's agent (scripts/bench-voice-figures.ts)
const DEFAULT_CEILING_MS = 500; // a new agent's endpointingSilenceMs

function summary(replays: TTurnReplay[]) {
  const cutOffs = replays.filter((r) => r.isCutOff);
  const v2v = replays.filter((r) => !r.isCutOff && r.voiceToVoiceMs !== null).map((r) => r.voiceToVoiceMs!);
  return {
    turns: replays.length,
    cutOffs: cutOffs.length,
    cutOffRate: cutOffs.length / replays.length,
    cutOffIds: cutOffs.map((r) => r.id),
    v2vP50: percentile(v2v, 50),
    v2vP95: percentile(v2v, 95),
    llmRequests: replays.reduce((n, r) => n + r.llmRequests, 0),
    discarded: replays.reduce((n, r) => n + r.discardedPreemptions, 0),
    dropped: replays.reduce((n, r) => n + r.droppedReplies, 0),
    noAnswer: replays.filter((r) => r.audioAtMs === null).map((r) => r.id),
  };
}

describe("turn sets", () => {
  it("have the sizes and pause lengths the issue asks for", () => {
    expect(PAUSED_TURNS.length).toBeGreaterThanOrEqual(40);
    for (const turn of PAUSED_TURNS) {
      const words = timeWords(turn.script);
      const gaps = words.slice(1).map((w, i) => w.startMs - words[i]!.endMs).filter((g) => g > 100);
      expect(gaps.length, turn.id).toBeGreaterThan(0);
      for (const gap of gaps) {
        expect(gap, turn.id).toBeGreaterThanOrEqual(400);
        expect(gap, turn.id).toBeLessThanOrEqual(900);
      }
    }
    expect(OVERLAPS.filter((o) => o.kind === "backchannel").length).toBeGreaterThanOrEqual(20);
    expect(OVERLAPS.filter((o) => o.kind === "noise").length).toBeGreaterThanOrEqual(10);
    expect(OVERLAPS.filter((o) => o.kind === "interruption").length).toBeGreaterThanOrEqual(10);
  });

  it("plug into the simulated caller and the fake Deepgram", () => {
    for (const turn of [...PAUSED_TURNS, ...COMPLETE_TURNS]) {
      const script = parseSimScript([{ waitForAgent: true }, ...toSimSteps(turn.script), { waitForAgent: true }, { hangup: true }], turn.id);
      const said = script.steps.flatMap((s) => ("say" in s ? [s.say] : [])).join(" ");
      expect(said).toBe(scriptText(turn.script));
      // One "|" per pause, so the fake gives each stretch of audio its own words.
      const pauses = script.steps.filter((s) => "pauseMs" in s).length;
      expect(toFakeTranscript(turn.script).split("|")).toHaveLength(pauses + 1);
      expect(toFakeTranscript(turn.script).replace(/ \| /g, " ")).toBe(said);
    }
  });

  it("answers complete questions at the limit of the profile and never cuts them", () => {
    for (const ceilingMs of [BENCH_CEILING_MS, DEFAULT_CEILING_MS]) {
      const adaptive = summary(COMPLETE_TURNS.map((t) => replayTurn(t, { ceilingMs })));
      const fixed = summary(COMPLETE_TURNS.map((t) => replayTurn(t, { ceilingMs }, "fixed")));
      console.log(`complete turns, ceiling ${ceilingMs} ms: adaptive v2v p50 ${adaptive.v2vP50} / p95 ${adaptive.v2vP95} ms; fixed ${fixed.v2vP50} / ${fixed.v2vP95} ms`);
      expect(adaptive.noAnswer).toEqual([]);
      expect(adaptive.cutOffs).toBe(0);
      // Finalize after 100 ms + final 150 ms + LLM 350 ms + TTS 100 ms (20 ms frames).
      expect(adaptive.v2vP50).toBeLessThanOrEqual(720);
      expect(adaptive.v2vP95).toBeLessThanOrEqual(850);
      expect(adaptive.v2vP50).toBeLessThan(fixed.v2vP50);
    }
  });

  it("does not cut callers off at their mid-turn pauses (<= 5% at the default ceiling) and reports the cost", () => {
    const rows: string[] = [];
    for (const ceilingMs of [BENCH_CEILING_MS, DEFAULT_CEILING_MS, 800]) {
      const adaptive = summary(PAUSED_TURNS.map((t) => replayTurn(t, { ceilingMs })));
      const fixed = summary(PAUSED_TURNS.map((t) => replayTurn(t, { ceilingMs }, "fixed")));
      rows.push(
        `ceiling ${ceilingMs} ms: adaptive cut-offs ${adaptive.cutOffs}/${adaptive.turns} (${(adaptive.cutOffRate * 100).toFixed(1)}%) [${adaptive.cutOffIds.join(", ")}], ` +
          `v2v after the last word p50 ${adaptive.v2vP50} / p95 ${adaptive.v2vP95} ms, LLM requests ${adaptive.llmRequests} (${adaptive.discarded} discarded preemptions, ${adaptive.dropped} dropped replies); ` +
          `fixed cut-offs ${fixed.cutOffs}/${fixed.turns} (${(fixed.cutOffRate * 100).toFixed(1)}%), v2v p50 ${fixed.v2vP50} / p95 ${fixed.v2vP95} ms`,
      );
      expect(adaptive.noAnswer, `ceiling ${ceilingMs}`).toEqual([]);
      // At the bench agent's 300 ms ceiling a mid-thought turn is answered 300 ms into a pause and its audio
      // starts ~750 ms in, so pauses longer than that are cut whatever the reading: the ceiling binds (see the
      // report). From the default 500 ms up, the reading keeps the caller's turn.
      if (ceilingMs >= DEFAULT_CEILING_MS) {
        expect(adaptive.cutOffRate, `ceiling ${ceilingMs}: ${adaptive.cutOffIds.join(", ")}`).toBeLessThanOrEqual(0.05);
      }
    }
    console.log(`paused turns (${PAUSED_TURNS.length}):\n  ${rows.join("\n  ")}`);
  });

  it("resumes >= 90% of backchannels and noise within 800 ms of their onset and never resumes a real interruption", () => {
    const replays = OVERLAPS.map((o) => replayOverlap(o));
    const resumable = replays.filter((r) => r.kind !== "interruption");
    const resumedInTime = resumable.filter((r) => r.isResumed && r.resumeAudioAfterOnsetMs! <= 800);
    const interruptionsResumed = replays.filter((r) => r.kind === "interruption" && r.isResumed);
    const misjudged = replays.filter((r) => r.verdict !== r.kind).map((r) => `${r.id}:${r.verdict}`);
    const times = resumable.filter((r) => r.isResumed).map((r) => r.resumeAudioAfterOnsetMs!);
    console.log(
      `overlaps: ${resumedInTime.length}/${resumable.length} backchannels+noise resumed within 800 ms (resume audio after onset p50 ${percentile(times, 50)} / p95 ${percentile(times, 95)} ms); ` +
        `${interruptionsResumed.length}/${replays.length - resumable.length} real interruptions resumed; misjudged: [${misjudged.join(", ")}]`,
    );
    expect(resumedInTime.length / resumable.length).toBeGreaterThanOrEqual(0.9);
    expect(interruptionsResumed).toEqual([]);
  });

  it("documents the profile it measures under", () => {
    expect(PROFILE).toEqual({ interimIntervalMs: 250, interimLagMs: 250, finalLatencyMs: 150, llmFirstTokenMs: 350, ttsFirstByteMs: 100, resumeAudioMs: 20 });
  });
});
