import { performance } from "node:perf_hooks";
import { HeadroomPolicy, type TAdmissionDecision, type TAdmissionLimits } from "./headroom-policy";

// Feeds a HeadroomPolicy with this process's own figures: a timer every LOOP_SAMPLE_MS says how late the event
// loop runs, process.cpuUsage() every CPU_SAMPLE_MS how much CPU the process used.

const LOOP_SAMPLE_MS = 10;
const CPU_SAMPLE_MS = 250;

export type THeadroomMonitor = {
  readonly policy: HeadroomPolicy;
  decide(): TAdmissionDecision;
  headroom(): ReturnType<HeadroomPolicy["headroom"]>;
  admitted(): void;
  streamOpened(): void;
  released(): void;
  stop(): void;
};

export function startHeadroomMonitor(limits: TAdmissionLimits, liveCalls: () => number): THeadroomMonitor {
  const policy = new HeadroomPolicy(limits);
  const cpuTotalMs = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  };
  let lastTick = performance.now();
  const loopTimer = setInterval(() => {
    const now = performance.now();
    policy.recordLoopDelay(now, now - lastTick - LOOP_SAMPLE_MS);
    lastTick = now;
  }, LOOP_SAMPLE_MS);
  loopTimer.unref();
  policy.recordCpu(performance.now(), cpuTotalMs(), liveCalls());
  const cpuTimer = setInterval(() => policy.recordCpu(performance.now(), cpuTotalMs(), liveCalls()), CPU_SAMPLE_MS);
  cpuTimer.unref();
  return {
    policy,
    decide: () => policy.decide(performance.now(), liveCalls()),
    headroom: () => policy.headroom(performance.now(), liveCalls()),
    admitted: () => policy.admitted(performance.now()),
    streamOpened: () => policy.streamOpened(),
    released: () => policy.released(),
    stop() {
      clearInterval(loopTimer);
      clearInterval(cpuTimer);
    },
  };
}
