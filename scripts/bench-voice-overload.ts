import { ADMISSION_DEFAULTS } from "@/voice-server/env";
import { runStep, type TCapacity } from "./bench-voice-capacity";
import type { TStep } from "./bench-voice-figures";
import type { TBench, TTarget } from "./bench-voice-harness";
import type { TLatency } from "./bench-voice-latency";

// Phase 3 of bench:voice: a step beyond capacity, with admission control on.

// The capacity steps measure what the server can carry, so its admission control must not refuse there: limits it
// cannot reach keep its sampling running (its cost is part of the figures, as in production) without effect. The
// overload step restarts the server with its production defaults (the bench runs it with NODE_ENV=development,
// where they are off), adjusted by --admission-env.
export const ADMISSION_OBSERVE = { VOICE_ADMISSION_MAX_LOOP_DELAY_MS: "10000", VOICE_ADMISSION_MAX_CPU: "64" };
const ADMISSION_ON = Object.fromEntries(Object.entries(ADMISSION_DEFAULTS).map(([name, value]) => [name, String(value)]));

export type TOverload = { overloadCalls: number; overloadEnv: Record<string, string>; overloadOf: Map<TTarget, TStep> };

export async function runOverloadPhase(bench: TBench, capacityOf: (target: TTarget) => TCapacity, latencyOf: Map<TTarget, TLatency>): Promise<TOverload> {
  const { options, targets, say } = bench;
  const measured = capacityOf(targets[0]!).maxConcurrentCalls;
  const overloadCalls = options.overload ?? 2 * (measured || Math.max(...options.steps));
  // What the README recommends for production: the default limits, plus a hard cap at the calls per core this
  // machine measured (none when no step passed).
  const overloadEnv = { ...ADMISSION_ON, ...(measured > 0 ? { VOICE_MAX_CALLS: String(measured) } : {}), ...options.admissionEnv };
  const overloadOf = new Map<TTarget, TStep>();
  if (overloadCalls > 0 && Date.now() - bench.startedAt + (40_000 + overloadCalls * 30) * targets.length <= options.budgetMs) {
    say(
      `phase 3: ${overloadCalls} concurrent calls (${options.overload === null ? `twice the measured capacity of ${measured || "none; twice the largest step"}` : "--overload"}), ` +
        `admission control on (${Object.entries(overloadEnv).map(([k, v]) => `${k}=${v}`).join(" ")})`,
    );
    for (const target of bench.inTurn(options.steps.length)) {
      await bench.focus(target);
      await bench.stopServer(target);
      await bench.startServer(target, overloadEnv);
      await bench.warmUp(target);
      overloadOf.set(target, await runStep(bench, target, overloadCalls, latencyOf.get(target)!.overheadMs?.p50 ?? 0));
    }
  } else if (overloadCalls > 0) {
    say(`phase 3: skipping the ${overloadCalls}-call overload step (time budget)`);
  }
  return { overloadCalls, overloadEnv, overloadOf };
}
