// A pass repeated in the background (a sweep, an outbox drain, a flush): one pass at a time, the next one
// `intervalMs` after the last ended (a slow database gets no pile of passes), a failed pass handed to `onError`
// and the loop going on, a timer that never keeps the process alive, and a stop that waits for the pass in progress.

export type TPeriodic<T = unknown> = {
  // A pass that starts after this call: the one already waiting to start, else a new one as soon as the pass in
  // progress ends. Rejects with that pass's error. Works after stop() too (a last pass on shutdown).
  runNow(): Promise<T>;
  // No more timed passes; resolves once the pass in progress (and any waiting one) has ended. Never rejects.
  stop(): Promise<void>;
};

export function startPeriodic<T>(options: {
  intervalMs: number;
  run: () => Promise<T>;
  onError: (error: unknown) => void;
  // A first pass at once (the default), or only after intervalMs.
  runAtStart?: boolean;
}): TPeriodic<T> {
  if (!Number.isFinite(options.intervalMs) || options.intervalMs <= 0) throw new Error(`periodic: intervalMs must be a positive number, got ${options.intervalMs}`);
  // Settles when the last pass started or queued has ended; never rejects.
  let tail: Promise<void> = Promise.resolve();
  let waiting: Promise<T> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let isStopped = false;

  const report = (error: unknown) => {
    try {
      options.onError(error);
    } catch {
      // A failing error handler must not turn into an unhandled rejection or stop the loop.
    }
  };

  const runNow = (): Promise<T> => {
    if (waiting) return waiting;
    const pass = tail.then(() => {
      waiting = null;
      return options.run();
    });
    waiting = pass;
    tail = pass.then(
      () => {},
      () => {},
    );
    return pass;
  };

  const timed = () => {
    timer = null;
    void runNow().catch(report).finally(schedule);
  };

  function schedule() {
    if (isStopped || timer) return;
    timer = setTimeout(timed, options.intervalMs);
    timer.unref();
  }

  if (options.runAtStart === false) schedule();
  else timed();

  return {
    runNow,
    stop: async () => {
      isStopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await tail;
    },
  };
}
