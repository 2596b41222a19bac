import { describe, expect, it } from "vitest";
import type { TCompleteness } from "./completeness";
import { ENDPOINTING_DEFAULTS, TurnEndpointer, midThoughtWaitMs, resolveEndpointingSettings, silenceNeededMs, type TEndpointAction } from "./endpointing";

const reading = (state: TCompleteness["state"]): TCompleteness => ({ state, reason: "sentence", dataKind: null });

describe("silenceNeededMs", () => {
  it("is short after a complete turn, the agent's setting when unsure, and the setting plus 600 ms while mid-thought", () => {
    for (const ceilingMs of [100, 200, 300, 500, 800, 1500, 3000]) {
      const complete = silenceNeededMs(reading("complete"), { ceilingMs });
      const unsure = silenceNeededMs(reading("unsure"), { ceilingMs });
      const incomplete = silenceNeededMs(reading("incomplete"), { ceilingMs });
      expect(complete).toBe(Math.min(100, ceilingMs));
      // The agent's setting stays the ceiling for every turn that does not read mid-thought.
      expect(unsure).toBe(ceilingMs);
      // As the README and the builder's help text state it.
      expect(incomplete).toBe(ceilingMs + 600);
    }
  });

  it("clamps custom settings into the ceiling", () => {
    const s = resolveEndpointingSettings({ ceilingMs: 300, finalizeAfterMs: 900, unsureAfterMs: 5000, completeAfterMs: 50 });
    expect(s).toMatchObject({ finalizeAfterMs: 300, unsureAfterMs: 300, completeAfterMs: 50 });
  });
});

// Drives an endpointer with speech from `voicedUntilMs` and a recognizer answering each Finalize `finalLatencyMs`
// later with the next of `finals`. Returns every action with its time.
function drive(
  endpointer: TurnEndpointer,
  options: { voiced: [number, number][]; finals: string[]; finalLatencyMs?: number; untilMs?: number; interims?: [number, string][] },
) {
  const log: { atMs: number; action: TEndpointAction }[] = [];
  const due: number[] = [];
  const finals = [...options.finals];
  const record = (actions: TEndpointAction[], t: number) => {
    for (const action of actions) {
      log.push({ atMs: t, action });
      if (action.type === "finalize") due.push(t + (options.finalLatencyMs ?? 150));
    }
  };
  for (let t = 20; t <= (options.untilMs ?? 3000); t += 20) {
    record(endpointer.frame(t, options.voiced.some(([a, b]) => t > a && t <= b)), t);
    for (const [at, text] of options.interims ?? []) if (at === t) record(endpointer.interim(text, t), t);
    while (due.length > 0 && due[0]! <= t) {
      due.shift();
      record(endpointer.final(finals.shift() ?? "", { isFromFinalize: true }, t), t);
    }
  }
  return log;
}

const at = (log: ReturnType<typeof drive>, type: TEndpointAction["type"]) => log.filter((e) => e.action.type === type);

