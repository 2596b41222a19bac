import type { TSimCallResult } from "@/tests/sim/wire-log";
import { cpuPerCallMinute, figures, serverStages } from "./bench-voice-figures";
import type { TBench, TTarget } from "./bench-voice-harness";
import { cpuMs, machineBusyMs } from "./bench-voice-process";
import type { TRun } from "./bench-voice-report";

// Phase 1 of bench:voice: latency at low load.

export type TLatency = TRun["latency"] & { stages: TRun["serverStages"]; otherCpuPercent: number };

type TLatencyAcc = { results: TSimCallResult[]; failed: number; serverCpuMs: number; otherCpuMs: number; wallMs: number; since: Date | null };

export async function runLatencyPhase(bench: TBench): Promise<Map<TTarget, TLatency>> {
  const { options, targets, say } = bench;
  // In rounds of a few calls, alternating servers, so drift of the machine over the phase hits both alike.
  const roundSize = targets.length > 1 ? Math.max(options.latencyConcurrency, 4) : options.latencyCalls;
  const rounds = Math.ceil(options.latencyCalls / roundSize);
  say(`phase 1: ${options.latencyCalls} calls, ${options.latencyConcurrency} at a time${targets.length > 1 ? `, in ${rounds} rounds per server` : ""}`);
  const latencyAcc = new Map<TTarget, TLatencyAcc>(targets.map((t) => [t, { results: [], failed: 0, serverCpuMs: 0, otherCpuMs: 0, wallMs: 0, since: null }]));
  for (let round = 0; round < rounds; round++) {
    for (const target of bench.inTurn(round)) {
      if (Date.now() - bench.startedAt > options.budgetMs / 2) break;
      await bench.focus(target);
      const acc = latencyAcc.get(target)!;
      acc.since ??= new Date();
      const calls = Math.min(roundSize, options.latencyCalls - round * roundSize);
      const wallBefore = Date.now();
      const busyBefore = machineBusyMs();
      const serverBefore = cpuMs(target.pid);
      const ownBefore = bench.simulatorCpuMs();
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(options.latencyConcurrency, calls) }, async () => {
          while (next < calls) {
            next++;
            const { result } = await bench.oneCall(target);
            if (result) acc.results.push(result);
            else acc.failed++;
          }
        }),
      );
      await bench.settle(target);
      const serverCpu = cpuMs(target.pid) - serverBefore;
      acc.serverCpuMs += serverCpu;
      acc.otherCpuMs += machineBusyMs() - busyBefore - serverCpu - (bench.simulatorCpuMs() - ownBefore);
      acc.wallMs += Date.now() - wallBefore;
    }
  }
  const latencyOf = new Map<TTarget, TLatency>();
  for (const target of targets) {
    const acc = latencyAcc.get(target)!;
    const latency = figures(acc.results, acc.failed, bench.scheduler);
    const stages = await serverStages(target.databaseUrl, acc.since ?? new Date());
    const otherCpuPercent = Math.max(0, Math.round((acc.otherCpuMs / Math.max(1, acc.wallMs)) * 100));
    latencyOf.set(target, { ...latency, cpuSecondsPerCallMinute: cpuPerCallMinute(acc.serverCpuMs, acc.results), stages, otherCpuPercent });
    say(
      `  ${target.tree.label}: voice-to-voice p50 ${latency.voiceToVoiceMs?.p50} / p95 ${latency.voiceToVoiceMs?.p95} / p99 ${latency.voiceToVoiceMs?.p99} ms; ` +
        `overhead p99 ${latency.overheadMs?.p99} ms; barge-in p95 ${latency.bargeInMs?.p95} ms; late frames ${latency.lateFrames}; ` +
        `CPU ${cpuPerCallMinute(acc.serverCpuMs, acc.results)} s per call-minute; other processes ${otherCpuPercent}% CPU`,
    );
  }
  return latencyOf;
}
