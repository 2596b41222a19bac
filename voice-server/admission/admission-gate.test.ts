import { describe, expect, it, vi } from "vitest";
import type { TLogger } from "@/voice-server/observability/log";
import type { TVoiceMetrics } from "@/voice-server/observability/metrics";
import { createAdmissionGate } from "./admission-gate";
import type { THeadroomMonitor } from "./headroom-monitor";
import { HeadroomPolicy, type TAdmissionLimits } from "./headroom-policy";

// A monitor over a real policy at a fixed time: only the calls (live, and admitted still connecting) and the cap decide.
function monitorFor(limits: Partial<TAdmissionLimits>, live: () => number, loopDelayMs: number | null): THeadroomMonitor {
  const policy = new HeadroomPolicy({ maxLoopDelayMs: null, maxCpu: null, maxCalls: null, windowMs: 5_000, ...limits });
  const at = 1_000;
  // A second of 10 ms samples this late each.
  if (loopDelayMs !== null) policy.recordLoopDelays(at, [{ delayMs: loopDelayMs, count: 200 }]);
  return {
    policy,
    decide: () => policy.decide(at, live()),
    headroom: () => policy.headroom(at, live()),
    admitted: () => policy.admitted(at),
    refused: () => policy.refused(at),
    streamOpened: () => policy.streamOpened(),
    released: () => policy.released(),
    setupsInFlight: () => policy.setupsInFlight(at),
    stop: () => {},
  };
}

function gateFor(
  limits: Partial<TAdmissionLimits>,
  pace: { maxSetupsInFlight: number; paceWaitMs: number },
  loopDelayMs: number | null = null,
) {
  const calls = { live: 0 };
  const refused = vi.fn();
  const warnings: { message: string; fields: Record<string, unknown> }[] = [];
  const log = {
    warn: (message: string, fields: Record<string, unknown>) => warnings.push({ message, fields }),
    info: () => {},
  } as unknown as TLogger;
  const metrics = { admissionRefused: { inc: refused } } as unknown as TVoiceMetrics;
  const gate = createAdmissionGate(
    monitorFor(limits, () => calls.live, loopDelayMs),
    { refuseWith: "busy", metrics, log, ...pace },
  );
  return { gate, refused, warnings, calls };
}

const settledSoon = <T>(promise: Promise<T>) =>
  Promise.race([
    promise.then((value) => ({ value })),
    new Promise<"pending">((resolve) => setTimeout(() => resolve("pending"), 20)),
  ]);

describe("admission gate pacing", () => {
  it("lets a webhook wait while the setups in flight are at the limit, and admits it when one stream opens", async () => {
    const { gate } = gateFor({ maxCalls: 100 }, { maxSetupsInFlight: 3, paceWaitMs: 5_000 });
    expect(await Promise.all([gate.admit(), gate.admit(), gate.admit()])).toEqual([null, null, null]);
    const fourth = gate.admit();
    const fifth = gate.admit();
    expect(await settledSoon(fourth)).toBe("pending");
    gate.streamOpened();
    expect(await settledSoon(fourth)).toEqual({ value: null });
    // One place came free, and the fourth took it: the fifth still waits, in its turn.
    expect(await settledSoon(fifth)).toBe("pending");
    gate.release();
    expect(await settledSoon(fifth)).toEqual({ value: null });
  });

  it("refuses with reason pace when no setup settles within the wait and the loop uses over half its limit, with the metric and a log line", async () => {
    // Loop delay p99 20 ms of a 25 ms limit: busy, though still under the limit (the loop itself does not refuse).
    const { gate, refused, warnings } = gateFor({ maxCalls: 100, maxLoopDelayMs: 25 }, { maxSetupsInFlight: 2, paceWaitMs: 50 }, 20);
    await gate.admit();
    await gate.admit();
    expect(await gate.admit()).toBe("pace");
    expect(refused).toHaveBeenCalledWith({ reason: "pace" });
    expect(warnings[0]).toMatchObject({
      message: "admission control: refusing new calls",
      fields: { reason: "pace", setupsInFlight: 2 },
    });
    // Once one opens, the next call is admitted at once.
    gate.streamOpened();
    expect(await gate.admit()).toBeNull();
  });

  it("stalled setups alone refuse nobody: with no loop-delay or CPU limit, or limits far off, a webhook whose wait ran out is checked as usual", async () => {
    const cases = [
      { limits: { maxCalls: 3 }, loopDelayMs: 20 },
      // bench:voice's capacity steps: limits set (sampling runs) but out of reach.
      { limits: { maxCalls: 3, maxLoopDelayMs: 10_000, maxCpu: 64 }, loopDelayMs: 20 },
      // A production limit with the loop at a fifth of it.
      { limits: { maxCalls: 3, maxLoopDelayMs: 25 }, loopDelayMs: 5 },
    ];
    for (const { limits, loopDelayMs } of cases) {
      const { gate, refused, calls } = gateFor(limits, { maxSetupsInFlight: 2, paceWaitMs: 50 }, loopDelayMs);
      await gate.admit();
      await gate.admit();
      expect(await gate.admit(), JSON.stringify(limits)).toBeNull();
      expect(refused).not.toHaveBeenCalled();
      // The cap still holds after the wait.
      calls.live = 3;
      expect(await gate.admit()).toBe("max_calls");
    }
  });

  it("a webhook woken by a settled setup still meets the cap; refused by it, it passes its turn on at once", async () => {
    const { gate, calls } = gateFor({ maxCalls: 2 }, { maxSetupsInFlight: 1, paceWaitMs: 5_000 });
    expect(await gate.admit()).toBeNull();
    const second = gate.admit();
    const third = gate.admit();
    expect(await settledSoon(second)).toBe("pending");
    // Two calls are live now (the first among them): the cap, not the pace, answers both waiting.
    calls.live = 2;
    gate.streamOpened();
    expect(await settledSoon(second)).toEqual({ value: "max_calls" });
    expect(await settledSoon(third)).toEqual({ value: "max_calls" });
  });

  it("refuses at once, without waiting its turn, a call the limits refuse anyway", async () => {
    const { gate, calls } = gateFor({ maxCalls: 2 }, { maxSetupsInFlight: 1, paceWaitMs: 5_000 });
    expect(await gate.admit()).toBeNull();
    calls.live = 1;
    expect(await settledSoon(gate.admit())).toEqual({ value: "max_calls" });
  });

  it("does not pace check() (browser and eval calls) nor a webhook while setups are under the limit", async () => {
    const { gate } = gateFor({ maxCalls: 100 }, { maxSetupsInFlight: 1, paceWaitMs: 5_000 });
    expect(await settledSoon(gate.admit())).toEqual({ value: null });
    expect(gate.check()).toBeNull();
  });
});
