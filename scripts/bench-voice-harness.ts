import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { freePort } from "@/db/embedded";
import type { createDb } from "@/db/client";
import type { FakeTwilioRest } from "@/tests/fakes/twilio-rest";
import type { CallerVoice } from "@/tests/sim/caller-audio";
import type { SimScheduler } from "@/tests/sim/sim-scheduler";
import type { TSimScript } from "@/tests/sim/sim-script";
import { SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, runSimulatedCall } from "@/tests/sim/twilio-caller";
import { SimCallError } from "@/tests/sim/twilio-http";
import type { TSimCallResult } from "@/tests/sim/wire-log";
import { LINES, type TBenchFakes } from "./bench-voice-fakes";
import type { TOptions } from "./bench-voice-options";
import { cpuMs, healthz, renice, rssKb, tail, waitUntil } from "./bench-voice-process";
import type { TServerTree } from "./bench-voice-tree";

// What every phase of bench:voice works with: the servers under test (one, or two with --compare) with their
// processes, and the simulated calls made to them. Phases run in bench-voice-*.ts; bench-voice.ts runs them.

export const E164 = "+15550009999";
export const PRIORITY = -10;
export const GREETING = "Thanks for calling. How can I help?";

export const SCRIPT: TSimScript = {
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
export const TURN_CYCLE_MS = 8000;

function withHolds(script: TSimScript, holdMs: number, tailMs: number): TSimScript {
  const steps = [...script.steps];
  if (tailMs > 0) steps.splice(steps.length - 1, 0, { pauseMs: tailMs });
  if (holdMs > 0) steps.unshift({ pauseMs: holdMs });
  return { ...script, steps };
}

// One voice server under test: a tree (this checkout or the --compare one), its database and its process.
export type TTarget = {
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

export type TCallOutcome = { result: TSimCallResult | null; isUnavailable: boolean };
export type TRecordSql = ReturnType<typeof createDb>["sql"];

export type TBench = {
  options: TOptions;
  targets: TTarget[];
  startedAt: number;
  say(line: string): void;
  scheduler: SimScheduler;
  voice: CallerVoice;
  providerFakes: TBenchFakes;
  twilioRest: FakeTwilioRest;
  tmp: string;
  isPrioritized: boolean;
  // Numbers the calls of the whole run (each gets its own caller number).
  nextCallNo(): number;
  startServer(target: TTarget, extraEnv: Record<string, string>): Promise<void>;
  stopServer(target: TTarget): Promise<void>;
  startWorkerOf(target: TTarget): Promise<void>;
  workerCpuMs(target: TTarget): number;
  // This process's and the fake providers' CPU.
  simulatorCpuMs(): number;
  // `holdMs`: silence before the script; `tailMs`: silence after its last answer, before hanging up.
  oneCall(target: TTarget, holdMs?: number, tailMs?: number): Promise<TCallOutcome>;
  settle(target: TTarget): Promise<void>;
  warmUp(target: TTarget): Promise<void>;
  // Only the server whose turn it is runs; the other is stopped with no call in flight.
  focus(target: TTarget): Promise<void>;
  // Step i runs the targets in this order: current first on even steps, previous first on odd ones.
  inTurn(i: number): TTarget[];
};

// SIGTERM (after SIGCONT if it was paused), SIGKILL after 5 s; resolves once the process is gone.
export async function stopChild(child: ChildProcess | null | undefined, isPaused: boolean): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once("exit", resolve));
  if (isPaused) child.kill("SIGCONT");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await gone;
  clearTimeout(timer);
}

// Admission control counts the time the process was stopped as one long event-loop stall (its histogram's timer
// fired that late), so a server just resumed answers its next call "all lines are busy" until the stall leaves its
// window (VOICE_ADMISSION_WINDOW_MS, 5 s): the first turn-phase call of a --compare run was refused that way, and
// counted as five unanswered questions and a silent tool turn. Wait until its headroom (the gauge its decisions
// read) is back above 0, so no call is sent into a refusal the benchmark caused.
const ADMISSION_SETTLE_MAX_MS = 15_000;
const HEADROOM_METRIC = "voice_admission_headroom_ratio";

export function admissionHeadroom(metricsText: string): number | null {
  const match = new RegExp(`^${HEADROOM_METRIC} (\\S+)$`, "m").exec(metricsText);
  return match ? Number(match[1]) : null;
}

async function untilAdmitting(target: TTarget, say: (line: string) => void): Promise<void> {
  const startedAt = Date.now();
  let ratio: number | null = null;
  while (Date.now() - startedAt < ADMISSION_SETTLE_MAX_MS) {
    try {
      ratio = admissionHeadroom(await (await fetch(`${target.baseUrl}/metrics`, { signal: AbortSignal.timeout(2000) })).text());
    } catch {
      ratio = null;
    }
    // No gauge: admission control is off (or an older server), nothing to wait for.
    if (ratio === null || ratio > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  say(`${target.tree.label}: admission headroom still ${ratio} ${ADMISSION_SETTLE_MAX_MS / 1000} s after resuming it; going on`);
}

type TBenchSetup = Pick<TBench, "options" | "targets" | "startedAt" | "say" | "scheduler" | "voice" | "providerFakes" | "twilioRest" | "tmp" | "isPrioritized">;

export function createBench(init: TBenchSetup & { canPin: boolean }): TBench {
  const { options, targets, say, scheduler, voice, providerFakes, twilioRest, tmp, isPrioritized, canPin } = init;
  let callNo = 0;

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

  return {
    options,
    targets,
    startedAt: init.startedAt,
    say,
    scheduler,
    voice,
    providerFakes,
    twilioRest,
    tmp,
    isPrioritized,
    nextCallNo: () => ++callNo,
    startServer,
    stopServer: (target) => stopChild(target.child, target.isPaused),
    startWorkerOf,
    workerCpuMs: (target) => (target.worker && !target.worker.exited ? cpuMs(target.worker.pid) : 0),
    simulatorCpuMs: () => cpuMs(process.pid) + cpuMs(providerFakes.pid),
    oneCall,
    settle,
    warmUp: async (target) => {
      // JIT, connection pools, the greeting's audio cache.
      await Promise.all([oneCall(target), oneCall(target)]);
      await settle(target);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      target.idleRssKb = rssKb(target.pid);
      say(`${target.tree.label}: warmed up; idle RSS ${(target.idleRssKb / 1024).toFixed(1)} MB`);
    },
    focus: async (target) => {
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
        // Its timers fire late once, all together; let that pass before measuring. Its admission monitor saw the
        // pause as one event-loop delay as long as it, a p99 of seconds until it leaves the window
        // (VOICE_ADMISSION_WINDOW_MS, 5 s), which refused calls of a step: wait until it admits again.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        await untilAdmitting(target, say);
      }
    },
    inTurn: (i) => (i % 2 === 0 ? targets : [...targets].reverse()),
  };
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
