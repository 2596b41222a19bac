import { analysisStatuses, drainSummary, measureDrain, round1, type TDrain } from "./bench-voice-figures";
import type { TBench, TTarget } from "./bench-voice-harness";
import { tail } from "./bench-voice-process";

// The last phase of bench:voice: the post-call analysis backlog the steps left. The worker (or, for an older
// commit, the voice server's own analysis) works through it; this times how long until none is pending.

export async function runDrainPhase(bench: TBench): Promise<Map<TTarget, TDrain>> {
  const { options, say } = bench;
  const drainOf = new Map<TTarget, TDrain>();
  if (options.drainTimeoutMs <= 0) return drainOf;
  for (const target of bench.targets) {
    await bench.focus(target);
    const analyzer = target.worker ? "the worker" : "the voice server (no worker in that commit)";
    say(`${target.tree.label}: waiting up to ${options.drainTimeoutMs / 1000} s for pending analyses to reach 0 (analyzed by ${analyzer})`);
    if (target.worker?.exited) throw new Error(`${target.tree.label} worker ${target.worker.exited}:\n${tail(target.worker.log)}`);
    const drainStartedAt = Date.now();
    const workerCpuBefore = bench.workerCpuMs(target);
    const drain: TDrain = await measureDrain(target.databaseUrl, options.drainTimeoutMs);
    if (target.worker) {
      const drainCpuMs = bench.workerCpuMs(target) - workerCpuBefore;
      const runCpuMs = bench.workerCpuMs(target) - target.worker.readyCpuMs;
      const analyzed = (await analysisStatuses(target.databaseUrl)).done ?? 0;
      drain.worker = {
        drainCpuS: round1(drainCpuMs / 1000)!,
        drainCpuPercent: Math.round((drainCpuMs / Math.max(1, Date.now() - drainStartedAt)) * 100),
        runCpuS: round1(runCpuMs / 1000)!,
        analyzed,
        cpuMsPerAnalysis: analyzed > 0 ? Math.round(runCpuMs / analyzed) : null,
      };
    } else {
      drain.worker = null;
    }
    drainOf.set(target, drain);
    say(`  ${drainSummary(drain)}`);
  }
  return drainOf;
}
