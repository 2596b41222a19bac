import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TCapacity } from "./bench-voice-capacity";
import { OVERHEAD_FORMULA, TARGETS, analysisStatuses, type TDrain } from "./bench-voice-figures";
import { PRIORITY, SCRIPT, TURN_CYCLE_MS, type TBench, type TTarget } from "./bench-voice-harness";
import type { TLatency } from "./bench-voice-latency";
import type { TOverload } from "./bench-voice-overload";
import { compareMarkdown, compareTable, markdown, table, type TCompareOutput, type TOutput, type TRun } from "./bench-voice-report";
import { turnTargets, type TTurnTaking } from "./bench-voice-turns";

// bench:voice's results: bench/results/voice.{json,md} (voice-compare.* with --compare), the verdicts against
// TARGETS, and the table printed at the end. The Markdown itself is bench-voice-report.ts.

export const RESULTS_DIR = path.join(process.cwd(), "bench", "results");

// --rewrite-md: the Markdown again from the JSON files, after a change to the report.
export function rewriteMarkdown(): void {
  const output = JSON.parse(fs.readFileSync(path.join(RESULTS_DIR, "voice.json"), "utf8")) as TOutput;
  fs.writeFileSync(path.join(RESULTS_DIR, "voice.md"), markdown(output));
  const compared = path.join(RESULTS_DIR, "voice-compare.json");
  if (fs.existsSync(compared)) {
    fs.writeFileSync(path.join(RESULTS_DIR, "voice-compare.md"), compareMarkdown(JSON.parse(fs.readFileSync(compared, "utf8")) as TCompareOutput));
  }
}

export type TPhaseResults = {
  latencyOf: Map<TTarget, TLatency>;
  turnsOf: Map<TTarget, TTurnTaking>;
  capacityOf: (target: TTarget) => TCapacity;
  overload: TOverload;
  drainOf: Map<TTarget, TDrain>;
};

export async function writeResults(bench: TBench, phases: TPhaseResults, machineAtStart: { loadAverageAtStart: number[]; isPinned: boolean }): Promise<void> {
  const { options, targets, startedAt } = bench;
  const current = targets[0]!;
  const { overloadCalls, overloadEnv, overloadOf } = phases.overload;
  const runOf = async (target: TTarget): Promise<TRun> => {
    const latency = phases.latencyOf.get(target)!;
    const { stages, otherCpuPercent, ...latencyFigures } = latency;
    void otherCpuPercent;
    return {
      commit: target.tree.commit,
      ref: target.tree.ref,
      idleRssMb: Math.round((target.idleRssKb / 1024) * 10) / 10,
      latency: latencyFigures,
      serverStages: stages,
      capacity: phases.capacityOf(target),
      overload: overloadOf.get(target) ?? null,
      drain: phases.drainOf.get(target) ?? null,
      turnTaking: phases.turnsOf.get(target) ?? null,
      postCallAnalysisAtEnd: await analysisStatuses(target.databaseUrl),
    };
  };
  const machine = {
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    date: new Date().toISOString(),
    commit: current.tree.commit,
    loadAverageAtStart: machineAtStart.loadAverageAtStart,
    isPinned: machineAtStart.isPinned,
    priority: bench.isPrioritized ? PRIORITY : 0,
  };
  const latencyPhase = { calls: options.latencyCalls, concurrency: options.latencyConcurrency, otherCpuPercent: phases.latencyOf.get(current)!.otherCpuPercent };
  const durationS = () => Math.round((Date.now() - startedAt) / 1000);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  if (targets.length > 1) {
    const output: TCompareOutput = {
      machine,
      setup: { isQuick: options.isQuick, turnCycleMs: TURN_CYCLE_MS, latencyPhase, steps: options.steps, overloadCalls, admissionEnv: overloadEnv },
      current: await runOf(current),
      previous: await runOf(targets[1]!),
      durationS: durationS(),
    };
    fs.writeFileSync(path.join(RESULTS_DIR, "voice-compare.json"), `${JSON.stringify(output, null, 2)}\n`);
    fs.writeFileSync(path.join(RESULTS_DIR, "voice-compare.md"), compareMarkdown(output));
    process.stdout.write(`\n${compareTable(output)}\n\nWrote bench/results/voice-compare.json and bench/results/voice-compare.md (${output.durationS} s)\n`);
    return;
  }
  const run = await runOf(current);
  const capacityStep = run.capacity.steps.find((s) => s.concurrent === run.capacity.maxConcurrentCalls) ?? run.capacity.steps.at(-1) ?? null;
  const targetsMet = {
    overheadP99: { target: `<= ${TARGETS.overheadP99Ms} ms`, value: run.latency.overheadMs?.p99 ?? null, isMet: (run.latency.overheadMs?.p99 ?? Infinity) <= TARGETS.overheadP99Ms },
    bargeInP95: { target: `<= ${TARGETS.bargeInP95Ms} ms`, value: run.latency.bargeInMs?.p95 ?? null, isMet: (run.latency.bargeInMs?.p95 ?? Infinity) <= TARGETS.bargeInP95Ms },
    callsPerCore: { target: `>= ${TARGETS.callsPerCore}`, value: run.capacity.maxConcurrentCalls, isMet: run.capacity.maxConcurrentCalls >= TARGETS.callsPerCore },
    mbPerCall: {
      target: `<= ${TARGETS.mbPerCall} MB`,
      value: capacityStep?.mbPerCall ?? null,
      isMet: capacityStep !== null && capacityStep.mbPerCall <= TARGETS.mbPerCall,
      note: capacityStep ? `at ${capacityStep.concurrent} calls` : undefined,
    },
    ...(run.drain
      ? {
          drainS: {
            target: `<= ${TARGETS.drainS} s`,
            value: run.drain.drainedInS,
            isMet: run.drain.drainedInS !== null && run.drain.drainedInS <= TARGETS.drainS,
            note: `${run.drain.pendingAtStart} analyses pending after the last step`,
          },
        }
      : {}),
    ...(run.turnTaking ? turnTargets(run.turnTaking) : {}),
  };
  const output: TOutput = {
    machine,
    setup: {
      overheadFormula: OVERHEAD_FORMULA,
      script: SCRIPT.steps,
      turnCycleMs: TURN_CYCLE_MS,
      latencyPhase,
      idleRssMb: run.idleRssMb,
      admissionEnv: overloadEnv,
    },
    latency: run.latency,
    serverStages: run.serverStages,
    capacity: run.capacity,
    overload: run.overload,
    drain: run.drain,
    turnTaking: run.turnTaking,
    postCallAnalysisAtEnd: run.postCallAnalysisAtEnd,
    targets: targetsMet,
    durationS: durationS(),
  };
  // A quick run is for a developer's eyes; the committed figures come from full runs.
  if (!options.isQuick) {
    fs.writeFileSync(path.join(RESULTS_DIR, "voice.json"), `${JSON.stringify(output, null, 2)}\n`);
    fs.writeFileSync(path.join(RESULTS_DIR, "voice.md"), markdown(output));
  }
  process.stdout.write(
    `\n${table(output)}\n\n${options.isQuick ? "--quick: bench/results/voice.{json,md} left as they were" : "Wrote bench/results/voice.json and bench/results/voice.md"} (${output.durationS} s)\n`,
  );
}
