import { describe, expect, it } from "vitest";
import { OVERLAPS, timeWords, type TTimedWord } from "@/tests/fixtures/turn-taking/turn-sets";
import { TurnPolicy, type TTurnPolicyAction, type TTurnPolicyConfig } from "./turn-policy";

const CONFIG: TTurnPolicyConfig = {
  language: "en-US",
  endpointingSilenceMs: 500,
  interruptionMinSpeechMs: 200,
  thinkingInterruptionMinSpeechMs: 40, // the agent default (lib/agents/config.ts)
  shouldResumeAfterBackchannel: true,
  backchannelPhrases: [],
};

type TScene = {
  voiced: [number, number][];
  // Text of the final answering each Finalize, in order (the recognizer answers 150 ms later).
  finals: string[];
  interims?: [number, string][];
  agentAudioAtMs?: number; // the session starts the reply's audio then (if a reply is pending)
  untilMs?: number;
};

function play(policy: TurnPolicy, scene: TScene) {
  const log: { atMs: number; action: TTurnPolicyAction }[] = [];
  const due: number[] = [];
  const finals = [...scene.finals];
  const take = (actions: TTurnPolicyAction[], t: number) => {
    for (const action of actions) {
      log.push({ atMs: t, action });
      if (action.type === "finalize") due.push(t + 150);
    }
  };
  for (let t = 20; t <= (scene.untilMs ?? 4000); t += 20) {
    if (scene.agentAudioAtMs === t) policy.agentAudioStarted();
    take(policy.frame(t, scene.voiced.some(([a, b]) => t > a && t <= b)), t);
    for (const [at, text] of scene.interims ?? []) if (at === t) take(policy.interim(text, t), t);
    while (due.length > 0 && due[0]! <= t) {
      due.shift();
      take(policy.final(finals.shift() ?? "", { isFromFinalize: true }, t), t);
    }
  }
  return log;
}
const types = (log: ReturnType<typeof play>) => log.map((e) => e.action.type);
const find = <T extends TTurnPolicyAction["type"]>(log: ReturnType<typeof play>, type: T) =>
  log.filter((e) => e.action.type === type) as { atMs: number; action: Extract<TTurnPolicyAction, { type: T }> }[];

