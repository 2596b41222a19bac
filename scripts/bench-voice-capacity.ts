import { distribution } from "@/tests/sim/stats";
import { TARGETS, cpuPerCallMinute, figures, isRefusedBusy, round1, serverStages, wireMinusServer, type TStep } from "./bench-voice-figures";
import { TURN_CYCLE_MS, type TBench, type TTarget } from "./bench-voice-harness";
import type { TLatency } from "./bench-voice-latency";
import { cpuMs, machineBusyMs, rssKb, serverCounterByLabel, serverMetrics } from "./bench-voice-process";
import type { TRun } from "./bench-voice-report";

// Phase 2 of bench:voice: capacity, in steps of concurrent calls, until the time budget ends or the server is
// plainly overloaded. runStep also serves the overload step (bench-voice-overload.ts).

// One step: `concurrent` calls held at once on `target`, with the figures of the step and its verdict against
// TARGETS (`baselineOverheadMs`: the server's overhead at low load, for what the load added to it).
export async function runStep(bench: TBench, target: TTarget, concurrent: number, baselineOverheadMs: number): Promise<TStep> {
  const { scheduler, providerFakes, say } = bench;
  scheduler.resetTickLag();
  const stepStartedAt = Date.now();
  const cpuBefore = cpuMs(target.pid);
  const workerCpuBefore = bench.workerCpuMs(target);
  const selfCpuBefore = bench.simulatorCpuMs();
  const busyBefore = machineBusyMs();
  await providerFakes.takeTimings();
  const pacerLateBefore = (await serverMetrics(target.baseUrl, ["voice_pacer_late_frames_total"])).voice_pacer_late_frames_total;
  const refusedBefore = await serverCounterByLabel(target.baseUrl, "voice_admission_refused_total", "reason");
  const stepSince = new Date();
  let peakRssKb = 0;
  let peakActive = 0;
  let isSampling = true;
  const sampler = (async () => {
    while (isSampling) {
      try {
        peakRssKb = Math.max(peakRssKb, rssKb(target.pid));
      } catch {
        // the server exited; reported below
      }
      peakActive = Math.max(peakActive, scheduler.size);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  // Calls connect over a few seconds (setting up hundreds at once is a different test) and hold silently until
  // all are up. Each then starts its conversation at a random phase of one turn cycle, as calls in steady
  // conversation are, and holds again after its last answer until the latest one is done, so every measured
  // turn happens with all N calls live.
  const spreadMs = Math.min(8000, concurrent * 25);
  const outcomes = await Promise.all(
    Array.from({ length: concurrent }, async (_, i) => {
      const startAtMs = (i * spreadMs) / concurrent;
      await new Promise((resolve) => setTimeout(resolve, startAtMs));
      const phaseMs = Math.random() * TURN_CYCLE_MS;
      return bench.oneCall(target, Math.round(spreadMs - startAtMs + 500 + phaseMs), Math.round(TURN_CYCLE_MS - phaseMs));
    }),
  );
  isSampling = false;
  await sampler;
  const durationMs = Date.now() - stepStartedAt;
  const serverCpu = cpuMs(target.pid) - cpuBefore;
  const cpuPercent = (serverCpu / durationMs) * 100;
  const selfCpu = bench.simulatorCpuMs() - selfCpuBefore;
  const otherCpuPercent = ((machineBusyMs() - busyBefore - serverCpu - selfCpu) / durationMs) * 100;
  const workerCpuPercent = target.worker ? Math.round(((bench.workerCpuMs(target) - workerCpuBefore) / durationMs) * 100) : null;
  // The server's event-loop delay over the step (its histogram restarted at the scrape before the step).
  const after = await serverMetrics(target.baseUrl, ["voice_event_loop_lag_p99_ms", "voice_event_loop_lag_max_ms", "voice_pacer_late_frames_total"]);
  const refusedAfter = await serverCounterByLabel(target.baseUrl, "voice_admission_refused_total", "reason");
  await bench.settle(target);
  const pacerLateAfter = after.voice_pacer_late_frames_total;
  const answered = outcomes.flatMap((o) => (o.result ? [o.result] : []));
  const refusedBusy = answered.filter(isRefusedBusy).length;
  const refusedUnavailable = outcomes.filter((o) => o.isUnavailable).length;
  const results = answered.filter((r) => !isRefusedBusy(r));
  const failed = outcomes.length - answered.length - refusedUnavailable;
  const f = figures(results, failed, scheduler);
  const common: string[] = [];
  if (f.failedCalls > 0) common.push(`${f.failedCalls} calls failed`);
  if (f.lateFrames > 0) common.push(`${f.lateFrames} late frames (worst ${f.worstLateMs} ms)`);
  if (f.simulatorTickLagMs.p99 > 20) common.push(`simulator could not keep up (tick lag p99 ${f.simulatorTickLagMs.p99} ms)`);
  const otherEnds = Object.entries(f.endedBy).filter(([by]) => by !== "caller");
  if (otherEnds.length) common.push(`calls ended by ${otherEnds.map(([by, n]) => `${by} (${n})`).join(", ")}`);
  const failReasons = [...common];
  if (!f.overheadMs || f.overheadMs.p99 > TARGETS.overheadP99Ms) failReasons.unshift(`overhead p99 ${f.overheadMs?.p99 ?? "n/a"} ms`);
  const addedP99 = f.overheadMs ? Math.round((f.overheadMs.p99 - baselineOverheadMs) * 10) / 10 : null;
  const addedFailReasons = [...common];
  if (addedP99 === null || addedP99 > TARGETS.overheadP99Ms) addedFailReasons.unshift(`load added ${addedP99 ?? "n/a"} ms to overhead p99`);
  const step: TStep = {
    ...f,
    concurrent,
    offered: concurrent,
    admitted: results.length,
    refused: { busy: refusedBusy, unavailable: refusedUnavailable },
    refusedByReason: Object.fromEntries(Object.entries(refusedAfter).map(([reason, n]) => [reason, n - (refusedBefore[reason] ?? 0)])),
    peakActiveCalls: peakActive,
    rssPeakMb: Math.round((peakRssKb / 1024) * 10) / 10,
    mbPerCall: results.length > 0 ? Math.round(((peakRssKb - target.idleRssKb) / 1024 / results.length) * 100) / 100 : 0,
    serverCpuPercent: Math.round(cpuPercent),
    cpuSecondsPerCallMinute: cpuPerCallMinute(serverCpu, results),
    otherCpuPercent: Math.max(0, Math.round(otherCpuPercent)),
    workerCpuPercent,
    simulatorCpuPercent: Math.round((selfCpu / durationMs) * 100),
    serverPacerLateFrames: pacerLateBefore !== null && pacerLateAfter !== null ? pacerLateAfter - pacerLateBefore : null,
    serverLoopLagMs: { p99: round1(after.voice_event_loop_lag_p99_ms), max: round1(after.voice_event_loop_lag_max_ms) },
    serverStages: await serverStages(target.databaseUrl, stepSince),
    wireMinusServerMs: await wireMinusServer(target.databaseUrl, results),
    fakeStages: await providerFakes.takeTimings().then((t) => ({
      sttMs: distribution(t.sttMs),
      llmMs: distribution(t.llmMs),
      ttsMs: distribution(t.ttsMs),
    })),
    durationS: Math.round(durationMs / 1000),
    isPassing: failReasons.length === 0,
    failReasons,
    loadAddedOverheadP99Ms: addedP99,
    isPassingLoadAdded: addedFailReasons.length === 0,
  };
  say(
    `  ${target.tree.label}: ${refusedBusy + refusedUnavailable > 0 ? `admitted ${results.length}, refused ${refusedBusy} busy + ${refusedUnavailable} 503 (${JSON.stringify(step.refusedByReason)}); ` : ""}` +
      `overhead p99 ${f.overheadMs?.p99 ?? "n/a"} ms, v2v p50 ${f.voiceToVoiceMs?.p50 ?? "n/a"} ms, late frames ${f.lateFrames}, server CPU ${step.serverCpuPercent}% ` +
      `(${step.cpuSecondsPerCallMinute} s per call-minute), RSS ${step.rssPeakMb} MB (${step.mbPerCall} MB/call), simulator tick lag p99 ${f.simulatorTickLagMs.p99} ms ` +
      `(CPU ${step.simulatorCpuPercent}%), other processes ${step.otherCpuPercent}% CPU${step.workerCpuPercent != null ? ` (worker ${step.workerCpuPercent}%)` : ""}, server stages p95: STT ${step.serverStages.sttMs?.p95} ` +
      `LLM ${step.serverStages.llmMs?.p95} TTS ${step.serverStages.ttsMs?.p95} (fakes' own p95: ${step.fakeStages?.sttMs?.p95} / ${step.fakeStages?.llmMs?.p95} / ` +
      `${step.fakeStages?.ttsMs?.p95}), server pacer late ${step.serverPacerLateFrames}, server event-loop lag p99/max ${step.serverLoopLagMs.p99}/${step.serverLoopLagMs.max} ms ` +
      `-> ${step.isPassing ? "PASS" : `FAIL (${failReasons.join("; ")})`}`,
  );
  return step;
}

export type TCapacity = TRun["capacity"];

export async function runCapacityPhase(bench: TBench, latencyOf: Map<TTarget, TLatency>): Promise<(target: TTarget) => TCapacity> {
  const { options, targets, say } = bench;
  const stepsOf = new Map<TTarget, TStep[]>(targets.map((t) => [t, []]));
  const isStopped = new Set<TTarget>();
  const failuresInARow = new Map<TTarget, number>(targets.map((t) => [t, 0]));
  for (const [i, concurrent] of options.steps.entries()) {
    const estimatedMs = (40_000 + concurrent * 30) * targets.length;
    if (Date.now() - bench.startedAt + estimatedMs > options.budgetMs) {
      say(`phase 2: skipping ${concurrent} calls and above (time budget)`);
      break;
    }
    say(`phase 2: ${concurrent} concurrent calls`);
    for (const target of bench.inTurn(i)) {
      if (isStopped.has(target)) continue;
      await bench.focus(target);
      const step = await runStep(bench, target, concurrent, latencyOf.get(target)!.overheadMs?.p50 ?? 0);
      stepsOf.get(target)!.push(step);
      // Ramp on through failing steps (the time budget bounds the run) unless the server is plainly overloaded.
      const inARow = step.isPassingLoadAdded ? 0 : failuresInARow.get(target)! + 1;
      failuresInARow.set(target, inARow);
      if (inARow >= 2 && (step.serverCpuPercent >= 95 || step.failedCalls > concurrent / 10)) isStopped.add(target);
    }
    if (targets.every((t) => isStopped.has(t))) break;
  }
  return (target) => {
    const steps = stepsOf.get(target)!;
    const passing = steps.filter((s) => s.isPassing);
    const passingAdded = steps.filter((s) => s.isPassingLoadAdded);
    return {
      maxConcurrentCalls: passing.length ? Math.max(...passing.map((s) => s.concurrent)) : 0,
      maxConcurrentCallsLoadAdded: passingAdded.length ? Math.max(...passingAdded.map((s) => s.concurrent)) : 0,
      baselineOverheadMs: latencyOf.get(target)!.overheadMs?.p50 ?? 0,
      steps,
    };
  };
}
