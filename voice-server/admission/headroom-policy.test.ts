import { describe, expect, it } from "vitest";
import { DEFAULT_CALL_CPU, HeadroomPolicy, PENDING_ADMISSION_MS, type TAdmissionLimits } from "./headroom-policy";

const LIMITS: TAdmissionLimits = { maxLoopDelayMs: 25, maxCpu: 0.75, maxCalls: null, windowMs: 5_000 };

// A loop sampled every 10 ms from `fromMs` to `toMs`, late by delayAt(t) ms at each sample.
function feedLoop(policy: HeadroomPolicy, fromMs: number, toMs: number, delayAt: (atMs: number, i: number) => number) {
  for (let t = fromMs, i = 0; t < toMs; t += 10, i++) policy.recordLoopDelay(t, delayAt(t, i));
}

// The process used `cores` of CPU from `fromMs` to `toMs` with `calls` live calls, sampled every 250 ms.
function feedCpu(policy: HeadroomPolicy, fromMs: number, toMs: number, cores: number, calls: number, startCpuMs = 0) {
  let cpuMs = startCpuMs;
  for (let t = fromMs; t <= toMs; t += 250) {
    policy.recordCpu(t, cpuMs, calls);
    cpuMs += 250 * cores;
  }
  return cpuMs;
}

