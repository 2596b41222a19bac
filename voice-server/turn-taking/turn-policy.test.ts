import { describe, expect, it } from "vitest";
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
});
