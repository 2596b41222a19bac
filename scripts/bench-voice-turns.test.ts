import { describe, expect, it } from "vitest";
import { COMPLETE_TURNS, OVERLAPS, PAUSED_TURNS, scriptText } from "@/tests/fixtures/turn-taking/turn-sets";
import type { TSimCallResult, TSimTurn } from "@/tests/sim/wire-log";
import { turnTable } from "./bench-voice-report";
import { LONG_REPLY, MESSAGE_SAVED_REPLY, TURN_TRIGGERS, turnPhaseReply } from "./bench-voice-fakes";
import {
  OVER_AGENT_WPM,
  SPECULATIVE_EVENTS,
  observeTurnCall,
  parseTurnMetrics,
  planCounts,
  turnCountsBetween,
  planTurnCalls,
  turnFigures,
  turnTargets,
  type TTurnItem,
  type TTurnObservation,
} from "./bench-voice-turns";

function turn(index: number, startMs: number | null, endMs: number | null, extra: Partial<TSimTurn> = {}): TSimTurn {
  return {
    index,
    text: `line ${index}`,
    isInterruption: false,
    startMs,
    endMs,
    wasAgentTalking: false,
    voiceToVoiceMs: null,
    agentReplyAtMs: null,
    clearAtMs: null,
    bargeInMs: null,
    hasAgentAudioAfterClear: false,
    ...extra,
  };
}

type TWire = Pick<TSimCallResult, "turns" | "agentSpeech" | "marks" | "record">;
const wire = (overrides: Partial<TWire>): TWire => ({
  turns: [],
  agentSpeech: [],
  marks: [],
  record: null,
  ...overrides,
});

describe("planTurnCalls", () => {
  const calls = planTurnCalls({ every: 1, noiseWav: (ms) => `/tmp/noise-${ms}.wav` });

  it("runs every set in full: at least 40 paused turns with 400-900 ms pauses, 20 backchannels, 10 noise bursts", () => {
    const counts = planCounts(calls);
    expect(counts).toMatchObject({ complete: COMPLETE_TURNS.length, paused: PAUSED_TURNS.length });
    expect(counts.paused).toBeGreaterThanOrEqual(40);
    expect(counts.backchannel).toBeGreaterThanOrEqual(20);
    expect(counts.noise).toBeGreaterThanOrEqual(10);
    expect(counts.interruption).toBeGreaterThan(0);
    expect(counts.takeMessage + counts.transfer).toBe(counts.calls);
    const pauses = calls.flatMap((c) =>
      c.items.flatMap((i) => (i.kind === "paused" && i.segment === 0 ? i.pausesMs : [])),
    );
    expect(Math.min(...pauses)).toBeGreaterThanOrEqual(400);
    expect(Math.max(...pauses)).toBeLessThanOrEqual(900);
  });

  it("lines up each spoken step with an item, and each caller turn with one transcript for the fake Deepgram", () => {
    for (const call of calls) {
      const spoken = call.steps.filter((s) => "say" in s || "wav" in s);
      expect(spoken).toHaveLength(call.items.length);
      // A turn with pauses is several spoken steps but one transcript, its pauses marked with "|".
      const turns = call.items.filter((i) => i.kind !== "paused" || i.segment === 0);
      expect(call.transcripts).toHaveLength(turns.length);
      call.items.forEach((item, i) => {
        const step = spoken[i]!;
        if (item.kind === "overlap" && item.overlap === "noise")
          expect(step).toMatchObject({ wav: expect.stringMatching(/noise-\d+\.wav$/) });
        else expect("say" in step).toBe(true);
      });
    }
    const paused = calls.find((c) => c.label === "turns-paused-1")!;
    expect(paused.transcripts[0]).toBe("five five five | two one two | three four five six");
    expect(paused.steps.slice(1, 6)).toEqual([
      { say: "five five five" },
      { pauseMs: 600 },
      { say: "two one two" },
      { pauseMs: 700 },
      { say: "three four five six" },
    ]);
  });

  it("puts every overlap 800 ms into a long answer, and the trigger lines appear in no turn of the sets", () => {
    const overlap = calls.find((c) => c.label === "turns-overlap-1")!;
    expect(overlap.steps.slice(1, 4)).toEqual([
      { say: TURN_TRIGGERS.longReply },
      { interruptAfterMs: 800 },
      { say: OVERLAPS[0]!.script, wordsPerMinute: OVER_AGENT_WPM },
    ]);
    const said = [...COMPLETE_TURNS, ...PAUSED_TURNS]
      .map((t) => scriptText(t.script).toLowerCase())
      .concat(OVERLAPS.map((o) => o.script));
    for (const trigger of Object.values(TURN_TRIGGERS)) for (const line of said) expect(line).not.toContain(trigger);
  });

  it("samples every n-th item of each set for --quick", () => {
    const quick = planCounts(planTurnCalls({ every: 3, noiseWav: () => "/tmp/n.wav" }));
    expect(quick.paused).toBe(Math.ceil(PAUSED_TURNS.length / 3));
    expect(quick.complete).toBe(Math.ceil(COMPLETE_TURNS.length / 3));
  });
});