describe("HeadroomPolicy", () => {
  it("admits on an idle process, with all its headroom left", () => {
    const policy = new HeadroomPolicy(LIMITS);
    feedLoop(policy, 0, 5_000, () => 0.3);
    feedCpu(policy, 0, 5_000, 0.02, 0);
    const decision = policy.decide(5_000, 0);
    expect(decision.isAdmitted).toBe(true);
    expect(decision.headroom.loopDelayP99Ms).toBeCloseTo(0.3);
    expect(decision.headroom.cpu).toBeCloseTo(0.02);
    expect(decision.headroom.ratio).toBeGreaterThan(0.95);
  });

  it("refuses when the event loop runs late through the window, but not for one long GC pause", () => {
    const gc = new HeadroomPolicy(LIMITS);
    // 500 samples, one 80 ms stall: the p99 (5th worst) is still the quiet value.
    feedLoop(gc, 0, 5_000, (_, i) => (i === 250 ? 80 : 1));
    expect(gc.decide(5_000, 50).isAdmitted).toBe(true);

    const busy = new HeadroomPolicy(LIMITS);
    // Late by 40 ms one sample in twenty (a loop busy in long bursts).
    feedLoop(busy, 0, 5_000, (_, i) => (i % 20 === 0 ? 40 : 2));
    const decision = busy.decide(5_000, 50);
    expect(decision).toMatchObject({ isAdmitted: false, reason: "loop_delay" });
    expect(decision.headroom.loopDelayP99Ms).toBe(40);
    expect(decision.headroom.ratio).toBeLessThan(0);
  });

  it("does not read one long pause among a handful of samples as the loop's p99 (a process just resumed)", () => {
    const policy = new HeadroomPolicy(LIMITS);
    // Paused for 30 s (SIGSTOP, a suspended VM): the sample taken on waking is 30 s late, and the window holds
    // only the few taken since.
    policy.recordLoopDelays(40_000, [{ delayMs: 30_000, count: 1 }]);
    expect(policy.decide(40_000, 10)).toMatchObject({ isAdmitted: true, headroom: { loopDelayP99Ms: null } });
    policy.recordLoopDelays(40_050, [{ delayMs: 1, count: 5 }]);
    expect(policy.decide(40_050, 10)).toMatchObject({ isAdmitted: true, headroom: { loopDelayP99Ms: 1 } });
    // A loop late at every sample of a short window is still refused.
    const late = new HeadroomPolicy(LIMITS);
    late.recordLoopDelays(1_000, [{ delayMs: 60, count: 20 }]);
    expect(late.decide(1_000, 10)).toMatchObject({ isAdmitted: false, reason: "loop_delay", headroom: { loopDelayP99Ms: 60 } });
  });

  it("admits again once the late samples are older than the window", () => {
    const policy = new HeadroomPolicy(LIMITS);
    feedLoop(policy, 0, 3_000, () => 60);
    expect(policy.decide(3_000, 10)).toMatchObject({ isAdmitted: false, reason: "loop_delay" });
    feedLoop(policy, 3_000, 7_000, () => 1);
    // 3 000..7 000 quiet, but 2 000..3 000 still in the 5 s window: 100 of 500 samples late.
    expect(policy.decide(7_000, 10).isAdmitted).toBe(false);
    feedLoop(policy, 7_000, 8_100, () => 1);
    expect(policy.decide(8_100, 10).isAdmitted).toBe(true);
  });

  it("projects CPU to one more call: refuses the call that would take the process past its limit", () => {
    const policy = new HeadroomPolicy(LIMITS);
    feedLoop(policy, 0, 5_000, () => 1);
    // 100 calls cost 0.70 of a core: 0.007 each.
    feedCpu(policy, 0, 5_000, 0.7, 100);
    expect(policy.decide(5_000, 100)).toMatchObject({ isAdmitted: true, headroom: { cpu: 0.7, cpuProjected: 0.707 } });
    // 106 now (the window has not seen them yet): 107 * 0.007 = 0.749.
    expect(policy.decide(5_000, 106).isAdmitted).toBe(true);
    const decision = policy.decide(5_000, 107);
    expect(decision).toMatchObject({ isAdmitted: false, reason: "cpu" });
    expect(decision.headroom.cpuProjected).toBeCloseTo(0.756, 3);
  });

  it("counts connecting calls among those the CPU window saw: a burst of arrivals is not read as a few costly calls", () => {
    const policy = new HeadroomPolicy(LIMITS);
    feedLoop(policy, 0, 5_000, () => 1);
    // 40 calls arrive at once and are still connecting: 20 live streams plus 40 admitted, at 0.30 of a core.
    for (let i = 0; i < 40; i++) policy.admitted(0);
    feedCpu(policy, 0, 5_000, 0.3, 20);
    // The window saw 60 calls at 0.005 each: 61 of them come to about 0.305, well under 0.75.
    const decision = policy.decide(5_000, 20);
    expect(decision).toMatchObject({ isAdmitted: true, headroom: { calls: 60 } });
    expect(decision.headroom.cpuProjected).toBeCloseTo(0.305, 3);
  });

  it("does not scale the process's own work by a handful of calls", () => {
    const policy = new HeadroomPolicy(LIMITS);
    feedLoop(policy, 0, 5_000, () => 1);
    // Post-call analysis keeps half a core busy with one call up: one more call does not double that.
    feedCpu(policy, 0, 5_000, 0.5, 1);
    expect(policy.decide(5_000, 1)).toMatchObject({ isAdmitted: true, headroom: { cpu: 0.5, cpuProjected: 0.5 } });
  });

  it("counts calls admitted at the webhook whose stream has not opened yet against the hard cap", () => {
    const policy = new HeadroomPolicy({ ...LIMITS, maxCalls: 3 });
    policy.admitted(0);
    policy.admitted(10);
    expect(policy.decide(20, 0).isAdmitted).toBe(true);
    policy.admitted(20);
    expect(policy.decide(30, 0)).toMatchObject({ isAdmitted: false, reason: "max_calls", headroom: { calls: 3, ratio: 0 } });
    // One stream opened: it is a live call now, no longer a pending one.
    policy.streamOpened();
    expect(policy.decide(40, 1)).toMatchObject({ isAdmitted: false, reason: "max_calls" });
    expect(policy.decide(40, 0).isAdmitted).toBe(true);
    // A caller who hung up before the stream opened stops counting after PENDING_ADMISSION_MS.
    expect(policy.decide(20 + PENDING_ADMISSION_MS + 1, 2).isAdmitted).toBe(true);
  });

  it("gives the place back when an admitted call does not go on to a stream", () => {
    const policy = new HeadroomPolicy({ ...LIMITS, maxCalls: 1 });
    policy.admitted(0);
    expect(policy.decide(1, 0).isAdmitted).toBe(false);
    policy.released();
    expect(policy.decide(2, 0).isAdmitted).toBe(true);
  });

  it("never refuses with every limit off, however loaded", () => {
    const policy = new HeadroomPolicy({ maxLoopDelayMs: null, maxCpu: null, maxCalls: null, windowMs: 5_000 });
    expect(policy.isEnabled).toBe(false);
    feedLoop(policy, 0, 5_000, () => 500);
    feedCpu(policy, 0, 5_000, 1, 1_000);
    expect(policy.decide(5_000, 1_000)).toMatchObject({ isAdmitted: true, headroom: { ratio: null } });
  });

  it("admits before it has any sample (a process just started)", () => {
    const policy = new HeadroomPolicy(LIMITS);
    expect(policy.decide(0, 0)).toMatchObject({ isAdmitted: true, headroom: { loopDelayP99Ms: null, cpu: null } });
  });
});

