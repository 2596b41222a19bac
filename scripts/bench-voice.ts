// `npm run bench:voice`: latency and capacity of the voice server against fake providers with fixed latencies.
// A benchmark, not a test: it prints a table and writes bench/results/voice.{json,md}. See `--help`.
//
// Layout on a 2-core machine: the voice server runs alone in a child process pinned to core 1; this process
// (simulated callers, fake Twilio REST), the fake Deepgram/Gemini/Smallest (a child process of their own, see
// bench-voice-fakes.ts), Postgres and the worker (worker/main.ts, which analyzes calls after they end, as in
// production: the voice server keeps only live calls) are pinned to core 0.
// Everything listens on 127.0.0.1 only.
//
// `--compare <git-ref>` runs that commit's voice server beside this one (bench-voice-tree.ts), each on its own
// database of the same Postgres, against the same fakes: every phase runs on both, interleaved, the order
// alternating from step to step, and the server whose turn it is not is stopped (SIGSTOP) so it takes no CPU from
// the other. It writes bench/results/voice-compare.{json,md} with each figure for both and their ratio.
//
// Between the latency phase and the capacity steps, the turn-taking phase (bench-voice-turns.ts) runs the turn sets
// of tests/fixtures/turn-taking through each server at low load; `--turns-only` runs just that.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createDb } from "@/db/client";
import { freePort, startEmbeddedPostgres, type TEmbeddedDb } from "@/db/embedded";
import { migrateDatabase } from "@/db/migrate";
import { FakeTwilioRest } from "@/tests/fakes/twilio-rest";
import { CallerVoice } from "@/tests/sim/caller-audio";
import { seedSimAgent } from "@/tests/sim/seed";
import { distribution } from "@/tests/sim/stats";
import {
  SANDBOX_ACCOUNT_SID,
  SANDBOX_AUTH_TOKEN,
  SimCallError,
  SimScheduler,
  runSimulatedCall,
  type TSimCallResult,
  type TSimScript,
} from "@/tests/sim/twilio-caller";
import { LINES, TURNS_DEPARTMENT, spawnBenchFakes, type TBenchFakes } from "./bench-voice-fakes";
import {
  ENDPOINTING_SILENCE_MS,
  INTERRUPTION_MIN_SPEECH_MS,
  OVERHEAD_FORMULA,
  TARGETS,
  analysisStatuses,
  cpuPerCallMinute,
  figures,
  isRefusedBusy,
  drainSummary,
  measureDrain,
  round1,
  serverStages,
  wireMinusServer,
  type TDrain,
  type TStep,
} from "./bench-voice-figures";
import { ADMISSION_DEFAULTS } from "@/voice-server/env";
import { cpuMs, hasTaskset, healthz, machineBusyMs, pinSelf, renice, rssKb, serverCounterByLabel, serverMetrics, tail, waitUntil } from "./bench-voice-process";
import { compareMarkdown, compareTable, markdown, table, turnTable, type TCompareOutput, type TOutput, type TRun } from "./bench-voice-report";
import {
  TURNS_E164,
  noiseBurstsOf,
  observeTurnCall,
  parseTurnMetrics,
  planCounts,
  turnCountsBetween,
  planTurnCalls,
  turnFigures,
  turnTargets,
  writeNoiseWavs,
  type TTurnCall,
  type TTurnTaking,
} from "./bench-voice-turns";
import { currentTree, prepareTree, type TServerTree } from "./bench-voice-tree";

const ROOT = process.cwd();
const RESULTS_DIR = path.join(ROOT, "bench", "results");

const E164 = "+15550009999";
const PRIORITY = -10;

const GREETING = "Thanks for calling. How can I help?";

const SCRIPT: TSimScript = {
  name: "bench",
  steps: [
    { waitForAgent: { quietMs: 500, timeoutMs: 10_000 } },
    { say: LINES[0]! },
    { waitForAgent: { quietMs: 500, timeoutMs: 10_000 } },
    { say: LINES[1]! },
    { interruptAfterMs: 800 },
    { say: LINES[2]! },
    { waitForAgent: { quietMs: 500, timeoutMs: 10_000 } },
    { hangup: true },
  ],
};

// One question and its answer in SCRIPT (caller's line, voice-to-voice, the agent's reply, the quiet after it).
// Conversations start at a phase spread over this much, so answers come at the rate N calls in steady
// conversation produce (about N / 5 s here) rather than in one wave after another.
const TURN_CYCLE_MS = 8000;

// The capacity steps measure what the server can carry, so its admission control must not refuse there: limits it
// cannot reach keep its sampling running (its cost is part of the figures, as in production) without effect. The
// overload step restarts the server with its production defaults (the bench runs it with NODE_ENV=development,
// where they are off), adjusted by --admission-env.
const ADMISSION_OBSERVE = { VOICE_ADMISSION_MAX_LOOP_DELAY_MS: "10000", VOICE_ADMISSION_MAX_CPU: "64" };
const ADMISSION_ON = Object.fromEntries(Object.entries(ADMISSION_DEFAULTS).map(([name, value]) => [name, String(value)]));

