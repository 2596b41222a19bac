import { describe, expect, it, vi } from "vitest";
import type { TLogger } from "@/voice-server/observability/log";
import { createDeferredWork } from "./deferred-work";

function fakeLog() {
  const warnings: { message: string; fields: unknown }[] = [];
  const log = { warn: (message: string, fields: unknown) => warnings.push({ message, fields }) } as unknown as TLogger;
  return { log, warnings };
}

// A job that stays running until release() is called.
function gate() {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { done, release };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("deferred work", () => {
  it("runs at most `concurrency` jobs at a time, in the order they came, and settles each with its job", async () => {
    const { log } = fakeLog();
    const work = createDeferredWork({ concurrency: 2, log });
    const started: number[] = [];
    const gates = Array.from({ length: 5 }, () => gate());
    const results = gates.map((g, i) =>
      work.run(async () => {
        started.push(i);
        await g.done;
        return i * 10;
      }),
    );
    await tick();
    await tick();
    expect(started).toEqual([0, 1]);
    expect({ running: work.running, queued: work.queued }).toEqual({ running: 2, queued: 3 });
    gates[1]!.release();
    expect(await results[1]).toBe(10);
    await tick();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g.release();
    expect(await Promise.all(results)).toEqual([0, 10, 20, 30, 40]);
    await work.idle();
    expect({ running: work.running, queued: work.queued }).toEqual({ running: 0, queued: 0 });
  });

  it("starts a job only after the I/O and timers already waiting, never in the caller's own tick", async () => {
    const { log } = fakeLog();
    const work = createDeferredWork({ concurrency: 1, log });
    const order: string[] = [];
    void work.run(async () => void order.push("job"));
    order.push("caller");
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(["caller", "job"]);
  });

  it("rejects run() with its job's error, logs a deferred job's failure, and goes on with the next", async () => {
    const { log, warnings } = fakeLog();
    const work = createDeferredWork({ concurrency: 1, log });
    await expect(work.run(() => Promise.reject(new Error("db down")))).rejects.toThrow("db down");
    await expect(
      work.run(() => {
        throw new Error("thrown before any await");
      }),
    ).rejects.toThrow("thrown before any await");
    const next = vi.fn(async () => {});
    work.defer("caller entry update", () => Promise.reject(new Error("timeout")));
    work.defer("call finalized hook", next);
    await work.idle();
    expect(next).toHaveBeenCalledOnce();
    expect(warnings).toEqual([{ message: "caller entry update failed", fields: { error: new Error("timeout") } }]);
  });

  it("spreads a burst: a hundred jobs queued at once never run more than two at a time", async () => {
    const { log } = fakeLog();
    const work = createDeferredWork({ concurrency: 2, log });
    let running = 0;
    let peak = 0;
    for (let i = 0; i < 100; i++) {
      work.defer("job", async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 1));
        running--;
      });
    }
    expect(work.queued + work.running).toBe(100);
    await work.idle();
    expect(peak).toBe(2);
  });

  it("runs a job someone waits for before the background ones queued earlier", async () => {
    const { log } = fakeLog();
    const work = createDeferredWork({ concurrency: 1, log });
    const order: string[] = [];
    const first = gate();
    work.defer("busy", () => first.done);
    work.defer("hook 1", async () => void order.push("hook 1"));
    work.defer("hook 2", async () => void order.push("hook 2"));
    const answer = work.run(async () => {
      order.push("voicemail");
      return "answered";
    });
    first.release();
    expect(await answer).toBe("answered");
    await work.idle();
    expect(order).toEqual(["voicemail", "hook 1", "hook 2"]);
  });
});
