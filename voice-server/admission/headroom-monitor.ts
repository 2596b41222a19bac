import { monitorEventLoopDelay, performance, type Histogram } from "node:perf_hooks";
import { HeadroomPolicy, type TAdmissionDecision, type TAdmissionLimits } from "./headroom-policy";

// Feeds a HeadroomPolicy with this process's own figures, every CPU_SAMPLE_MS: how late a timer every
// LOOP_SAMPLE_MS fired since the last read (the event-loop delay), and how much CPU the process used.
//
// The loop is sampled by node:perf_hooks' native histogram, not a JavaScript timer: its libuv timer records each
// interval without running any JavaScript, and a JavaScript timer 100 times a second cost about as much CPU as
// the calls themselves at low load (bench:voice --compare). Started in the same tick as the server's own
// histogram (voice-server/server.ts), both fire in the same loop iteration: no wakeup of their own. The policy
// gets each read as a distribution (loopDelaySlice), so its p99 is still over every 10 ms sample of the window.

const LOOP_SAMPLE_MS = 10;
const CPU_SAMPLE_MS = 250;

export type THeadroomMonitor = {
  readonly policy: HeadroomPolicy;
  decide(): TAdmissionDecision;
  headroom(): ReturnType<HeadroomPolicy["headroom"]>;
  admitted(): void;
  refused(): void;
  streamOpened(): void;
  released(): void;
  setupsInFlight(): number;
  stop(): void;
};

// A histogram's samples as a few (delay, count) pairs: each step of its percentile distribution counts at the
// step's upper value (never under-reporting a delay), as the delay beyond the sampling interval.
export function loopDelaySlice(histogram: Pick<Histogram, "count" | "percentiles">, intervalMs: number): { delayMs: number; count: number }[] {
  const count = histogram.count;
  if (count === 0) return [];
  const slice: { delayMs: number; count: number }[] = [];
  let below = 0;
  for (const [percentile, valueNs] of histogram.percentiles) {
    const share = (percentile - below) / 100;
    below = percentile;
    if (share > 0) slice.push({ delayMs: valueNs / 1e6 - intervalMs, count: share * count });
  }
  return slice;
}

export function startHeadroomMonitor(limits: TAdmissionLimits, liveCalls: () => number): THeadroomMonitor {
  const policy = new HeadroomPolicy(limits);
  const cpuTotalMs = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  };
  const loop = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
  loop.enable();
  // What the histogram saw since the last read, into the policy (also before each decision, so it sees the
  // samples of the last moments too).
  const readLoop = (now: number) => {
    if (loop.count === 0) return;
    policy.recordLoopDelays(now, loopDelaySlice(loop, LOOP_SAMPLE_MS));
    loop.reset();
  };
  const sample = () => {
    const now = performance.now();
    readLoop(now);
    policy.recordCpu(now, cpuTotalMs(), liveCalls());
  };
  policy.recordCpu(performance.now(), cpuTotalMs(), liveCalls());
  const cpuTimer = setInterval(sample, CPU_SAMPLE_MS);
  cpuTimer.unref();
  return {
    policy,
    decide: () => {
      const now = performance.now();
      readLoop(now);
      return policy.decide(now, liveCalls());
    },
    headroom: () => {
      const now = performance.now();
      readLoop(now);
      return policy.headroom(now, liveCalls());
    },
    admitted: () => policy.admitted(performance.now()),
    refused: () => policy.refused(performance.now()),
    streamOpened: () => policy.streamOpened(),
    released: () => policy.released(),
    setupsInFlight: () => policy.setupsInFlight(performance.now()),
    stop() {
      loop.disable();
      clearInterval(cpuTimer);
    },
  };
}