describe("HeadroomPolicy with loop-delay distributions", () => {
  it("reads a distribution as that many samples: the same p99 as the samples one by one", () => {
    const bySample = new HeadroomPolicy(LIMITS);
    const bySlice = new HeadroomPolicy(LIMITS);
    // Slices of 250 ms (25 samples each), one in four with a 40 ms stall among them.
    for (let t = 0; t < 5_000; t += 250) {
      const isStalled = t % 1_000 === 0;
      feedLoop(bySample, t, t + 250, (_, i) => (isStalled && i === 0 ? 40 : 2));
      bySlice.recordLoopDelays(t + 240, isStalled ? [{ delayMs: 2, count: 24 }, { delayMs: 40, count: 1 }] : [{ delayMs: 2, count: 25 }]);
    }
    // 5 stalls in 500 samples: exactly 1%, so the p99 is still the quiet value in both.
    expect(bySample.decide(5_000, 10).headroom.loopDelayP99Ms).toBe(2);
    expect(bySlice.decide(5_000, 10).headroom.loopDelayP99Ms).toBe(2);
    bySample.recordLoopDelay(5_000, 40);
    bySlice.recordLoopDelays(5_000, [{ delayMs: 40, count: 1 }]);
    expect(bySample.decide(5_000, 10).headroom.loopDelayP99Ms).toBe(40);
    expect(bySlice.decide(5_000, 10).headroom.loopDelayP99Ms).toBe(40);
  });

  it("drops distributions older than the window, and ignores empty ones", () => {
    const policy = new HeadroomPolicy(LIMITS);
    policy.recordLoopDelays(0, [{ delayMs: 60, count: 400 }]);
    policy.recordLoopDelays(1_000, []);
    expect(policy.decide(1_000, 10)).toMatchObject({ isAdmitted: false, reason: "loop_delay" });
    policy.recordLoopDelays(5_500, [{ delayMs: 1, count: 25 }]);
    expect(policy.decide(5_500, 10)).toMatchObject({ isAdmitted: true, headroom: { loopDelayP99Ms: 1 } });
  });
});

// A synthetic voice process under a burst of arrivals: `calls` held at `callCost` cores each; each arrival costs
// `arrivalCostMs` of CPU (webhook, refusal or stream setup); arrivals every `everyMs` from `fromMs` for
// `count` of them; CPU and loop sampled every 250 ms as the monitor does.
function burst(
  policy: HeadroomPolicy,
  state: { atMs: number; cpuMs: number; calls: number },
  options: { count: number; everyMs: number; callCost: number; arrivalCostMs: number; loopDelayMs?: number },
): { admitted: number; refused: Record<string, number> } {
  const refused: Record<string, number> = {};
  let admitted = 0;
  let arrived = 0;
  let nextSampleAt = state.atMs + 250;
  let nextArrivalAt = state.atMs;
  const endAt = state.atMs + options.count * options.everyMs + 2_000;
  for (let t = state.atMs; t <= endAt; t += 1) {
    state.cpuMs += state.calls * options.callCost;
    if (arrived < options.count && t >= nextArrivalAt) {
      arrived++;
      nextArrivalAt += options.everyMs;
      state.cpuMs += options.arrivalCostMs;
      const decision = policy.decide(t, state.calls);
      if (decision.isAdmitted) {
        policy.admitted(t);
        // The stream opens at once here: a live call from now on.
        policy.streamOpened();
        state.calls++;
        admitted++;
      } else {
        policy.refused(t);
        refused[decision.reason] = (refused[decision.reason] ?? 0) + 1;
      }
    }
    if (t >= nextSampleAt) {
      nextSampleAt += 250;
      policy.recordLoopDelays(t, [{ delayMs: options.loopDelayMs ?? 2, count: 25 }]);
      policy.recordCpu(t, state.cpuMs, state.calls);
    }
  }
  state.atMs = endAt;
  return { admitted, refused };
}

// Settles `state.calls` calls for 6 s (a window and more), as a process in steady conversation.
function steady(policy: HeadroomPolicy, state: { atMs: number; cpuMs: number; calls: number }, callCost: number) {
  for (let t = state.atMs + 250; t <= state.atMs + 6_000; t += 250) {
    state.cpuMs += 250 * callCost * state.calls;
    policy.recordLoopDelays(t, [{ delayMs: 2, count: 25 }]);
    policy.recordCpu(t, state.cpuMs, state.calls);
  }
  state.atMs += 6_000;
}

