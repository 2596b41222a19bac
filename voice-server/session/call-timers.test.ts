import { afterEach, describe, expect, it, vi } from "vitest";
import { DtmfGather, SilenceWatch } from "./call-timers";

afterEach(() => {
  vi.useRealTimers();
});

describe("SilenceWatch", () => {
  it("fires once after the timeout; re-arming or hearing the caller starts it over", () => {
    vi.useFakeTimers();
    let fired = 0;
    const watch = new SilenceWatch(1_000, () => fired++);
    watch.arm();
    vi.advanceTimersByTime(900);
    watch.arm();
    vi.advanceTimersByTime(900);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(100);
    expect(fired).toBe(1);
    watch.prompts = 1;
    watch.arm();
    watch.heardCaller();
    vi.advanceTimersByTime(5_000);
    expect([fired, watch.prompts]).toEqual([1, 0]);
  });
});

describe("DtmfGather", () => {
  it("hands digits pressed in a quick run over as one event", () => {
    vi.useFakeTimers();
    const runs: string[][] = [];
    const gather = new DtmfGather(600, (digits) => runs.push(digits));
    gather.push("1");
    vi.advanceTimersByTime(500);
    gather.push("2");
    vi.advanceTimersByTime(500);
    gather.push("3");
    vi.advanceTimersByTime(600);
    gather.push("#");
    gather.stop();
    vi.advanceTimersByTime(1_000);
    expect(runs).toEqual([["1", "2", "3"]]);
  });
});