function withHolds(script: TSimScript, holdMs: number, tailMs: number): TSimScript {
  const steps = [...script.steps];
  if (tailMs > 0) steps.splice(steps.length - 1, 0, { pauseMs: tailMs });
  if (holdMs > 0) steps.unshift({ pauseMs: holdMs });
  return { ...script, steps };
}

type TOptions = {
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

// Calls of the turn-taking phase at a time: low load, like the latency phase, at a pace that gets through the sets.
const TURN_CONCURRENCY = 4;

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

function readOptions(): TOptions {
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

// One voice server under test: a tree (this checkout or the --compare one), its database and its process.
type TTarget = {
  tree: TServerTree;
  databaseUrl: string;
  baseUrl: string;
  log: string;
  child: ChildProcess | null;
  pid: number;
  exited: string | null;
  isPaused: boolean;
  idleRssKb: number;
  // The tree's worker process, started with the server and left running through the run (server restarts
  // included), as in production; none for a commit whose voice server analyzes calls itself.
  // `readyCpuMs`: its CPU once started (loading its code), left out of its figures.
  worker: { child: ChildProcess; pid: number; log: string; exited: string | null; readyCpuMs: number } | null;
};

type TCallOutcome = { result: TSimCallResult | null; isUnavailable: boolean };
type TRecordSql = ReturnType<typeof createDb>["sql"];

// ---- main --------------------------------------------------------------------------------------------------

// SIGTERM (after SIGCONT if it was paused), SIGKILL after 5 s; resolves once the process is gone.
async function stopChild(child: ChildProcess | null | undefined, isPaused: boolean): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once("exit", resolve));
  if (isPaused) child.kill("SIGCONT");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await gone;
  clearTimeout(timer);
}