describe("HeadroomPolicy under a burst", () => {
  it("admits a burst up to what the calls' measured cost allows, though the burst's own work fills the core", () => {
    const policy = new HeadroomPolicy(LIMITS);
    const state = { atMs: 0, cpuMs: 0, calls: 20 };
    // 20 calls at 0.003 of a core each: 250 calls come to 0.75, the limit; 251 to 0.753.
    steady(policy, state, 0.003);
    expect(policy.headroom(state.atMs, 20).callCpu).toBeCloseTo(0.003, 5);
    // 500 calls offered in 8 s, each webhook costing 6 ms: the arrivals alone take a third of the core.
    const result = burst(policy, state, { count: 500, everyMs: 16, callCost: 0.003, arrivalCostMs: 6 });
    expect(result.admitted).toBe(230);
    expect(state.calls).toBe(250);
    expect(result.refused).toEqual({ cpu: 270 });
    // Measured over the window, the process was well past its limit: judged that way it refused at a third.
    expect(policy.headroom(state.atMs - 2_000, state.calls).cpu).toBeGreaterThan(0.75);
  });

  it("still refuses calls that really cost more, and a loop running late during a burst", () => {
    const costly = new HeadroomPolicy(LIMITS);
    const costlyState = { atMs: 0, cpuMs: 0, calls: 20 };
    steady(costly, costlyState, 0.006);
    const costlyBurst = burst(costly, costlyState, { count: 500, everyMs: 16, callCost: 0.006, arrivalCostMs: 1 });
    // 0.75 / 0.006 = 125 calls in all.
    expect(costlyState.calls).toBe(125);
    expect(costlyBurst.refused).toEqual({ cpu: 500 - 105 });

    const late = new HeadroomPolicy(LIMITS);
    const lateState = { atMs: 0, cpuMs: 0, calls: 20 };
    steady(late, lateState, 0.001);
    const lateBurst = burst(late, lateState, { count: 500, everyMs: 16, callCost: 0.001, arrivalCostMs: 1, loopDelayMs: 40 });
    expect(lateBurst.refused.loop_delay).toBeGreaterThan(400);
  });

  it("keeps measuring a call's cost under a steady trickle of new calls", () => {
    const policy = new HeadroomPolicy(LIMITS);
    // 200 calls, one new one (and one ending) every second: 1 arrival in a second is settled for 200 calls.
    let cpuMs = 0;
    for (let t = 250; t <= 6_000; t += 250) {
      if (t % 1_000 === 0) {
        policy.admitted(t);
        policy.streamOpened();
      }
      cpuMs += 250 * 0.002 * 200;
      policy.recordCpu(t, cpuMs, 200);
    }
    expect(policy.headroom(6_000, 200).callCpu).toBeCloseTo(0.002, 5);
  });

  it("counts a call as DEFAULT_CALL_CPU until one is measured: a cold process admits a burst of silent calls up to it", () => {
    const policy = new HeadroomPolicy(LIMITS);
    expect(policy.headroom(0, 0)).toMatchObject({ callCpu: DEFAULT_CALL_CPU, isCallCpuMeasured: false });
    const state = { atMs: 0, cpuMs: 0, calls: 0 };
    // Just started: calls connect silently (cheap) and their webhooks cost 1 ms each; nothing says what a call
    // will cost once it talks, so the default stands for it: 0.75 / 0.003 = 250 calls.
    const result = burst(policy, state, { count: 500, everyMs: 16, callCost: 0.0005, arrivalCostMs: 1 });
    expect(result).toEqual({ admitted: 250, refused: { cpu: 250 } });
    // Once they talk and settle, their own cost replaces the default: 0.004 each is 187 calls, so none more now.
    steady(policy, state, 0.004);
    expect(policy.headroom(state.atMs, 250)).toMatchObject({ callCpu: 0.004, isCallCpuMeasured: true });
    expect(policy.decide(state.atMs, 250)).toMatchObject({ isAdmitted: false, reason: "cpu" });
    expect(policy.decide(state.atMs, 186).isAdmitted).toBe(true);
  });

  it("before a call is measured, counts the CPU as measured too", () => {
    const policy = new HeadroomPolicy(LIMITS);
    // Busy with its own work at 0.8 of a core and 5 calls (too few to measure one): no room for another.
    feedCpu(policy, 0, 5_000, 0.8, 5);
    expect(policy.decide(5_000, 5)).toMatchObject({ isAdmitted: false, reason: "cpu", headroom: { cpuProjected: 0.8 } });
  });

  it("never refuses with the dynamic limits out of reach (bench:voice's capacity steps)", () => {
    const policy = new HeadroomPolicy({ maxLoopDelayMs: 10_000, maxCpu: 64, maxCalls: null, windowMs: 5_000 });
    feedCpu(policy, 0, 5_000, 0.9, 0);
    for (let i = 0; i < 100; i++) {
      expect(policy.decide(5_000 + i, i).isAdmitted).toBe(true);
      policy.admitted(5_000 + i);
    }
  });
});
