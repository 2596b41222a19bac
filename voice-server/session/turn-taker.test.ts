import { describe, expect, it } from "vitest";
import type { TTurnPolicyConfig } from "@/voice-server/turn-taking/turn-policy";
import { TurnTaker, type TPolicyTurn, type TTurnTakerHandlers } from "./turn-taker";

const CONFIG: TTurnPolicyConfig = {
  language: "en-US",
  endpointingSilenceMs: 800,
  interruptionMinSpeechMs: 200,
  thinkingInterruptionMinSpeechMs: 40, // the agent default (lib/agents/config.ts)
  shouldResumeAfterBackchannel: true,
  backchannelPhrases: [],
};

// `run` feeds frames as SpeechDetector.isVoicedFrame reports them: its first voiced frame of a run is the VAD's
// second speech frame in a row, so the speech began a frame before it (20 ms frames: onset = first voiced - 40).
// A recognizer that answers each finalize when the test says so, the way SttInput does: the result first (with the
// finalize still pending), then the round resolves.
function setup(config: TTurnPolicyConfig = CONFIG) {
  const clock = { t: 0, now: () => clock.t };
  const log: { at: number; call: string; args: unknown[] }[] = [];
  const record =
    (call: string) =>
    (...args: unknown[]) =>
      log.push({ at: clock.t, call, args });
  const handlers: TTurnTakerHandlers = {
    startSpeculative: record("startSpeculative"),
    discardSpeculative: record("discardSpeculative"),
    reply: record("reply"),
    dropReply: record("dropReply"),
    clear: record("clear"),
    resume: record("resume"),
    yieldFloor: record("yieldFloor"),
  };
  const pending: (() => void)[] = [];
  let isFinalizing = false;
  let round: Promise<string> | null = null;
  const stt = {
    get isFinalizing() {
      return isFinalizing;
    },
    endTurn() {
      if (!isFinalizing) {
        isFinalizing = true;
        round = new Promise<string>((resolve) => pending.push(() => resolve("")));
      }
      const current = round!;
      return { finalTranscript: () => current };
    },
  };
  const taker = new TurnTaker(config, { clock, stt, handlers });
  const answer = async (text: string) => {
    taker.result({ type: "final", text, isFromFinalize: true });
    isFinalizing = false;
    pending.shift()?.();
    await new Promise((r) => setTimeout(r, 0));
  };
  // Frames from the clock's time to `untilMs`, voiced inside `voiced`.
  const run = (untilMs: number, voiced: [number, number][] = []) => {
    while (clock.t < untilMs) {
      clock.t += 20;
      taker.frame(voiced.some(([a, b]) => clock.t > a && clock.t <= b), clock.t);
    }
  };
  const calls = (name: string) => log.filter((e) => e.call === name);
  return { clock, taker, answer, run, calls, log, finalizes: () => taker.finalizesSent };
}