describe("turnPhaseReply (the fake Gemini's answers)", () => {
  it("calls the tools without a word first, confirms after them, answers the long question, and leaves other lines alone", () => {
    expect(turnPhaseReply(`Um, ${TURN_TRIGGERS.takeMessage}.`, [])).toEqual([
      { functionCall: expect.objectContaining({ name: "take_message" }) },
    ]);
    expect(turnPhaseReply(TURN_TRIGGERS.transfer, [])).toEqual([
      { functionCall: { name: "transfer_call", args: { department: "Billing" } } },
    ]);
    expect(turnPhaseReply(TURN_TRIGGERS.takeMessage, [{ name: "take_message", response: { ok: true } }])).toBe(
      MESSAGE_SAVED_REPLY,
    );
    expect(turnPhaseReply(TURN_TRIGGERS.longReply, [])).toBe(LONG_REPLY);
    expect(turnPhaseReply("What are your opening hours?", [])).toBeNull();
  });
});

const REPLY = "We offer cleanings and fillings. We also see children.";

describe("observeTurnCall", () => {
  it("times complete questions and tool turns from the end of the caller's line to the first agent audio", () => {
    const items: TTurnItem[] = [
      { kind: "complete", id: "q" },
      { kind: "complete", id: "over" },
      { kind: "tool", tool: "take_message" },
    ];
    const { observations } = observeTurnCall(
      items,
      wire({
        turns: [
          turn(0, 1000, 2000, { voiceToVoiceMs: 650 }),
          // Spoke over agent audio that was never cleared: "first audio after" is just more of the old reply.
          turn(1, 5000, 6000, { voiceToVoiceMs: 20, wasAgentTalking: true }),
          turn(2, 9000, 10_000, { voiceToVoiceMs: 910 }),
        ],
      }),
    );
    expect(observations).toEqual([
      { kind: "complete", id: "q", voiceToVoiceMs: 650 },
      { kind: "complete", id: "over", voiceToVoiceMs: null },
      { kind: "tool", tool: "take_message", firstAudioMs: 910 },
    ]);
  });

  it("calls a turn with pauses cut off when agent audio starts before its last word ended, and times the others from their end", () => {
    const paused = (id: string, segments: number): TTurnItem[] =>
      Array.from({ length: segments }, (_, segment) => ({ kind: "paused", id, segment, segments, pausesMs: [600] }));
    const items = [...paused("cut", 2), ...paused("waited", 2), ...paused("cut-late", 2)];
    const { observations } = observeTurnCall(
      items,
      wire({
        turns: [
          turn(0, 1000, 1800, { voiceToVoiceMs: 500 }),
          turn(1, 2400, 3000),
          turn(2, 10_000, 10_800),
          turn(3, 11_400, 12_000, { voiceToVoiceMs: 700 }),
          turn(4, 20_000, 20_800),
          turn(5, 21_400, 22_000),
        ],
        agentSpeech: [
          // Started in the pause of "cut".
          { startMs: 2300, endMs: 2500 },
          // After "waited" ended: its answer.
          { startMs: 12_700, endMs: 14_000 },
          // Started while "cut-late" spoke its last words.
          { startMs: 21_900, endMs: 23_000 },
        ],
      }),
    );
    expect(observations).toEqual([
      { kind: "paused", id: "cut", pausesMs: [600], isCutOff: true, voiceToVoiceMs: null },
      { kind: "paused", id: "waited", pausesMs: [600], isCutOff: false, voiceToVoiceMs: 700 },
      { kind: "paused", id: "cut-late", pausesMs: [600], isCutOff: true, voiceToVoiceMs: null },
    ]);
  });

  it("judges speech over the agent by what the agent does in the 800 ms after its onset", () => {
    const items: TTurnItem[] = [
      { kind: "setup" },
      { kind: "overlap", id: "uh-huh", overlap: "backchannel", interrupted: REPLY },
      { kind: "setup" },
      { kind: "overlap", id: "knock", overlap: "noise", interrupted: REPLY },
      { kind: "setup" },
      { kind: "overlap", id: "wait", overlap: "interruption", interrupted: REPLY },
      { kind: "setup" },
      { kind: "overlap", id: "hold on", overlap: "interruption", interrupted: REPLY },
      { kind: "setup" },
      { kind: "overlap", id: "late", overlap: "backchannel", interrupted: REPLY },
    ];
    const { observations } = observeTurnCall(
      items,
      wire({
        turns: [
          turn(0, 0, 1000),
          // Never cleared, the answer (2000-6000) still playing at 3800.
          turn(1, 3000, 3300, { isInterruption: true }),
          turn(2, 10_000, 11_000),
          // Cleared after 150 ms, the sentence again from 13_600.
          turn(3, 13_000, 13_200, { isInterruption: true, clearAtMs: 13_150, bargeInMs: 150 }),
          turn(4, 20_000, 21_000),
          // Cleared; the real answer only at 24_500.
          turn(5, 23_000, 23_300, { isInterruption: true, clearAtMs: 23_180, bargeInMs: 180 }),
          turn(6, 30_000, 31_000),
          // Cleared and the old sentence came back: a real interruption resumed.
          turn(7, 33_000, 33_400, { isInterruption: true, clearAtMs: 33_200, bargeInMs: 200 }),
          turn(8, 40_000, 41_000),
          // The answer had ended before the window closed.
          turn(9, 43_000, 43_300, { isInterruption: true }),
        ],
        agentSpeech: [
          { startMs: 2000, endMs: 6000 },
          { startMs: 12_000, endMs: 13_150 },
          { startMs: 13_600, endMs: 16_000 },
          { startMs: 22_000, endMs: 23_180 },
          { startMs: 24_500, endMs: 26_000 },
          { startMs: 32_000, endMs: 33_200 },
          { startMs: 33_700, endMs: 36_000 },
          { startMs: 42_000, endMs: 43_500 },
        ],
      }),
    );
    expect(observations).toEqual([
      {
        kind: "overlap",
        id: "uh-huh",
        overlap: "backchannel",
        outcome: "kept-talking",
        bargeInMs: null,
        resumedAfterMs: null,
      },
      { kind: "overlap", id: "knock", overlap: "noise", outcome: "resumed", bargeInMs: 150, resumedAfterMs: 600 },
      {
        kind: "overlap",
        id: "wait",
        overlap: "interruption",
        outcome: "stopped",
        bargeInMs: 180,
        resumedAfterMs: null,
      },
      {
        kind: "overlap",
        id: "hold on",
        overlap: "interruption",
        outcome: "resumed",
        bargeInMs: 200,
        resumedAfterMs: 700,
      },
      { kind: "overlap", id: "late", overlap: "backchannel", outcome: "quiet", bargeInMs: null, resumedAfterMs: null },
    ]);
  });

  it("tells a resumed sentence from other words said quickly after the clear, by what the server recorded as heard then", () => {
    const items: TTurnItem[] = [
      { kind: "setup" },
      { kind: "overlap", id: "knock", overlap: "noise", interrupted: REPLY },
      { kind: "setup" },
      { kind: "overlap", id: "mm", overlap: "backchannel", interrupted: REPLY },
    ];
    const agentTurn = (startMs: number, text: string, isInterrupted = false) => ({
      seq: 0,
      speaker: "agent" as const,
      text,
      startMs,
      endMs: startMs + 1000,
      isInterrupted,
      endpointingMs: null,
      sttFinalMs: null,
      llmFirstTokenMs: null,
      ttsFirstByteMs: null,
      firstAudioMs: null,
    });
    const { observations } = observeTurnCall(
      items,
      wire({
        turns: [
          turn(0, 0, 1000),
          turn(1, 3000, 3180, { isInterruption: true, clearAtMs: 3180, bargeInMs: 180 }),
          turn(2, 10_000, 11_000),
          turn(3, 13_000, 13_300, { isInterruption: true, clearAtMs: 13_190, bargeInMs: 190 }),
        ],
        agentSpeech: [
          { startMs: 2000, endMs: 3180 },
          { startMs: 3630, endMs: 6000 },
          { startMs: 12_000, endMs: 13_190 },
          { startMs: 13_700, endMs: 16_000 },
        ],
        record: {
          call: null,
          events: [],
          turns: [
            agentTurn(1990, "We offer", true),
            // A reprompt, not the interrupted sentence.
            agentTurn(3620, "Sorry, I didn't catch that. Could you say it again?"),
            agentTurn(11_990, "We offer", true),
            agentTurn(13_690, "We offer cleanings and fillings. We also see children."),
          ],
        },
      }),
    );
    expect(observations).toEqual([
      { kind: "overlap", id: "knock", overlap: "noise", outcome: "answered", bargeInMs: 180, resumedAfterMs: null },
      { kind: "overlap", id: "mm", overlap: "backchannel", outcome: "resumed", bargeInMs: 190, resumedAfterMs: 700 },
    ]);
  });

  it("checks the wire for audio of the replies the server says it dropped", () => {
    const mark = (name: string) => ({ name, receivedAtMs: 0, echoedAtMs: 0, wasCleared: false });
    const event = (name: string, data: Record<string, unknown>) => ({ atMs: 0, kind: "status", name, data });
    const result = observeTurnCall(
      [],
      wire({
        marks: [mark("g3s0"), mark("g5s0"), mark("g5s1"), mark("g7s0")],
        record: {
          call: null,
          turns: [],
          events: [
            event(SPECULATIVE_EVENTS.discarded, { reason: "words-differ", words: "I need", ageMs: 120 }),
            event(SPECULATIVE_EVENTS.used, { words: "where are you", leadMs: 90 }),
            event(SPECULATIVE_EVENTS.dropped, { words: "I'd like to book", generation: 4 }),
            event(SPECULATIVE_EVENTS.dropped, { words: "my number is", generation: 5 }),
          ],
        },
      }),
    );
    // Two preemptive requests (one used, one discarded) and two dropped replies, both named by generation.
    expect(result.speculation).toEqual({ started: 2, discarded: 3, discardedGenerations: [4, 5] });
    // g5 reached the caller (two of its marks, one reply); g4 never did; g3 and g7 were never dropped.
    expect(result.playedFromDiscarded).toBe(1);
  });
});