async function main(): Promise<void> {
  if (process.argv.includes("--rewrite-md")) {
    const output = JSON.parse(fs.readFileSync(path.join(RESULTS_DIR, "voice.json"), "utf8")) as TOutput;
    fs.writeFileSync(path.join(RESULTS_DIR, "voice.md"), markdown(output));
    const compared = path.join(RESULTS_DIR, "voice-compare.json");
    if (fs.existsSync(compared)) {
      fs.writeFileSync(path.join(RESULTS_DIR, "voice-compare.md"), compareMarkdown(JSON.parse(fs.readFileSync(compared, "utf8")) as TCompareOutput));
    }
    return;
  }
  const options = readOptions();
  const startedAt = Date.now();
  const elapsedS = () => ((Date.now() - startedAt) / 1000).toFixed(0);
  const say = (line: string) => process.stdout.write(`[${elapsedS().padStart(3)} s] ${line}\n`);

  const loadAtStart = os.loadavg().map((v) => Math.round(v * 100) / 100);
  // Other work on the machine competes for both cores; a higher priority keeps it from distorting the figures.
  let isPrioritized = false;
  if (options.isPrioritized) {
    try {
      os.setPriority(0, PRIORITY);
      isPrioritized = true;
    } catch {
      // not root: run at normal priority and say so in the results
    }
  }
  const canPin = options.isPinned && os.cpus().length >= 2 && hasTaskset();
  if (canPin && !pinSelf(0)) throw new Error("taskset could not pin the benchmark to core 0");
  say(canPin ? "pinned: simulator, fake providers and Postgres on core 0; voice server(s) on core 1" : "not pinned (no taskset, one core, or --no-pin)");

  const trees = [currentTree(ROOT)];
  if (options.compareRef) trees.push(prepareTree(ROOT, options.compareRef, say));

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bench-voice-"));
  fs.chmodSync(tmp, 0o755);
  let pg: TEmbeddedDb | null = null;
  const targets: TTarget[] = [];
  const fakes: { close(): Promise<void> }[] = [];
  // Ctrl-C: the servers go at once (a stopped one too), Postgres is stopped so it does not outlive the run.
  const sigint = () => {
    for (const t of targets) {
      t.child?.kill("SIGKILL");
      t.worker?.child.kill("SIGKILL");
    }
    void (pg?.stop() ?? Promise.resolve())
      .catch(() => {})
      .finally(() => {
        fs.rmSync(tmp, { recursive: true, force: true });
        process.exit(130);
      });
  };
  process.once("SIGINT", sigint);
  try {
    pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), persistent: false, fastUnsafe: true });
    if (isPrioritized) {
      const postmaster = Number(fs.readFileSync(path.join(tmp, "pg", "postmaster.pid"), "utf8").split("\n")[0]);
      if (postmaster > 0) renice(postmaster, PRIORITY);
      renice(process.pid, PRIORITY);
    }
    // A database per server, so each one's post-call analysis works on its own calls. Both get this checkout's
    // schema: an older server runs against a newer schema, as it does in a rolling deploy.
    const admin = createDb(pg.adminUrl, { max: 1 });
    for (const tree of trees) {
      await admin.sql.unsafe(`create database "bench_${tree.label}"`);
      const databaseUrl = pg.url.replace(/\/[^/]+$/, `/bench_${tree.label}`);
      await migrateDatabase(databaseUrl);
      const { db, sql } = createDb(databaseUrl, { max: 2 });
      await seedSimAgent(db, {
        e164: E164,
        concurrentCallLimit: 10_000,
        teamName: "Bench Clinic",
        config: {
          greeting: GREETING,
          endpointingSilenceMs: ENDPOINTING_SILENCE_MS,
          interruptionMinSpeechMs: INTERRUPTION_MIN_SPEECH_MS,
          silenceTimeoutSec: 60,
        },
      });
      // The turn-taking phase's line: the same agent with a department, so the model can transfer.
      await seedSimAgent(db, {
        e164: TURNS_E164,
        concurrentCallLimit: 10_000,
        teamName: "Bench Turns Clinic",
        config: {
          greeting: GREETING,
          endpointingSilenceMs: ENDPOINTING_SILENCE_MS,
          interruptionMinSpeechMs: INTERRUPTION_MIN_SPEECH_MS,
          silenceTimeoutSec: 60,
        },
        departments: [TURNS_DEPARTMENT],
      });
      await sql.end({ timeout: 5 });
      targets.push({
        tree,
        databaseUrl,
        baseUrl: "",
        log: path.join(tmp, `voice-server-${tree.label}.log`),
        child: null,
        pid: 0,
        exited: null,
        isPaused: false,
        idleRssKb: 0,
        worker: null,
      });
    }
    await admin.sql.end({ timeout: 5 });
    say(`Postgres ready on 127.0.0.1:${pg.port}; agent seeded on ${E164} in ${targets.map((t) => `bench_${t.tree.label}`).join(", ")}`);

    const providerFakes = await spawnBenchFakes();
    fakes.push(providerFakes);
    // Above the simulator: they stand in for services on machines of their own, so they should not queue behind it.
    if (isPrioritized) renice(providerFakes.pid, PRIORITY - 5);
    const twilioRest = await FakeTwilioRest.start({ accountSid: SANDBOX_ACCOUNT_SID, authToken: SANDBOX_AUTH_TOKEN });
    // Every simulated call listens for its own REST redirects.
    twilioRest.setMaxListeners(0);
    fakes.push(twilioRest);

    const startServer = async (target: TTarget, extraEnv: Record<string, string>) => {
      const port = await freePort();
      target.baseUrl = `http://127.0.0.1:${port}`;
      const logFd = fs.openSync(target.log, "a");
      const isCurrent = target.tree.label === "current";
      const profileArgs = options.profileServerDir && isCurrent ? ["--cpu-prof", `--cpu-prof-dir=${options.profileServerDir}`] : [];
      const serverArgs = [...profileArgs, ...options.serverNodeArgs, ...target.tree.nodeArgs];
      const child = spawn(canPin ? "taskset" : process.execPath, canPin ? ["-c", "1", process.execPath, ...serverArgs] : serverArgs, {
        cwd: target.tree.root,
        stdio: ["ignore", logFd, logFd],
        env: serverEnv(target, port, providerFakes, twilioRest.url, path.join(tmp, `recordings-${target.tree.label}`), extraEnv),
      });
      fs.closeSync(logFd);
      target.child = child;
      target.pid = child.pid!;
      target.exited = null;
      target.isPaused = false;
      child.once("exit", (code, signal) => (target.exited = `exited with ${code ?? signal}`));
      if (isPrioritized) renice(target.pid, PRIORITY);
      await waitUntil(`the ${target.tree.label} voice server to start`, 60_000, async () => {
        if (target.exited) throw new Error(`${target.tree.label} voice server ${target.exited}:\n${tail(target.log)}`);
        return (await healthz(target.baseUrl))?.ok === true;
      });
      // Again, now that the server has started all its threads.
      if (isPrioritized) renice(target.pid, PRIORITY);
      say(`${target.tree.label} voice server (${target.tree.commit}) up on ${target.baseUrl} (pid ${target.pid})`);
    };
    const stopServer = (target: TTarget) => stopChild(target.child, target.isPaused);

    // The worker of a tree that has one, on the same database, Gemini (the fake: analyses go through the LLM path
    // as in production, and it answers them with valid JSON) and recordings spool as its voice server.
    const startWorkerOf = async (target: TTarget) => {
      const nodeArgs = target.tree.workerNodeArgs;
      if (!nodeArgs) return;
      const log = path.join(tmp, `worker-${target.tree.label}.log`);
      const logFd = fs.openSync(log, "a");
      const child = spawn(canPin ? "taskset" : process.execPath, canPin ? ["-c", "0", process.execPath, ...nodeArgs] : nodeArgs, {
        cwd: target.tree.root,
        stdio: ["ignore", logFd, logFd],
        env: workerEnv(target, providerFakes, path.join(tmp, `recordings-${target.tree.label}`)),
      });
      fs.closeSync(logFd);
      const worker = { child, pid: child.pid!, log, exited: null as string | null, readyCpuMs: 0 };
      target.worker = worker;
      child.once("exit", (code, signal) => (worker.exited = `exited with ${code ?? signal}`));
      if (isPrioritized) renice(worker.pid, PRIORITY);
      // It has no listener of its own (no METRICS_PORT here): its log says when it took its first jobs.
      await waitUntil(`the ${target.tree.label} worker to start`, 60_000, async () => {
        if (worker.exited) throw new Error(`${target.tree.label} worker ${worker.exited}:\n${tail(log)}`);
        return fs.readFileSync(log, "utf8").includes("worker started");
      });
      if (isPrioritized) renice(worker.pid, PRIORITY);
      worker.readyCpuMs = cpuMs(worker.pid);
      say(`${target.tree.label} worker (${target.tree.commit}) up (pid ${worker.pid}), analyzing calls through the fake Gemini`);
    };
    const workerCpuMs = (target: TTarget) => (target.worker && !target.worker.exited ? cpuMs(target.worker.pid) : 0);

    const scheduler = new SimScheduler();
    const voice = new CallerVoice();
    for (const line of LINES) await voice.say(line);
    let callNo = 0;
    // `holdMs`: silence before the script; `tailMs`: silence after its last answer, before hanging up.
    const oneCall = async (target: TTarget, holdMs = 0, tailMs = 0): Promise<TCallOutcome> => {
      const n = ++callNo;
      try {
        const result = await runSimulatedCall({
          baseUrl: target.baseUrl,
          accountSid: SANDBOX_ACCOUNT_SID,
          authToken: SANDBOX_AUTH_TOKEN,
          from: `+1555020${String(n % 10_000).padStart(4, "0")}`,
          to: E164,
          script: withHolds(SCRIPT, holdMs, tailMs),
          label: `bench-${n}`,
          scheduler,
          voice,
          isRecording: false,
          twilioRest,
          maxCallMs: 60_000,
        });
        return { result, isUnavailable: false };
      } catch (error) {
        // Admission control's other answer: 503, for Twilio to try the fallback URL (another instance).
        if (error instanceof SimCallError && error.kind === "http" && / 503:/.test(error.message)) return { result: null, isUnavailable: true };
        say(`call ${n} failed: ${(error as Error).message}`);
        return { result: null, isUnavailable: false };
      }
    };
    const settle = (target: TTarget) =>
      waitUntil(`the ${target.tree.label} server to finish its calls`, 20_000, async () => {
        if (target.exited) throw new Error(`${target.tree.label} voice server ${target.exited}:\n${tail(target.log)}`);
        return (await healthz(target.baseUrl))?.activeCalls === 0;
      });
    const warmUp = async (target: TTarget) => {
      // JIT, connection pools, the greeting's audio cache.
      await Promise.all([oneCall(target), oneCall(target)]);
      await settle(target);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      target.idleRssKb = rssKb(target.pid);
      say(`${target.tree.label}: warmed up; idle RSS ${(target.idleRssKb / 1024).toFixed(1)} MB`);
    };
    // Only the server whose turn it is runs; the other is stopped with no call in flight.
    const focus = async (target: TTarget) => {
      for (const other of targets) {
        if (other === target || other.isPaused || !other.child) continue;
        await settle(other);
        other.child.kill("SIGSTOP");
        // Its worker too: an older server analyzes calls in its own process, which is stopped with it.
        other.worker?.child.kill("SIGSTOP");
        other.isPaused = true;
      }
      if (target.isPaused && target.child) {
        target.child.kill("SIGCONT");
        target.worker?.child.kill("SIGCONT");
        target.isPaused = false;
        // Its timers fire late once, all together; let that pass before measuring.
        await new Promise((resolve) => setTimeout(resolve, 1500));
      }
    };
    // Step i runs the targets in this order: current first on even steps, previous first on odd ones.
    const inTurn = (i: number) => (i % 2 === 0 ? targets : [...targets].reverse());

    for (const target of targets) {
      await focus(target);
      await startServer(target, ADMISSION_OBSERVE);
      await startWorkerOf(target);
      await warmUp(target);
    }

    // ---- the turn-taking phase (run after phase 1, or alone with --turns-only) ----
    const turnPlan: TTurnCall[] =
      options.turnsEvery > 0
        ? planTurnCalls({ every: options.turnsEvery, noiseWav: writeNoiseWavs(path.join(tmp, "noise"), noiseBurstsOf(options.turnsEvery)) })
        : [];
    const turnsOf = new Map<TTarget, TTurnTaking>();
    // Calls connect one at a time (each call's recognizer connection must take that call's transcripts), then run
    // side by side.
    let connectGate: Promise<void> = Promise.resolve();
    const oneTurnCall = async (target: TTarget, call: TTurnCall, sql: TRecordSql): Promise<TSimCallResult | null> => {
      const previous = connectGate;
      let open = () => {};
      connectGate = new Promise<void>((resolve) => (open = resolve));
      await previous;
      const n = ++callNo;
      const binding = providerFakes.bindTranscripts(call.transcripts);
      const running = runSimulatedCall({
        baseUrl: target.baseUrl,
        accountSid: SANDBOX_ACCOUNT_SID,
        authToken: SANDBOX_AUTH_TOKEN,
        from: `+1555030${String(n % 10_000).padStart(4, "0")}`,
        to: TURNS_E164,
        script: { name: call.label, steps: call.steps },
        label: `${call.label}-${n}`,
        scheduler,
        voice,
        isRecording: false,
        twilioRest,
        sql,
        maxCallMs: 240_000,
      });
      running.catch(() => {});
      try {
        let timer: NodeJS.Timeout | undefined;
        const isBound = await Promise.race([
          binding.bound.then(() => true),
          running.then(
            () => false,
            () => false,
          ),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 15_000))),
        ]);
        clearTimeout(timer);
        if (!isBound) {
          binding.cancel();
          say(`${call.label}: its recognizer connection never opened; its turns are not scripted`);
        }
      } finally {
        open();
      }
      try {
        return await running;
      } catch (error) {
        say(`${call.label} failed: ${(error as Error).message}`);
        return null;
      }
    };
    const turnCounts = async (target: TTarget) => {
      try {
        return parseTurnMetrics(await (await fetch(`${target.baseUrl}/metrics`, { signal: AbortSignal.timeout(3000) })).text());
      } catch {
        return null;
      }
    };
    const runTurnPhase = async (target: TTarget): Promise<TTurnTaking> => {
      const phaseStartedAt = Date.now();
      await providerFakes.takeTimings();
      const countsBefore = await turnCounts(target);
      const { sql } = createDb(target.databaseUrl, { max: 2 });
      const outcomes: { call: TTurnCall; result: TSimCallResult | null }[] = [];
      try {
        let next = 0;
        await Promise.all(
          Array.from({ length: Math.min(TURN_CONCURRENCY, turnPlan.length) }, async () => {
            while (next < turnPlan.length) {
              const call = turnPlan[next++]!;
              outcomes.push({ call, result: await oneTurnCall(target, call, sql) });
            }
          }),
        );
      } finally {
        await sql.end({ timeout: 5 });
      }
      await settle(target);
      const countsAfter = await turnCounts(target);
      const timings = await providerFakes.takeTimings();
      const observed = outcomes.flatMap(({ call, result }) => (result ? [observeTurnCall(call.items, result)] : []));
      if (options.turnsDetailFile) {
        const detail = outcomes.map(({ call, result }) => ({
          call: call.label,
          items: call.items,
          transcripts: call.transcripts,
          observations: result ? observeTurnCall(call.items, result).observations : null,
          wire: result && {
            end: result.end.description,
            turns: result.turns,
            clears: result.clears,
            agentSpeech: result.agentSpeech,
            marks: result.marks.map((m) => `${m.name}@${m.receivedAtMs}${m.wasCleared ? " (cleared)" : ""}`),
            notes: result.notes,
            record: result.record && { turns: result.record.turns.map((t) => `${t.startMs} ${t.speaker}: ${t.text}`), events: result.record.events },
          },
        }));
        const file = options.turnsDetailFile.replace(/(\.json)?$/, `-${target.tree.label}.json`);
        fs.writeFileSync(file, `${JSON.stringify(detail, null, 2)}\n`);
        say(`  ${target.tree.label}: turn-phase detail in ${file}`);
      }
      const figures = turnFigures({
        observations: observed.flatMap((o) => o.observations),
        speculation: observed.map((o) => o.speculation),
        playedFromDiscarded: observed.reduce((sum, o) => sum + o.playedFromDiscarded, 0),
        serverCounts: countsBefore && countsAfter ? turnCountsBetween(countsBefore, countsAfter) : null,
        llmRequests: timings.llmRequests,
        callerTurns: outcomes.reduce((sum, o) => sum + (o.result?.record?.turns.filter((t) => t.speaker === "caller").length ?? 0), 0),
        calls: outcomes.length,
        failedCalls: outcomes.filter((o) => !o.result).length,
        concurrency: TURN_CONCURRENCY,
        plan: planCounts(turnPlan),
        durationS: Math.round((Date.now() - phaseStartedAt) / 1000),
      });
      say(`  ${target.tree.label}:\n${turnTable(figures).replace(/^/gm, "    ")}`);
      return figures;
    };
    const runTurnPhases = async (i: number) => {
      if (turnPlan.length === 0) return;
      const counts = planCounts(turnPlan);
      const estimatedMs = (options.turnsEvery === 1 ? 300_000 : 120_000) * targets.length;
      if (!options.isTurnsOnly && Date.now() - startedAt + estimatedMs > options.budgetMs) {
        say("turn-taking phase: skipped (time budget)");
        return;
      }
      // Every caller line synthesized before the calls, so espeak never runs beside them.
      for (const call of turnPlan) {
        for (const step of call.steps) {
          if ("say" in step) await voice.say(step.say);
          else if ("wav" in step) await voice.wav(step.wav);
        }
      }
      say(
        `turn-taking phase: ${counts.calls} calls, ${TURN_CONCURRENCY} at a time: ${counts.complete} complete questions, ${counts.paused} turns with pauses, ` +
          `${counts.backchannel} backchannels, ${counts.noise} noise bursts and ${counts.interruption} interruptions over the agent, ` +
          `${counts.takeMessage} take_message and ${counts.transfer} transfer turns`,
      );
      for (const target of inTurn(i)) {
        await focus(target);
        turnsOf.set(target, await runTurnPhase(target));
      }
    };
    if (options.isTurnsOnly) {
      await runTurnPhases(0);
      process.stdout.write(`\n--turns-only: bench/results left as they were (${Math.round((Date.now() - startedAt) / 1000)} s)\n`);
      return;
    }

    // ---- phase 1: latency at low load ----
    // In rounds of a few calls, alternating servers, so drift of the machine over the phase hits both alike.
    const roundSize = targets.length > 1 ? Math.max(options.latencyConcurrency, 4) : options.latencyCalls;
    const rounds = Math.ceil(options.latencyCalls / roundSize);
    say(`phase 1: ${options.latencyCalls} calls, ${options.latencyConcurrency} at a time${targets.length > 1 ? `, in ${rounds} rounds per server` : ""}`);
    const simulatorCpuMs = () => cpuMs(process.pid) + cpuMs(providerFakes.pid);
    type TLatencyAcc = { results: TSimCallResult[]; failed: number; serverCpuMs: number; otherCpuMs: number; wallMs: number; since: Date | null };
    const latencyAcc = new Map<TTarget, TLatencyAcc>(targets.map((t) => [t, { results: [], failed: 0, serverCpuMs: 0, otherCpuMs: 0, wallMs: 0, since: null }]));
    for (let round = 0; round < rounds; round++) {
      for (const target of inTurn(round)) {
        if (Date.now() - startedAt > options.budgetMs / 2) break;
        await focus(target);
        const acc = latencyAcc.get(target)!;
        acc.since ??= new Date();
        const calls = Math.min(roundSize, options.latencyCalls - round * roundSize);
        const wallBefore = Date.now();
        const busyBefore = machineBusyMs();
        const serverBefore = cpuMs(target.pid);
        const ownBefore = simulatorCpuMs();
        let next = 0;
        await Promise.all(
          Array.from({ length: Math.min(options.latencyConcurrency, calls) }, async () => {
            while (next < calls) {
              next++;
              const { result } = await oneCall(target);
              if (result) acc.results.push(result);
              else acc.failed++;
            }
          }),
        );
        await settle(target);
        const serverCpu = cpuMs(target.pid) - serverBefore;
        acc.serverCpuMs += serverCpu;
        acc.otherCpuMs += machineBusyMs() - busyBefore - serverCpu - (simulatorCpuMs() - ownBefore);
        acc.wallMs += Date.now() - wallBefore;
      }
    }
    const latencyOf = new Map<TTarget, TRun["latency"] & { stages: TRun["serverStages"]; otherCpuPercent: number }>();
    for (const target of targets) {
      const acc = latencyAcc.get(target)!;
      const latency = figures(acc.results, acc.failed, scheduler);
      const stages = await serverStages(target.databaseUrl, acc.since ?? new Date());
      const otherCpuPercent = Math.max(0, Math.round((acc.otherCpuMs / Math.max(1, acc.wallMs)) * 100));
      latencyOf.set(target, { ...latency, cpuSecondsPerCallMinute: cpuPerCallMinute(acc.serverCpuMs, acc.results), stages, otherCpuPercent });
      say(
        `  ${target.tree.label}: voice-to-voice p50 ${latency.voiceToVoiceMs?.p50} / p95 ${latency.voiceToVoiceMs?.p95} / p99 ${latency.voiceToVoiceMs?.p99} ms; ` +
          `overhead p99 ${latency.overheadMs?.p99} ms; barge-in p95 ${latency.bargeInMs?.p95} ms; late frames ${latency.lateFrames}; ` +
          `CPU ${cpuPerCallMinute(acc.serverCpuMs, acc.results)} s per call-minute; other processes ${otherCpuPercent}% CPU`,
      );
    }

    // ---- turn-taking at low load ----
    await runTurnPhases(1);

    // ---- phase 2: capacity ----
    const runStep = async (target: TTarget, concurrent: number, baselineOverheadMs: number): Promise<TStep> => {
      scheduler.resetTickLag();
      const stepStartedAt = Date.now();
      const cpuBefore = cpuMs(target.pid);
      const workerCpuBefore = workerCpuMs(target);
      const selfCpuBefore = simulatorCpuMs();
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
          return oneCall(target, Math.round(spreadMs - startAtMs + 500 + phaseMs), Math.round(TURN_CYCLE_MS - phaseMs));
        }),
      );
      isSampling = false;
      await sampler;
      const durationMs = Date.now() - stepStartedAt;
      const serverCpu = cpuMs(target.pid) - cpuBefore;
      const cpuPercent = (serverCpu / durationMs) * 100;
      const selfCpu = simulatorCpuMs() - selfCpuBefore;
      const otherCpuPercent = ((machineBusyMs() - busyBefore - serverCpu - selfCpu) / durationMs) * 100;
      const workerCpuPercent = target.worker ? Math.round(((workerCpuMs(target) - workerCpuBefore) / durationMs) * 100) : null;
      // The server's event-loop delay over the step (its histogram restarted at the scrape before the step).
      const after = await serverMetrics(target.baseUrl, ["voice_event_loop_lag_p99_ms", "voice_event_loop_lag_max_ms", "voice_pacer_late_frames_total"]);
      const refusedAfter = await serverCounterByLabel(target.baseUrl, "voice_admission_refused_total", "reason");
      await settle(target);
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
    };

    const stepsOf = new Map<TTarget, TStep[]>(targets.map((t) => [t, []]));
    const isStopped = new Set<TTarget>();
    const failuresInARow = new Map<TTarget, number>(targets.map((t) => [t, 0]));
    for (const [i, concurrent] of options.steps.entries()) {
      const estimatedMs = (40_000 + concurrent * 30) * targets.length;
      if (Date.now() - startedAt + estimatedMs > options.budgetMs) {
        say(`phase 2: skipping ${concurrent} calls and above (time budget)`);
        break;
      }
      say(`phase 2: ${concurrent} concurrent calls`);
      for (const target of inTurn(i)) {
        if (isStopped.has(target)) continue;
        await focus(target);
        const step = await runStep(target, concurrent, latencyOf.get(target)!.overheadMs?.p50 ?? 0);
        stepsOf.get(target)!.push(step);
        // Ramp on through failing steps (the time budget bounds the run) unless the server is plainly overloaded.
        const inARow = step.isPassingLoadAdded ? 0 : failuresInARow.get(target)! + 1;
        failuresInARow.set(target, inARow);
        if (inARow >= 2 && (step.serverCpuPercent >= 95 || step.failedCalls > concurrent / 10)) isStopped.add(target);
      }
      if (targets.every((t) => isStopped.has(t))) break;
    }
    const capacityOf = (target: TTarget) => {
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

    // ---- phase 3: a step beyond capacity, with admission control on ----
    const current = targets[0]!;
    const measured = capacityOf(current).maxConcurrentCalls;
    const overloadCalls = options.overload ?? 2 * (measured || Math.max(...options.steps));
    // What the README recommends for production: the default limits, plus a hard cap at the calls per core this
    // machine measured (none when no step passed).
    const overloadEnv = { ...ADMISSION_ON, ...(measured > 0 ? { VOICE_MAX_CALLS: String(measured) } : {}), ...options.admissionEnv };
    const overloadOf = new Map<TTarget, TStep>();
    if (overloadCalls > 0 && Date.now() - startedAt + (40_000 + overloadCalls * 30) * targets.length <= options.budgetMs) {
      say(
        `phase 3: ${overloadCalls} concurrent calls (${options.overload === null ? `twice the measured capacity of ${measured || "none; twice the largest step"}` : "--overload"}), ` +
          `admission control on (${Object.entries(overloadEnv).map(([k, v]) => `${k}=${v}`).join(" ")})`,
      );
      for (const target of inTurn(options.steps.length)) {
        await focus(target);
        await stopServer(target);
        await startServer(target, overloadEnv);
        await warmUp(target);
        overloadOf.set(target, await runStep(target, overloadCalls, latencyOf.get(target)!.overheadMs?.p50 ?? 0));
      }
    } else if (overloadCalls > 0) {
      say(`phase 3: skipping the ${overloadCalls}-call overload step (time budget)`);
    }

    // ---- post-call analysis backlog ----
    // The worker (or, for an older commit, the voice server's own analysis) works through what the steps left.
    const drainOf = new Map<TTarget, TDrain>();
    if (options.drainTimeoutMs > 0) {
      for (const target of targets) {
        await focus(target);
        const analyzer = target.worker ? "the worker" : "the voice server (no worker in that commit)";
        say(`${target.tree.label}: waiting up to ${options.drainTimeoutMs / 1000} s for pending analyses to reach 0 (analyzed by ${analyzer})`);
        if (target.worker?.exited) throw new Error(`${target.tree.label} worker ${target.worker.exited}:\n${tail(target.worker.log)}`);
        const drainStartedAt = Date.now();
        const workerCpuBefore = workerCpuMs(target);
        const drain: TDrain = await measureDrain(target.databaseUrl, options.drainTimeoutMs);
        if (target.worker) {
          const drainCpuMs = workerCpuMs(target) - workerCpuBefore;
          const runCpuMs = workerCpuMs(target) - target.worker.readyCpuMs;
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
    }

    // ---- results ----
    const runOf = async (target: TTarget): Promise<TRun> => {
      const latency = latencyOf.get(target)!;
      const { stages, otherCpuPercent, ...latencyFigures } = latency;
      void otherCpuPercent;
      return {
        commit: target.tree.commit,
        ref: target.tree.ref,
        idleRssMb: Math.round((target.idleRssKb / 1024) * 10) / 10,
        latency: latencyFigures,
        serverStages: stages,
        capacity: capacityOf(target),
        overload: overloadOf.get(target) ?? null,
        drain: drainOf.get(target) ?? null,
        turnTaking: turnsOf.get(target) ?? null,
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
      loadAverageAtStart: loadAtStart,
      isPinned: canPin,
      priority: isPrioritized ? PRIORITY : 0,
    };
    const latencyPhase = { calls: options.latencyCalls, concurrency: options.latencyConcurrency, otherCpuPercent: latencyOf.get(current)!.otherCpuPercent };
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
    } else {
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
  } catch (error) {
    process.stderr.write(`\nbench:voice failed: ${(error as Error).message}\n`);
    for (const target of targets) {
      process.stderr.write(`--- ${target.tree.label} voice server log (tail) ---\n${tail(target.log)}\n`);
      if (target.worker) process.stderr.write(`--- ${target.tree.label} worker log (tail) ---\n${tail(target.worker.log)}\n`);
    }
    process.exitCode = 1;
  } finally {
    process.off("SIGINT", sigint);
    for (const target of targets) {
      for (const child of [target.child, target.worker?.child]) await stopChild(child, target.isPaused);
    }
    for (const fake of fakes) await fake.close().catch(() => {});
    await pg?.stop().catch(() => {});
    const current = targets[0];
    if (options.serverLogCopy && current) fs.copyFileSync(current.log, options.serverLogCopy);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function serverEnv(target: TTarget, port: number, fakes: TBenchFakes, twilioRestUrl: string, recordingsDir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "development",
    DATABASE_URL: target.databaseUrl,
    VOICE_PORT: String(port),
    VOICE_HOST: "127.0.0.1",
    VOICE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    DEEPGRAM_API_KEY: fakes.deepgram.apiKey,
    DEEPGRAM_BASE_URL: fakes.deepgram.url,
    GEMINI_API_KEY: fakes.gemini.apiKey,
    GEMINI_BASE_URL: fakes.gemini.url,
    SMALLEST_API_KEY: fakes.smallest.apiKey,
    SMALLEST_BASE_URL: fakes.smallest.url,
    TWILIO_API_BASE_URL: twilioRestUrl,
    RECORDINGS_DIR: recordingsDir,
    SHUTDOWN_GRACE_MS: "2000",
    // A server that does not know a variable (an older commit) ignores it.
    ...extra,
  };
}

// The worker's environment: what production gives it (worker/env.ts), pointed at the bench's database and fakes.
// Outbound webhooks stay off (no ENCRYPTION_KEY/AUTH_SECRET; the bench agent has none) and recordings stay local.
function workerEnv(target: TTarget, fakes: TBenchFakes, recordingsDir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "development",
    DATABASE_URL: target.databaseUrl,
    GEMINI_API_KEY: fakes.gemini.apiKey,
    GEMINI_BASE_URL: fakes.gemini.url,
    RECORDINGS_DIR: recordingsDir,
  };
}

main().then(() => process.exit(process.exitCode ?? 0));
