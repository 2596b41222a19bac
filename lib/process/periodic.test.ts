import { afterEach, describe, expect, it } from "vitest";
import { startPeriodic, type TPeriodic } from "./periodic";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("startPeriodic", () => {
  const started: TPeriodic[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((p) => p.stop()));
  });
  const start = (options: Parameters<typeof startPeriodic>[0]) => {
    const periodic = startPeriodic(options);
    started.push(periodic);
    return periodic;
  };

  it("never runs two passes at once, even when a pass outlasts the interval or runNow is called meanwhile", async () => {
    let live = 0;
    let most = 0;
    let passes = 0;
    const errors: unknown[] = [];
    const periodic = start({
      intervalMs: 5,
      onError: (error) => errors.push(error),
      run: async () => {
        live++;
        most = Math.max(most, live);
        await sleep(30);
        live--;
        passes++;
      },
    });
    const manual = [periodic.runNow(), periodic.runNow()];
    await sleep(150);
    await Promise.all(manual);
    expect(most).toBe(1);
    expect(passes).toBeGreaterThanOrEqual(3);
    expect(errors).toEqual([]);
  });

  it("runNow starts a fresh pass after the one in progress, and callers at the same time share it", async () => {
    const gate = deferred();
    const seen: number[] = [];
    let value = 0;
    let calls = 0;
    const periodic = start({
      intervalMs: 60_000,
      onError: () => {},
      run: async () => {
        calls++;
        const atStart = value;
        if (calls === 1) await gate.promise;
        seen.push(atStart);
      },
    });
    await sleep(5);
    value = 1;
    const a = periodic.runNow();
    const b = periodic.runNow();
    expect(b).toBe(a);
    gate.resolve();
    await a;
    // The first pass began before the change; the one runNow asked for saw it.
    expect(seen).toEqual([0, 1]);
    expect(calls).toBe(2);
  });

  it("stop waits for the pass in progress and no timed pass follows", async () => {
    const gate = deferred();
    let passes = 0;
    let isDone = false;
    const periodic = start({
      intervalMs: 5,
      onError: () => {},
      run: async () => {
        passes++;
        await gate.promise;
        isDone = true;
      },
    });
    await sleep(5);
    let isStopped = false;
    const stopping = periodic.stop().then(() => (isStopped = true));
    await sleep(20);
    expect(isStopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(isDone).toBe(true);
    await sleep(40);
    expect(passes).toBe(1);
  });

  it("a failing pass is reported and the loop goes on; runNow hands its caller the error", async () => {
    const errors: unknown[] = [];
    let passes = 0;
    const periodic = start({
      intervalMs: 5,
      onError: (error) => errors.push(error),
      run: async () => {
        passes++;
        if (passes <= 2) throw new Error(`pass ${passes} failed`);
      },
    });
    await sleep(60);
    expect(errors.map((e) => (e as Error).message)).toEqual(["pass 1 failed", "pass 2 failed"]);
    expect(passes).toBeGreaterThan(3);
    await periodic.stop();
    const failing = startPeriodic({ intervalMs: 60_000, runAtStart: false, onError: () => {}, run: () => Promise.reject(new Error("asked")) });
    started.push(failing);
    await expect(failing.runNow()).rejects.toThrow("asked");
  });

  it("a throwing onError neither stops the loop nor leaks an unhandled rejection", async () => {
    let passes = 0;
    start({
      intervalMs: 5,
      onError: () => {
        throw new Error("the logger is broken");
      },
      run: async () => {
        passes++;
        throw new Error("pass failed");
      },
    });
    await sleep(50);
    expect(passes).toBeGreaterThan(2);
  });

  it("waits intervalMs before the first pass when runAtStart is false, and does not keep the process alive", async () => {
    let passes = 0;
    const periodic = start({ intervalMs: 40, runAtStart: false, onError: () => {}, run: async () => void passes++ });
    await sleep(10);
    expect(passes).toBe(0);
    await sleep(60);
    expect(passes).toBe(1);
    await periodic.stop();
    // The only thing this process would wait on is the periodic timer: with it unref'd the child exits at once.
    const { spawnSync } = await import("node:child_process");
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", "-e", `import("${new URL("./periodic.ts", import.meta.url).pathname}").then((m) => m.startPeriodic({ intervalMs: 10, onError() {}, run: async () => {} }))`],
      { timeout: 20_000, encoding: "utf8" },
    );
    expect(child.error).toBeUndefined();
    expect(child.status).toBe(0);
  });

  it("refuses a non-positive interval", () => {
    expect(() => startPeriodic({ intervalMs: 0, onError: () => {}, run: async () => {} })).toThrow(/intervalMs/);
  });
});
