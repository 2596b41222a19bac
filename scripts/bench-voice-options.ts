import path from "node:path";
import { parseArgs } from "node:util";

// bench:voice's command line.

export type TOptions = {
  latencyCalls: number;
  latencyConcurrency: number;
  steps: number[];
  budgetMs: number;
  isPinned: boolean;
  isPrioritized: boolean;
  profileServerDir: string | null;
  serverNodeArgs: string[];
  serverLogCopy: string | null;
  compareRef: string | null;
  // null: twice the measured capacity; 0: no overload step.
  overload: number | null;
  admissionEnv: Record<string, string>;
  drainTimeoutMs: number;
  isQuick: boolean;
  // The turn-taking phase: every n-th item of each turn set (1: all), 0 to skip it; --turns-only skips the rest.
  turnsEvery: number;
  isTurnsOnly: boolean;
  // Each turn-phase call's wire record and observations, for a developer reading why a turn counted as it did.
  turnsDetailFile: string | null;
};

const HELP = `Usage: npm run bench:voice -- [options]
  --latency-calls N        calls of the low-load latency phase (20; --quick: 6)
  --latency-concurrency N  of those, at a time (2)
  --steps A,B,...          concurrent calls of the capacity steps (50,100,150,200,250,300,400; --quick: 20,50)
  --overload N             concurrent calls of the step beyond capacity, run with admission control on
                           (default: twice the measured capacity; 0: skip it)
  --admission-env "K=V …"  admission settings for the overload step over its defaults (the production ones,
                           VOICE_ADMISSION_MAX_LOOP_DELAY_MS=25 VOICE_ADMISSION_MAX_CPU=0.75, and VOICE_MAX_CALLS
                           at the measured capacity), e.g. "VOICE_MAX_CALLS=0" (dynamic limits only) or
                           "VOICE_ADMISSION_REFUSE_WITH=unavailable"
  --drain-timeout-s N      after the last step, wait this long for pending analyses to reach 0 (120; --quick: 30)
  --turns-every N          turn-taking phase: every N-th turn of each set of tests/fixtures/turn-taking (1: all of
                           them, about 4-5 min per server; --quick: 3); 0 skips the phase
  --turns-only             warm up, run the turn-taking phase and print its figures; nothing else runs and
                           bench/results is left as it was
  --turns-detail FILE      write each turn-phase call's wire record (turns, clears, agent speech, marks) and
                           what each turn counted as to FILE (JSON)
  --budget-s N             time budget of the whole run (1080; --quick: 420; twice that with --compare)
  --compare REF            also run the voice server of git REF (e.g. HEAD~1, main, 8f2e576), interleaved with
                           this one on the same steps; writes bench/results/voice-compare.{json,md}. The
                           checkout stays in $TMPDIR/aica-bench-<commit> for the next run (a detached git
                           worktree: \`git worktree remove --force <dir>\` deletes it)
  --quick                  a short run for developers: the smaller defaults above; it does not overwrite
                           bench/results/voice.{json,md} (a --compare run still writes voice-compare.*)
  --no-pin                 do not pin the server to core 1 and the rest to core 0
  --no-priority            do not raise the priority (nice -10) of the server, the simulator and Postgres
  --profile-server DIR     write a V8 CPU profile of the voice server to DIR (open it in Chrome DevTools)
  --server-node-args="…"   extra node flags for the voice server (e.g. --server-node-args="--trace-gc")
  --server-log FILE        keep the (current) voice server's log there
  --rewrite-md             only rewrite bench/results/voice.md (and voice-compare.md) from the JSON files
                           (after a change to the report)
`;

export function readOptions(): TOptions {
  const { values } = parseArgs({
    options: {
      "latency-calls": { type: "string" },
      "latency-concurrency": { type: "string" },
      steps: { type: "string" },
      overload: { type: "string" },
      "admission-env": { type: "string" },
      "drain-timeout-s": { type: "string" },
      "turns-every": { type: "string" },
      "turns-only": { type: "boolean" },
      "turns-detail": { type: "string" },
      "budget-s": { type: "string" },
      compare: { type: "string" },
      quick: { type: "boolean" },
      "no-pin": { type: "boolean" },
      "no-priority": { type: "boolean" },
      "profile-server": { type: "string" },
      "server-node-args": { type: "string" },
      "server-log": { type: "string" },
      "rewrite-md": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const int = (name: string, value: string | undefined, fallback: number, min = 1) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min} (got "${value}")`);
    return n;
  };
  const isQuick = !!values.quick;
  const steps = (values.steps ?? (isQuick ? "20,50" : "50,100,150,200,250,300,400")).split(",").map((s) => int("steps", s.trim(), 0));
  const admissionEnv: Record<string, string> = {};
  for (const pair of (values["admission-env"] ?? "").split(/\s+/).filter(Boolean)) {
    const match = /^(VOICE_[A-Z_]+)=(.*)$/.exec(pair);
    if (!match) throw new Error(`--admission-env takes VOICE_*=value pairs (got "${pair}")`);
    admissionEnv[match[1]!] = match[2]!;
  }
  return {
    latencyCalls: int("latency-calls", values["latency-calls"], isQuick ? 6 : 20),
    latencyConcurrency: int("latency-concurrency", values["latency-concurrency"], 2),
    steps,
    // Two servers take twice as long.
    budgetMs: int("budget-s", values["budget-s"], (isQuick ? 420 : 1080) * (values.compare ? 2 : 1)) * 1000,
    isPinned: !values["no-pin"],
    isPrioritized: !values["no-priority"],
    profileServerDir: values["profile-server"] ? path.resolve(values["profile-server"]) : null,
    serverNodeArgs: (values["server-node-args"] ?? "").split(/\s+/).filter(Boolean),
    serverLogCopy: values["server-log"] ? path.resolve(values["server-log"]) : null,
    compareRef: values.compare ?? null,
    overload: values.overload === undefined ? null : int("overload", values.overload, 0, 0),
    admissionEnv,
    drainTimeoutMs: int("drain-timeout-s", values["drain-timeout-s"], isQuick ? 30 : 120, 0) * 1000,
    isQuick,
    turnsEvery: int("turns-every", values["turns-every"], isQuick ? 3 : 1, 0),
    isTurnsOnly: !!values["turns-only"],
    turnsDetailFile: values["turns-detail"] ? path.resolve(values["turns-detail"]) : null,
  };
}