describe("TurnEndpointer", () => {
  it("finalizes 60 ms into the pause and ends a complete question as soon as its final is in", () => {
    const e = new TurnEndpointer({ ceilingMs: 500 }, { language: "en-US" });
    const log = drive(e, { voiced: [[0, 1000]], finals: ["What are your opening hours?"] });
    expect(at(log, "finalize").map((x) => x.atMs)).toEqual([1000 + ENDPOINTING_DEFAULTS.finalizeAfterMs]);
    const end = at(log, "end-of-turn");
    expect(end).toHaveLength(1);
    expect(end[0]).toMatchObject({ atMs: 1220, action: { text: "What are your opening hours?", cause: "silence", completeness: { state: "complete" } } });
  });

  it("waits the mid-thought time while the caller is mid-thought, then ends with all the words", () => {
    for (const text of ["I'd like to book a", "my number is five five five", "um", "and"]) {
      const e = new TurnEndpointer({ ceilingMs: 700 }, { language: "en-US" });
      const log = drive(e, { voiced: [[0, 800]], finals: [text] });
      const end = at(log, "end-of-turn");
      expect(end, text).toHaveLength(1);
      expect(end[0]!.atMs - 800, text).toBe(midThoughtWaitMs(700));
    }
  });

  it("keeps one turn across a pause: the words before and after it end the turn together", () => {
    const e = new TurnEndpointer({ ceilingMs: 800 }, { language: "en-US", agentQuestion: "What's your phone number?" });
    const log = drive(e, {
      voiced: [[0, 900], [1500, 2400], [3000, 3900]],
      finals: ["five five five", "one two three", "four five six seven"],
      untilMs: 5000,
    });
    expect(at(log, "finalize")).toHaveLength(3);
    const end = at(log, "end-of-turn");
    expect(end).toHaveLength(1);
    expect(end[0]!.action).toMatchObject({ text: "five five five one two three four five six seven" });
    expect(end[0]!.atMs).toBeLessThan(3900 + 300);
  });

  it("drops a reply when the caller goes on before its audio, and answers the whole turn later", () => {
    const e = new TurnEndpointer({ ceilingMs: 300 }, { language: "en-US" });
    const log = drive(e, { voiced: [[0, 800], [1400, 2000]], finals: ["I need a cleaning", "for my daughter"] });
    const kinds = log.map((x) => x.action.type);
    expect(kinds).toEqual(["finalize", "end-of-turn", "drop-reply", "finalize", "end-of-turn"]);
    expect(at(log, "drop-reply")[0]!.atMs).toBe(1400 + ENDPOINTING_DEFAULTS.thinkingMinSpeechMs);
    expect(at(log, "end-of-turn")[1]!.action).toMatchObject({ text: "I need a cleaning for my daughter" });
  });

  it("keeps the reply when 'agent thinking' barge-in is off, and after the agent's audio started", () => {
    const off = new TurnEndpointer({ ceilingMs: 300, thinkingMinSpeechMs: null }, { language: "en-US" });
    expect(at(drive(off, { voiced: [[0, 800], [1400, 2000]], finals: ["I need a cleaning", "x"] }), "drop-reply")).toHaveLength(0);

    const started = new TurnEndpointer({ ceilingMs: 300 }, { language: "en-US" });
    started.frame(20, true);
    started.final("hello", {}, 30);
    for (let t = 40; t <= 600; t += 20) started.frame(t, false);
    started.agentAudioStarted();
    expect(started.frame(620, true)).toEqual([]);
    expect(started.text).toBe("");
  });

  it("does not let a click shorter than the VAD confirms drop the reply", () => {
    const e = new TurnEndpointer({ ceilingMs: 300 }, { language: "en-US" });
    const log = drive(e, { voiced: [[0, 800], [1400, 1420]], finals: ["where are you"] });
    expect(at(log, "drop-reply")).toHaveLength(0);
  });

  it("offers an interim that reads complete at a pause for preemption, and cancels it when the caller goes on", () => {
    const e = new TurnEndpointer({ ceilingMs: 1000 }, { language: "en-US" });
    const log = drive(e, {
      voiced: [[0, 800], [1200, 1600]],
      finals: ["what are your hours", "on Sunday"],
      finalLatencyMs: 400,
      interims: [[1000, "what are your hours"]],
    });
    const kinds = log.map((x) => `${x.atMs}:${x.action.type}`);
    expect(kinds[0]).toBe("860:finalize");
    expect(kinds).toContain("1000:preempt");
    expect(kinds).toContain("1220:cancel-preempt");
    expect(at(log, "end-of-turn")[0]!.action).toMatchObject({ text: "what are your hours on Sunday" });
  });

  it("ends on UtteranceEnd whatever the words read like, and not without words", () => {
    const e = new TurnEndpointer({ ceilingMs: 3000 }, { language: "en-US" });
    e.frame(20, true);
    expect(e.utteranceEnd(40)).toEqual([]);
    e.final("I'd like to", { isSpeechFinal: true }, 60);
    expect(e.utteranceEnd(1100)).toMatchObject([{ type: "end-of-turn", cause: "utterance-end", text: "I'd like to" }]);
  });

  it("takes a speech_final as evidence of the recognizer's endpointing silence", () => {
    const e = new TurnEndpointer({ ceilingMs: 500, sttEndpointingMs: 500 }, { language: "en-US" });
    e.frame(20, true);
    // The VAD heard no pause yet (noise keeps it busy), but the recognizer did.
    expect(e.final("I'd like a cleaning", { isSpeechFinal: true }, 40)).toMatchObject([{ type: "end-of-turn", text: "I'd like a cleaning" }]);
    // Its 500 ms are not the mid-thought wait: a trailing "and" waits for more (or for UtteranceEnd).
    const mid = new TurnEndpointer({ ceilingMs: 500, sttEndpointingMs: 500 }, { language: "en-US" });
    mid.frame(20, true);
    expect(mid.final("and then", { isSpeechFinal: true }, 40)).toEqual([]);
    expect(mid.utteranceEnd(1100)).toMatchObject([{ type: "end-of-turn", text: "and then", cause: "utterance-end" }]);
  });

  it("ends on the words it has when the final never comes", () => {
    const e = new TurnEndpointer({ ceilingMs: 300, finalTimeoutMs: 800 }, { language: "en-US" });
    const log = drive(e, { voiced: [[0, 500]], finals: [], finalLatencyMs: 100_000, interims: [[500, "hello there"]] });
    expect(at(log, "end-of-turn")[0]).toMatchObject({ atMs: 560 + 800, action: { cause: "final-timeout", text: "hello there" } });
  });

  it("ignores noise that brings no words", () => {
    const e = new TurnEndpointer({ ceilingMs: 300 }, { language: "en-US" });
    const log = drive(e, { voiced: [[0, 200]], finals: [""] });
    expect(at(log, "end-of-turn")).toHaveLength(0);
  });

  it("uses the agent's question to read a bare yes as a promise of data", () => {
    const asked = new TurnEndpointer({ ceilingMs: 800 }, { language: "en-US", agentQuestion: "What's your email?" });
    const end = at(drive(asked, { voiced: [[0, 300]], finals: ["sure"] }), "end-of-turn")[0]!;
    expect(end.atMs - 300).toBe(midThoughtWaitMs(800));
    asked.reset();
    asked.setAgentQuestion("Would you like me to book it?");
    const end2 = at(drive(asked, { voiced: [[0, 300]], finals: ["sure"] }), "end-of-turn")[0]!;
    expect(end2.atMs - 300).toBeLessThan(300);
  });
});