describe("TurnPolicy", () => {
  it("takes speech that began under an uninterruptible line and outlasts a backchannel as an interruption once the next line may be cut", () => {
    const policy = new TurnPolicy(CONFIG);
    policy.agentAudioStarted({ isInterruptible: false });
    // The caller talks through the greeting: nothing happens while it plays.
    for (let t = 20; t <= 1400; t += 20) expect(policy.frame(t, true)).toEqual([]);
    // The next line may be cut, and the caller is still talking, 1.4 s in: longer than any backchannel. The
    // replay of the run decides it on the way (this threw a TypeError and took the process down, every call with it).
    policy.agentAudioStarted();
    const actions = policy.frame(1420, true);
    expect(actions.map((a) => a.type)).toEqual(["clear", "yield-floor"]);
    expect(policy.agentState).toBe("idle");
  });

  it("answers a complete question about 210 ms after it ends (Finalize at 60 ms, final 150 ms later)", () => {
    const policy = new TurnPolicy(CONFIG);
    const log = play(policy, { voiced: [[0, 1000]], finals: ["What are your opening hours?"] });
    expect(types(log)).toEqual(["finalize", "reply"]);
    expect(find(log, "reply")[0]).toMatchObject({ atMs: 1220, action: { text: "What are your opening hours?", useSpeculative: false } });
    expect(policy.agentState).toBe("thinking");
  });

  it("plays a speculative reply only when the final says the same thing", () => {
    const same = play(new TurnPolicy({ ...CONFIG, endpointingSilenceMs: 1000 }), {
      voiced: [[0, 1000]],
      finals: ["Where are you located?"],
      interims: [[1120, "where are you located"]],
    });
    expect(types(same)).toEqual(["finalize", "start-speculative", "reply"]);
    expect(find(same, "reply")[0]!.action.useSpeculative).toBe(true);

    const differs = play(new TurnPolicy({ ...CONFIG, endpointingSilenceMs: 1000 }), {
      voiced: [[0, 1000]],
      finals: ["Where are you located on Sundays?"],
      interims: [[1120, "where are you located"]],
    });
    expect(types(differs)).toEqual(["finalize", "start-speculative", "discard-speculative", "reply"]);
    expect(find(differs, "discard-speculative")[0]!.action.reason).toBe("words-differ");
    expect(find(differs, "reply")[0]!.action).toMatchObject({ useSpeculative: false, text: "Where are you located on Sundays?" });
  });

  it("discards a speculative reply the moment the caller goes on", () => {
    const log = play(new TurnPolicy({ ...CONFIG, endpointingSilenceMs: 1000 }), {
      voiced: [[0, 1000], [1200, 1800]],
      finals: ["what are your hours", "on Sunday"],
      interims: [[1120, "what are your hours"]],
    });
    expect(find(log, "start-speculative")[0]!.atMs).toBe(1120);
    expect(find(log, "discard-speculative")[0]).toMatchObject({ atMs: 1220, action: { reason: "caller-went-on" } });
    expect(find(log, "reply")).toHaveLength(1);
    expect(find(log, "reply")[0]!.action.text).toBe("what are your hours on Sunday");
  });

  it("drops a reply when the caller goes on while the agent is thinking, unless that barge-in is off", () => {
    const scene: TScene = { voiced: [[0, 800], [1400, 2000]], finals: ["I need a cleaning", "for my daughter"] };
    const on = play(new TurnPolicy(CONFIG), scene);
    expect(types(on)).toEqual(["finalize", "reply", "drop-reply", "finalize", "reply"]);
    expect(find(on, "reply")[1]!.action.text).toBe("I need a cleaning for my daughter");
    const off = play(new TurnPolicy({ ...CONFIG, thinkingInterruptionMinSpeechMs: null }), scene);
    expect(types(off)).toEqual(["finalize", "reply"]);
  });

  it("clears at barge-in, then resumes after a backchannel and carries on speaking", () => {
    const policy = new TurnPolicy(CONFIG);
    policy.agentAudioStarted();
    const log = play(policy, { voiced: [[1000, 1300]], finals: ["uh-huh"], untilMs: 2500 });
    expect(find(log, "clear")[0]!.atMs).toBe(1200);
    expect(find(log, "resume")[0]).toMatchObject({ action: { kind: "backchannel", words: "uh-huh" } });
    expect(find(log, "resume")[0]!.atMs).toBeLessThanOrEqual(1000 + 800);
    expect(policy.agentState).toBe("speaking");
    expect(policy.callerText).toBe("");
    expect(find(log, "reply")).toHaveLength(0);
  });

  it("resumes after noise that brings no words", () => {
    const policy = new TurnPolicy(CONFIG);
    policy.agentAudioStarted();
    const log = play(policy, { voiced: [[1000, 1250]], finals: [""], untilMs: 2500 });
    expect(find(log, "resume")[0]).toMatchObject({ action: { kind: "noise" } });
  });

  it("yields the floor on a real interruption and answers the caller's words as the next turn", () => {
    const policy = new TurnPolicy(CONFIG);
    policy.agentAudioStarted();
    const log = play(policy, {
      voiced: [[1000, 2000]],
      finals: ["wait, where are you located?"],
      interims: [[1500, "wait"]],
      untilMs: 3500,
    });
    expect(types(log)).toContain("clear");
    expect(find(log, "yield-floor")[0]).toMatchObject({ atMs: 1500, action: { words: "wait" } });
    expect(find(log, "resume")).toHaveLength(0);
    expect(find(log, "reply")[0]!.action.text).toBe("wait, where are you located?");
  });

  it("never resumes when the agent is set to stop and listen", () => {
    const policy = new TurnPolicy({ ...CONFIG, shouldResumeAfterBackchannel: false });
    policy.agentAudioStarted();
    const log = play(policy, { voiced: [[1000, 1300]], finals: ["okay"], untilMs: 2500 });
    expect(find(log, "resume")).toHaveLength(0);
    expect(find(log, "yield-floor")).toHaveLength(1);
  });

  it("lets nothing interrupt a line that must be heard whole", () => {
    const policy = new TurnPolicy(CONFIG);
    policy.agentAudioStarted({ isInterruptible: false });
    const log = play(policy, { voiced: [[1000, 2000]], finals: ["hello?"], untilMs: 2500 });
    expect(log).toEqual([]);
  });

  it("uses the agent's own backchannel phrases", () => {
    const policy = new TurnPolicy({ ...CONFIG, backchannelPhrases: ["no worries"] });
    policy.agentAudioStarted();
    const log = play(policy, { voiced: [[1000, 1400]], finals: ["no worries"], untilMs: 2500 });
    expect(find(log, "resume")).toHaveLength(1);
  });

  it("reads the caller's answer against the agent's question", () => {
    const policy = new TurnPolicy({ ...CONFIG, endpointingSilenceMs: 800 });
    policy.agentSaid("What's the best number to reach you?");
    const log = play(policy, { voiced: [[0, 900], [1600, 2500], [3100, 4000]], finals: ["five five five", "one two three", "four five six seven"], untilMs: 5000 });
    expect(find(log, "reply")).toHaveLength(1);
    expect(find(log, "reply")[0]!.action.text).toBe("five five five one two three four five six seven");
  });
  it("barges in on the frame that ends interruptionMinSpeechMs of audio, however the frames' arrival jittered", () => {
    // Frames arrive on a 20 ms grid with a few ms of jitter; the 10th frame of speech ends 200 ms of audio even
    // when it arrived 199 ms of clock after the sound began (the fixed policy counted audio too).
    const policy = new TurnPolicy(CONFIG);
    policy.agentAudioStarted();
    const arrivals = [1020, 1043, 1059, 1081, 1100, 1121, 1139, 1161, 1178, 1199, 1220];
    const clearAt = arrivals.findIndex((t) => policy.frame(t, true).some((a) => a.type === "clear"));
    expect(clearAt).toBe(9);
  });

  it("does not barge in on a sound shorter than interruptionMinSpeechMs, however late its frames arrive", () => {
    const policy = new TurnPolicy(CONFIG);
    policy.agentAudioStarted();
    // Nine frames (180 ms of audio) spread over 230 ms of clock by a stalled event loop, then silence.
    const arrivals = [1000, 1060, 1080, 1100, 1120, 1140, 1170, 1200, 1230];
    const actions = arrivals.flatMap((t) => policy.frame(t, true));
    for (let t = 1250; t <= 1600; t += 20) actions.push(...policy.frame(t, false));
    expect(actions).toEqual([]);
  });
});

