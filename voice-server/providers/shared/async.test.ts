import { describe, expect, it } from "vitest";
import { abortError, backoffMs, EventQueue, sleep } from "./async";

describe("provider helpers", () => {
  it("sleep ends early when the signal aborts", async () => {
    const controller = new AbortController();
    const started = performance.now();
    const sleeping = sleep(10_000, controller.signal);
    setTimeout(() => controller.abort(), 20);
    await sleeping;
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("backoff doubles per attempt, stays under its cap and within its jitter", () => {
    expect(backoffMs({ baseMs: 100, attempt: 0, jitter: 0.25 }, () => 0.5)).toBe(100);
    expect(backoffMs({ baseMs: 100, attempt: 3, jitter: 0.25 }, () => 0.5)).toBe(800);
    expect(backoffMs({ baseMs: 100, attempt: 5, maxMs: 800, jitter: 0.25 }, () => 0.5)).toBe(800);
    expect(backoffMs({ baseMs: 100, attempt: 5, maxMs: 800, jitter: 0.25 }, () => 0)).toBe(600);
    expect(backoffMs({ baseMs: 100, attempt: 5, maxMs: 800, jitter: 0.25 }, () => 0.999999)).toBe(1000);
  });

  it("the event queue hands events to a waiting reader, keeps order, and ends after what was queued", async () => {
    const queue = new EventQueue<number>();
    const read = (async () => {
      const seen: number[] = [];
      for await (const n of queue) seen.push(n);
      return seen;
    })();
    queue.push(1);
    await Promise.resolve();
    queue.push(2);
    queue.push(3);
    queue.end();
    queue.push(4);
    expect(await read).toEqual([1, 2, 3]);
  });

  it("abort errors are the DOM kind fetch and streams throw", () => {
    expect(abortError()).toMatchObject({ name: "AbortError" });
  });
});
