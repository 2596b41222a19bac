import type { TLogger } from "@/voice-server/observability/log";

// Work of this process that no live call waits for (a refused call's voicemail and caller entry, its post-call
// hooks) runs a few jobs at a time, each after the event loop has served what was waiting (I/O first), so a burst
// of it is spread over time instead of taking the loop from the calls held: under bench:voice's overload step, 250
// refused calls brought about 20 database round trips each (record, caller entry, voicemail, message, finalize,
// webhooks, analysis job) all at once, while the admitted calls began to talk.
// A job someone waits for (run: a webhook's answer) goes before the ones nobody does (defer). Jobs should be the
// database work itself: a job that waits on something slow (a download retried after a second) holds its place.
// Nothing is dropped: a job waits its turn however long the queue is; the queue is in memory, like the
// fire-and-forget promises it replaces.

export type TDeferredWork = {
  // Runs `job` in its turn and settles with it.
  run<T>(job: () => Promise<T>): Promise<T>;
  // Runs `job` in its turn; a failure is logged under `what`.
  defer(what: string, job: () => Promise<unknown>): void;
  readonly running: number;
  readonly queued: number;
  // Settles when nothing is queued or running (shutdown, tests).
  idle(): Promise<void>;
};

export function createDeferredWork(options: { concurrency: number; log: TLogger }): TDeferredWork {
  if (!(options.concurrency >= 1)) throw new Error("deferred work needs a concurrency of at least 1");
  const waited: (() => void)[] = [];
  const background: (() => void)[] = [];
  let running = 0;
  let idleWaiters: (() => void)[] = [];

  const startNext = () => {
    if (running >= options.concurrency) return;
    const next = waited.shift() ?? background.shift();
    if (next) {
      running++;
      // After the I/O callbacks waiting now (media frames, timers of live calls).
      setImmediate(next);
      return;
    }
    if (running === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  };

  const enqueue = <T>(queue: (() => void)[], job: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push(() => {
        let settled: Promise<T>;
        try {
          settled = job();
        } catch (error) {
          settled = Promise.reject(error);
        }
        settled.then(resolve, reject).finally(() => {
          running--;
          startNext();
        });
      });
      startNext();
    });

  return {
    run: (job) => enqueue(waited, job),
    defer(what, job) {
      enqueue(background, job).catch((error: unknown) => options.log.warn(`${what} failed`, { error }));
    },
    get running() {
      return running;
    },
    get queued() {
      return waited.length + background.length;
    },
    idle: () =>
      running === 0 && waited.length + background.length === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => idleWaiters.push(resolve)),
  };
}
