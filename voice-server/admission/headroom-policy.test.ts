import { describe, expect, it } from "vitest";
import { HeadroomPolicy, PENDING_ADMISSION_MS, type TAdmissionLimits } from "./headroom-policy";

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