describe("turnFigures", () => {
  const plan = planCounts([]);
  const base = {
    speculation: [],
    playedFromDiscarded: 0,
    serverCounts: null,
    llmRequests: 30,
    callerTurns: 20,
    calls: 4,
    failedCalls: 0,
    concurrency: 4,
    plan,
    durationS: 60,
  };
  const complete = (ms: number): TTurnObservation => ({ kind: "complete", id: `c${ms}`, voiceToVoiceMs: ms });

  it("counts cut-offs, resumes and tool turns, and derives the added delay of waiting out pauses", () => {
    const observations: TTurnObservation[] = [
      complete(600),
      complete(700),
      complete(650),
      { kind: "paused", id: "p1", pausesMs: [600, 700], isCutOff: false, voiceToVoiceMs: 900 },
      { kind: "paused", id: "p2", pausesMs: [450], isCutOff: true, voiceToVoiceMs: null },
      { kind: "paused", id: "p3", pausesMs: [800], isCutOff: false, voiceToVoiceMs: null },
      { kind: "overlap", id: "b1", overlap: "backchannel", outcome: "resumed", bargeInMs: 120, resumedAfterMs: 500 },
      {
        kind: "overlap",
        id: "b2",
        overlap: "backchannel",
        outcome: "kept-talking",
        bargeInMs: null,
        resumedAfterMs: null,
      },
      { kind: "overlap", id: "n1", overlap: "noise", outcome: "stopped", bargeInMs: 100, resumedAfterMs: null },
      { kind: "overlap", id: "i1", overlap: "interruption", outcome: "stopped", bargeInMs: 180, resumedAfterMs: null },
      {
        kind: "overlap",
        id: "i2",
        overlap: "interruption",
        outcome: "kept-talking",
        bargeInMs: null,
        resumedAfterMs: null,
      },
      { kind: "tool", tool: "take_message", firstAudioMs: 880 },
      { kind: "tool", tool: "transfer_call", firstAudioMs: 920 },
      { kind: "tool", tool: "transfer_call", firstAudioMs: null },
    ];
    const t = turnFigures({ ...base, observations });
    expect(t.voiceToVoiceMs).toMatchObject({ p50: 650, count: 3 });
    expect(t.paused).toMatchObject({
      turns: 3,
      cutOff: 1,
      cutOffShare: 0.333,
      addedDelayP50Ms: 250,
      unanswered: 1,
      pauseRangeMs: [450, 800],
      cutOffIds: ["p2"],
    });
    expect(t.overlaps).toMatchObject({
      backchannels: 2,
      noise: 1,
      resumed: 2,
      keptTalking: 1,
      resumedShare: 0.667,
      interruptions: 2,
      interruptionsResumed: 0,
      interruptionsNotStopped: 1,
    });
    expect(t.overlaps.bargeInMs).toMatchObject({ count: 1, p95: 180 });
    expect(t.overlaps.byOutcome.noise).toEqual({ "kept-talking": 0, resumed: 0, answered: 0, stopped: 1, quiet: 0 });
    expect(t.tools).toMatchObject({ silent: 1, takeMessageMs: { p50: 880 }, transferMs: { count: 1, p50: 920 } });
    expect(t.speculative).toMatchObject({
      source: "none",
      isReported: false,
      discardedShare: null,
      playedFromDiscarded: 0,
      llmRequestsPerCallerTurn: 1.5,
    });

    const targets = turnTargets(t);
    expect(targets.turnV2vP50).toMatchObject({ value: 650, isMet: true });
    expect(targets.falseCutOffs).toMatchObject({ value: 33.3, isMet: false });
    expect(targets.resumedAfterBackchannel).toMatchObject({ value: 66.7, isMet: false });
    expect(targets.interruptionsResumed).toMatchObject({ value: 0, isMet: true });
    expect(targets.toolFirstAudioP50).toMatchObject({ value: 880, isMet: true });
    expect(targets.playedFromDiscarded).toMatchObject({
      value: 0,
      isMet: true,
      note: "the server reported no speculative generation",
    });
    expect(turnTable(t)).toContain("1 of 3 (33.3%");
  });

  it("fails what it cannot measure rather than passing it, and reports discarded generations that played", () => {
    const t = turnFigures({
      ...base,
      observations: [],
      speculation: [{ started: 10, discarded: 3, discardedGenerations: [1, 2, 3] }],
      playedFromDiscarded: 1,
    });
    const targets = turnTargets(t);
    expect(Object.values(targets).filter((x) => x.isMet)).toEqual([]);
    expect(t.speculative).toMatchObject({
      source: "events",
      isReported: true,
      discardedShare: 0.3,
      playedFromDiscarded: 1,
      checkedOnWire: 3,
    });
    expect(targets.playedFromDiscarded).toMatchObject({
      value: 1,
      isMet: false,
      note: "of 3 discarded generations, 3 checked on the wire",
    });
  });

  it("takes the server's own counts from /metrics, and does not claim 0 played when it named none of the discarded", () => {
    const before = parseTurnMetrics(
      "# TYPE voice_preemptive_generations_total counter\n# TYPE voice_replies_dropped_total counter\n",
    );
    const after = parseTurnMetrics(
      [
        "# HELP voice_preemptive_generations_total Replies generated before the caller's turn was over.",
        "# TYPE voice_preemptive_generations_total counter",
        'voice_preemptive_generations_total{outcome="started"} 40',
        'voice_preemptive_generations_total{outcome="used"} 30',
        'voice_preemptive_generations_total{outcome="discarded"} 8',
        "# TYPE voice_replies_dropped_total counter",
        "voice_replies_dropped_total 3",
        "# TYPE voice_calls_started_total counter",
        "voice_calls_started_total 12",
      ].join("\n"),
    );
    expect(before).toEqual({ preemptive: { started: 0, used: 0, discarded: 0 }, repliesDropped: 0 });
    const serverCounts = turnCountsBetween(before, after);
    expect(serverCounts).toEqual({ preemptive: { started: 40, used: 30, discarded: 8 }, repliesDropped: 3 });
    const t = turnFigures({ ...base, observations: [], serverCounts });
    expect(t.speculative).toMatchObject({
      source: "metrics",
      started: 40,
      discarded: 8,
      discardedShare: 0.2,
      playedFromDiscarded: null,
      repliesDropped: 3,
    });
    expect(turnTargets(t).playedFromDiscarded).toMatchObject({ value: null, isMet: false });
    // A server without the metrics (an older commit) reports none of it.
    expect(parseTurnMetrics("# TYPE voice_calls_started_total counter\nvoice_calls_started_total 3\n")).toEqual({
      preemptive: null,
      repliesDropped: null,
    });
  });
});
