import { describe, expect, it } from "vitest";
import { loopDelaySlice, startHeadroomMonitor } from "./headroom-monitor";

const ms = (value: number) => value * 1e6;

describe("loopDelaySlice", () => {
  it("turns a histogram's percentile steps into counts of delays beyond the interval, each step at its upper value", () => {
    const percentiles = new Map([
      [0, ms(10.1)],
      [50, ms(10.1)],
      [75, ms(10.2)],
      [87.5, ms(12)],
      [100, ms(45)],
    ]);
    const slice = loopDelaySlice({ count: 24, percentiles }, 10);
    expect(slice.map((s) => [Number(s.delayMs.toFixed(3)), s.count])).toEqual([
      [0.1, 12],
      [0.2, 6],
      [2, 3],
      [35, 3],
    ]);
    expect(loopDelaySlice({ count: 0, percentiles: new Map() }, 10)).toEqual([]);
  });
});

describe("startHeadroomMonitor", () => {
  it("sees the event loop stall: a 120 ms busy stretch among half a second of idle 10 ms samples", async () => {
    const monitor = startHeadroomMonitor({ maxLoopDelayMs: 25, maxCpu: null, maxCalls: null, windowMs: 5_000 }, () => 0);
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const busyUntil = performance.now() + 120;
      while (performance.now() < busyUntil) {
        // the loop is blocked
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      const decision = monitor.decide();
      expect(decision.headroom.loopDelayP99Ms).toBeGreaterThan(60);
      expect(decision).toMatchObject({ isAdmitted: false, reason: "loop_delay" });
    } finally {
      monitor.stop();
    }
  });
});