describe("TurnTaker", () => {
  it("asks for the final 60 ms into a pause and answers a complete question on it, with the speech's timing", async () => {
    const { taker, answer, run, calls, finalizes } = setup();
    run(1100, [[300, 1000]]);
    expect(finalizes()).toBe(1);
    run(1240);
    await answer("What are your opening hours?");
    const [reply] = calls("reply");
    expect(reply).toBeDefined();
    expect(reply!.at).toBe(1240);
    expect(reply!.args[0] as TPolicyTurn).toMatchObject({
      text: "What are your opening hours?",
      useSpeculative: false,
      speechStartStreamMs: 300 - 20,
      speechEndStreamMs: 1000,
      speechEndAt: 1000,
    });
    expect(taker.policy.agentState).toBe("thinking");
  });

  it("keeps one finalize in flight and sends the ones asked for meanwhile after its answer, one answer each", async () => {
    const { answer, run, finalizes, calls } = setup({ ...CONFIG, endpointingSilenceMs: 2000 });
    // "my number is 555" <pause> "123": a second Finalize is due before the first is answered.
    run(1100, [[0, 1000]]);
    run(1300, [[1100, 1150]]);
    expect(finalizes()).toBe(1);
    await answer("my number is 555");
    expect(finalizes()).toBe(2);
    await answer("123");
    expect(calls("reply")).toEqual([]);
  });

  it("starts a speculative reply on an interim that reads complete and discards it when the caller goes on", () => {
    const { taker, run, calls, clock } = setup({ ...CONFIG, endpointingSilenceMs: 1000 });
    run(1100, [[0, 1000]]);
    clock.t = 1120;
    taker.result({ type: "interim", text: "where are you located" });
    expect(calls("startSpeculative").map((e) => e.args[0])).toEqual(["where are you located"]);
    run(1300, [[1200, 1300]]);
    expect(calls("discardSpeculative").map((e) => e.args[0])).toEqual(["caller-went-on"]);
  });

  it("drops the reply when the caller speaks again before it is audible, keeping the words for the next reply", async () => {
    const { answer, run, calls } = setup();
    run(1250, [[0, 800]]);
    await answer("I need a cleaning");
    expect(calls("reply")).toHaveLength(1);
    run(1600, [[1400, 2000]]);
    expect(calls("dropReply").map((e) => e.args[0])).toEqual(["I need a cleaning"]);
    run(2250, [[1400, 2000]]);
    await answer("for my daughter");
    run(2400);
    const replies = calls("reply").map((e) => (e.args[0] as TPolicyTurn).text);
    expect(replies).toEqual(["I need a cleaning", "I need a cleaning for my daughter"]);
    expect((calls("reply")[1]!.args[0] as TPolicyTurn).speechStartStreamMs).toBe(0);
  });

  it("clears at barge-in with the sound's onset, then resumes after a backchannel", async () => {
    const { taker, answer, run, calls } = setup();
    taker.agentAudioStarted(true);
    run(1300, [[1000, 1280]]);
    // interruptionMinSpeechMs (200) after the sound's onset, the VAD's confirmation frame included.
    expect(calls("clear").map((e) => e.args[0])).toEqual([1000 - 20]);
    expect(calls("clear")[0]!.at).toBe(1200 - 20);
    run(1400, [[1000, 1280]]);
    await answer("uh-huh");
    expect(calls("resume").map((e) => e.args)).toEqual([["backchannel", "uh-huh", 1000 - 20]]);
    expect(calls("reply")).toEqual([]);
  });

  it("counts a stretch of sound with short gaps (between syllables) as one for barge-in", () => {
    const { taker, run, calls } = setup();
    taker.agentAudioStarted(true);
    run(1400, [[1000, 1120], [1180, 1300]]);
    expect(calls("clear")).toHaveLength(1);
    expect(calls("clear")[0]!.args[0]).toBe(1000 - 20);
    // The gap counts: the first voiced frame 200 ms after the onset, not after 200 ms of voiced frames (1260).
    expect(calls("clear")[0]!.at).toBe(1200);
  });

  it("counts barge-in from an unvoiced consonant's onset when the VAD reports one ('stop': 60 ms of /s/ first)", () => {
    const { clock, taker, calls } = setup();
    taker.agentAudioStarted(true);
    // The VAD's first voiced frame ends at 1040 (speech from 1000 by its own count) and says the loud sound
    // began 60 ms before that run: the caller's onset is 940.
    let isFirst = true;
    while (clock.t < 1400) {
      clock.t += 20;
      const isVoiced = clock.t > 1020 && clock.t <= 1300;
      taker.frame(isVoiced, clock.t, 20, isVoiced && isFirst ? 60 : 0);
      if (isVoiced) isFirst = false;
    }
    expect(calls("clear").map((e) => e.args[0])).toEqual([940]);
    // interruptionMinSpeechMs (200) after that onset, not after the VAD's.
    expect(calls("clear")[0]!.at).toBe(1140);
  });

  it("never clears a line that must be heard whole", () => {
    const { taker, run, calls } = setup();
    taker.agentAudioStarted(false);
    run(2000, [[1000, 1800]]);
    expect(calls("clear")).toEqual([]);
  });

  it("a reply that ended without a sound settles the turn: the next turn has only its own words", async () => {
    const { taker, answer, run, calls } = setup();
    run(1250, [[0, 800]]);
    await answer("Hello?");
    expect(calls("reply")).toHaveLength(1);
    taker.agentQuiet();
    expect(taker.policy.agentState).toBe("idle");
    run(2650, [[2000, 2500]]);
    await answer("Are you there?");
    run(2800);
    expect(calls("reply").map((e) => (e.args[0] as TPolicyTurn).text)).toEqual(["Hello?", "Are you there?"]);
    expect(calls("dropReply")).toEqual([]);
  });

  it("drops the reply on the VAD's first confirmed frame: a caller going on 50 ms before the reply's audio is caught", async () => {
    const { taker, answer, run, calls } = setup();
    run(1250, [[0, 800]]);
    await answer("I need a cleaning");
    const replyAt = calls("reply")[0]!.at;
    // The reply's audio would start after the LLM's first token and the TTS's first byte (the profile's 450 ms).
    const audioAt = replyAt + 450;
    // The caller's sound starts 50 ms (or a little less, on the frame grid) before that: a raw speech frame the VAD
    // does not report yet, then the confirming one, its first voiced frame here.
    const onset = Math.ceil((audioAt - 50) / 20) * 20;
    run(onset + 100, [[onset + 20, onset + 600]]);
    const [drop] = calls("dropReply");
    expect(drop).toBeDefined();
    expect(drop!.at).toBe(onset + 40);
    expect(drop!.at).toBeLessThan(audioAt);
    expect(taker.policy.agentState).toBe("idle");
  });
});