// Speech over the agent that barges in, as TurnPolicy sees it: 20 ms frames (voiced inside a word), a Finalize
// answered 150 ms later and interims every 250 ms carrying the words spoken 250 ms earlier. Two recognizers: one
// whose final holds the words spoken by the Finalize (a real engine: "okay" first, "but ..." after), and the
// bench's fake Deepgram, whose Finalize flushes the whole stretch in progress (every word of the script at once).
function overSpeech(words: TTimedWord[], recognizer: "spoken" | "stretch") {
  const policy = new TurnPolicy(CONFIG);
  policy.agentAudioStarted();
  const log: { atMs: number; action: TTurnPolicyAction }[] = [];
  const finals: { atMs: number; text: string }[] = [];
  let delivered = 0;
  let lastInterim = "";
  const spokenBy = (t: number) => words.filter((w) => w.endMs <= t).length;
  const take = (actions: TTurnPolicyAction[], t: number) => {
    for (const action of actions) {
      log.push({ atMs: t, action });
      if (action.type !== "finalize") continue;
      const upTo = recognizer === "stretch" ? words.length : spokenBy(t);
      finals.push({ atMs: t + 150, text: words.slice(delivered, upTo).map((w) => w.text).join(" ") });
      delivered = Math.max(delivered, upTo);
      lastInterim = "";
    }
  };
  const endMs = words.at(-1)!.endMs;
  for (let t = 20; t <= endMs + 2000; t += 20) {
    take(policy.frame(t, words.some((w) => w.startMs < t && t <= w.endMs)), t);
    if (t % 250 < 20) {
      const interim = words.slice(delivered, Math.max(delivered, spokenBy(t - 250))).map((w) => w.text).join(" ");
      if (interim && interim !== lastInterim) take(policy.interim((lastInterim = interim), t), t);
    }
    while (finals.length > 0 && finals[0]!.atMs <= t) take(policy.final(finals.shift()!.text, { isFromFinalize: true }, t), t);
  }
  return log.map((e) => e.action.type);
}

describe("TurnPolicy: a real interruption over the agent always gets the floor", () => {
  // The bench's interruptions, and short ones that begin like a backchannel or are one word.
  const SHORT = ["wait", "stop", "no", "hold on", "okay but", "okay but I need it today", "yeah but", "no no", "okay wait", "right but", "uh-huh but", "sorry", "um no"];
  const scripts = [...OVERLAPS.filter((o) => o.kind === "interruption").map((o) => o.script), ...SHORT];

  for (const recognizer of ["spoken", "stretch"] as const) {
    it(`clears, then yields and never resumes (${recognizer === "spoken" ? "words final as spoken" : "the fake's whole-stretch finals"})`, () => {
      const wrong: string[] = [];
      for (const script of scripts) {
        // The turn-taking sets' caller pace (a one-syllable word lasts 220 ms, enough to barge in at 200 ms).
        const types = overSpeech(timeWords(script, 1000, "turn"), recognizer);
        if (!types.includes("clear") || !types.includes("yield-floor") || types.includes("resume")) wrong.push(`${script}: ${types.join(",")}`);
      }
      expect(wrong).toEqual([]);
    });
  }

  it("resumes after the set's two-word backchannels with either recognizer (the same path, not a policy that never resumes)", () => {
    for (const recognizer of ["spoken", "stretch"] as const) {
      for (const script of ["okay okay", "uh-huh uh-huh", "right right", "yeah yeah", "okay sure", "oh I see", "mm-hmm"]) {
        expect(overSpeech(timeWords(script, 1000, "turn"), recognizer), `${script} (${recognizer})`).toContain("resume");
      }
    }
  });
});
