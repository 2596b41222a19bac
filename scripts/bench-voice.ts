// `npm run bench:voice`: latency and capacity of the voice server against fake providers with fixed latencies.
// A benchmark, not a test: it prints a table and writes bench/results/voice.{json,md}. See `--help`.
//
// Layout on a 2-core machine: the voice server runs alone in a child process pinned to core 1; this process
// (simulated callers, fake Twilio REST), the fake Deepgram/Gemini/Smallest (a child process of their own, see
// bench-voice-fakes.ts) and Postgres are pinned to core 0.
// Everything listens on 127.0.0.1 only.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createDb } from "@/db/client";
import { freePort, startEmbeddedPostgres, type TEmbeddedDb } from "@/db/embedded";
import { migrateDatabase } from "@/db/migrate";
import { FakeTwilioRest } from "@/tests/fakes/twilio-rest";
import { CallerVoice } from "@/tests/sim/caller-audio";
import { isCleanReply } from "@/tests/sim/report";
import { seedSimAgent } from "@/tests/sim/seed";
import { VOICE_SERVER_NODE_ARGS } from "@/voice-server/launch";
import { LATENCY, LINES, spawnBenchFakes } from "./bench-voice-fakes";
import { distribution, type TDistribution } from "@/tests/sim/stats";
import {
  SANDBOX_ACCOUNT_SID,
  SANDBOX_AUTH_TOKEN,
  SimScheduler,
  runSimulatedCall,
  type TSimCallResult,
  type TSimScript,
} from "@/tests/sim/twilio-caller";

const ROOT = process.cwd();
const RESULTS_DIR = path.join(ROOT, "bench", "results");

const ENDPOINTING_SILENCE_MS = 300;
const INTERRUPTION_MIN_SPEECH_MS = 200;
const PROVIDER_MS = LATENCY.sttFinalMs + LATENCY.llmFirstTokenMs + LATENCY.ttsFirstByteMs;
const TARGETS = { overheadP99Ms: 20, bargeInP95Ms: 250, callsPerCore: 200, mbPerCall: 2 } as const;
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
};

function readOptions(): TOptions {
  const { values } = parseArgs({
    options: {
      "latency-calls": { type: "string" },
      "latency-concurrency": { type: "string" },
      steps: { type: "string" },
      "budget-s": { type: "string" },
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
    process.stdout.write(
      "Usage: npm run bench:voice -- [--latency-calls 20] [--latency-concurrency 2] [--steps 50,100,150,200,250,300,400] [--budget-s 720] [--no-pin] [--no-priority] [--profile-server DIR]\n" +
        "  --no-priority          do not raise the priority (nice -10) of the server, the simulator and Postgres\n" +
        "  --profile-server DIR   write a V8 CPU profile of the voice server to DIR (open it in Chrome DevTools)\n" +
        '  --server-node-args="…" extra node flags for the voice server (e.g. --server-node-args="--trace-gc")\n' +
        "  --server-log FILE      keep the voice server's log there\n" +
        "  --rewrite-md           only rewrite bench/results/voice.md from voice.json (after a change to the report)\n",
    );
    process.exit(0);
  }
  const int = (name: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer (got "${value}")`);
    return n;
  };
  const steps = (values.steps ?? "50,100,150,200,250,300,400").split(",").map((s) => int("steps", s.trim(), 0));
  return {
    latencyCalls: int("latency-calls", values["latency-calls"], 20),
    latencyConcurrency: int("latency-concurrency", values["latency-concurrency"], 2),
    steps,
    budgetMs: int("budget-s", values["budget-s"], 720) * 1000,
    isPinned: !values["no-pin"],
    isPrioritized: !values["no-priority"],
    profileServerDir: values["profile-server"] ? path.resolve(values["profile-server"]) : null,
    serverNodeArgs: (values["server-node-args"] ?? "").split(/\s+/).filter(Boolean),
    serverLogCopy: values["server-log"] ? path.resolve(values["server-log"]) : null,
  };
}

// ---- process helpers ---------------------------------------------------------------------------------------

function hasTaskset(): boolean {
  return spawnSync("taskset", ["--version"], { stdio: "ignore" }).status === 0;
}

function pinSelf(core: number): boolean {
  return spawnSync("taskset", ["-a", "-p", "-c", String(core), String(process.pid)], { stdio: "ignore" }).status === 0;
}

// Raises the priority of a process and of all its threads and child processes (Postgres forks its backends
// from the postmaster, so later ones inherit it too).
function renice(pid: number, priority: number): boolean {
  let isOk = true;
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    const p = pids[i]!;
    let tids: string[] = [];
    try {
      tids = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        os.setPriority(Number(tid), priority);
      } catch {
        isOk = false;
      }
      try {
        const children = fs.readFileSync(`/proc/${p}/task/${tid}/children`, "utf8").trim();
        if (children) pids.push(...children.split(/\s+/).map(Number));
      } catch {
        // no children file on this kernel
      }
    }
  }
  return isOk;
}

function rssKb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

// utime + stime of a process, in ms.
function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

// Busy time of the whole machine, in ms summed over cores.
function machineBusyMs(): number {
  const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return ((user! + nice! + system! + irq! + softirq! + steal!) * 1000) / 100;
}

async function healthz(url: string): Promise<{ ok: boolean; activeCalls: number } | null> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    return (await response.json()) as { ok: boolean; activeCalls: number };
  } catch {
    return null;
  }
}

// Prometheus metrics from the server's /metrics, each summed over its label sets, from one scrape (scraping
// restarts the server's event-loop delay histogram).
async function serverMetrics<TName extends string>(url: string, names: TName[]): Promise<Record<TName, number | null>> {
  const values = Object.fromEntries(names.map((name) => [name, null])) as Record<TName, number | null>;
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
    for (const name of names) {
      // A counter that never moved may not be listed at all.
      let sum = 0;
      for (const line of text.split("\n")) {
        if (line.startsWith(name) && (line[name.length] === " " || line[name.length] === "{")) {
          sum += Number(line.slice(line.lastIndexOf(" ") + 1));
        }
      }
      values[name] = sum;
    }
  } catch {
    // the server is gone; reported by the caller
  }
  return values;
}

async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
}

function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, "utf8").trim().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

// ---- figures -----------------------------------------------------------------------------------------------

type TFigures = {
  calls: number;
  failedCalls: number;
  endedBy: Record<string, number>;
  voiceToVoiceMs: TDistribution | null;
  overheadMs: TDistribution | null;
  bargeInMs: TDistribution | null;
  bargeInsMissed: number;
  greetingMs: TDistribution | null;
  jitterMs: TDistribution | null;
  interArrivalMs: TDistribution | null;
  // The playout buffer ran dry mid-sentence; the second count is those right after the simulator itself stalled.
  lateFrames: number;
  lateFramesDuringSimulatorStall: number;
  worstLateMs: number | null;
  protocolErrors: number;
  simulatorTickLagMs: { p50: number; p99: number; max: number };
};

function figures(results: TSimCallResult[], failed: number, scheduler: SimScheduler): TFigures {
  const turns = results.flatMap((r) => r.turns);
  const replies = turns.filter(isCleanReply).map((t) => t.voiceToVoiceMs!);
  const interruptions = turns.filter((t) => t.isInterruption);
  const endedBy: Record<string, number> = {};
  for (const r of results) endedBy[r.end.by] = (endedBy[r.end.by] ?? 0) + 1;
  const allLate = results.flatMap((r) => r.pacing.lateFrames);
  const late = allLate.filter((l) => !l.isSimulatorStall);
  const lag = scheduler.tickLag();
  return {
    calls: results.length,
    failedCalls: failed,
    endedBy,
    voiceToVoiceMs: distribution(replies),
    overheadMs: distribution(replies.map((v) => v - PROVIDER_MS - ENDPOINTING_SILENCE_MS)),
    bargeInMs: distribution(interruptions.flatMap((t) => (t.bargeInMs === null ? [] : [t.bargeInMs]))),
    bargeInsMissed: interruptions.filter((t) => t.bargeInMs === null).length,
    greetingMs: distribution(results.flatMap((r) => (r.greetingMs === null ? [] : [r.greetingMs]))),
    jitterMs: distribution(results.flatMap((r) => r.pacing.jitterMs)),
    interArrivalMs: distribution(results.flatMap((r) => r.pacing.interArrivalMs)),
    lateFrames: late.length,
    lateFramesDuringSimulatorStall: allLate.length - late.length,
    worstLateMs: late.length ? Math.max(...late.map((l) => l.lateByMs)) : null,
    protocolErrors: results.reduce((sum, r) => sum + r.protocolErrors.length, 0),
    simulatorTickLagMs: { p50: lag.p50, p99: lag.p99, max: lag.max },
  };
}

type TServerStages = {
  turns: number;
  endpointingMs: TDistribution | null;
  sttMs: TDistribution | null;
  llmMs: TDistribution | null;
  ttsMs: TDistribution | null;
  firstFrameMs: TDistribution | null;
  firstAudioMs: TDistribution | null;
};

// The server's own per-stage timings of the answers (call_turns), each stage as the time it added.
async function serverStages(databaseUrl: string, since: Date): Promise<TServerStages> {
  const { sql } = createDb(databaseUrl, { max: 1 });
  try {
    const rows = await sql<
      { e: number; s: number; l: number; t: number; f: number }[]
    >`select t.endpointing_ms as e, t.stt_final_ms as s, t.llm_first_token_ms as l, t.tts_first_byte_ms as t, t.first_audio_ms as f
        from call_turns t join calls c on c.id = t.call_id and c.team_id = t.team_id
       where t.speaker = 'agent' and c.started_at >= ${since.toISOString()}::timestamptz and t.endpointing_ms is not null and t.stt_final_ms is not null
         and t.llm_first_token_ms is not null and t.tts_first_byte_ms is not null and t.first_audio_ms is not null`;
    return {
      turns: rows.length,
      endpointingMs: distribution(rows.map((r) => r.e)),
      sttMs: distribution(rows.map((r) => r.s - r.e)),
      llmMs: distribution(rows.map((r) => r.l - r.s)),
      ttsMs: distribution(rows.map((r) => r.t - r.l)),
      firstFrameMs: distribution(rows.map((r) => r.f - r.t)),
      firstAudioMs: distribution(rows.map((r) => r.f)),
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

// Matches each clean answer at the wire with the server's row for it (same call, nearest start) and returns
// wire voice-to-voice minus the server's.
async function wireMinusServer(databaseUrl: string, results: TSimCallResult[]): Promise<TDistribution | null> {
  const callIds = results.flatMap((r) => (r.callId ? [r.callId] : []));
  if (callIds.length === 0) return null;
  const { sql } = createDb(databaseUrl, { max: 1 });
  try {
    const rows = await sql<{ call_id: string; start_ms: number; first_audio_ms: number }[]>`
      select call_id, start_ms, first_audio_ms from call_turns
       where speaker = 'agent' and first_audio_ms is not null and call_id = any(${`{${callIds.join(",")}}`}::uuid[])`;
    const byCall = new Map<string, (typeof rows)[number][]>();
    for (const row of rows) {
      const turns = byCall.get(row.call_id);
      if (turns) turns.push(row);
      else byCall.set(row.call_id, [row]);
    }
    const gaps: number[] = [];
    for (const result of results) {
      const turns = byCall.get(result.callId ?? "") ?? [];
      for (const answer of result.turns.filter(isCleanReply)) {
        const at = answer.agentReplyAtMs;
        if (at === null || turns.length === 0) continue;
        const nearest = turns.reduce((a, b) => (Math.abs(b.start_ms - at) < Math.abs(a.start_ms - at) ? b : a));
        gaps.push(Math.round((answer.voiceToVoiceMs! - nearest.first_audio_ms) * 10) / 10);
      }
    }
    return distribution(gaps);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

// The voice server analyzes every ended call (pg-boss queue, Gemini) while later steps run: that work is part of its
// load. Counted at the end, so a run where analyses failed and were retried (extra load) shows it.
async function analysisStatuses(databaseUrl: string): Promise<Record<string, number>> {
  const { sql } = createDb(databaseUrl, { max: 1 });
  try {
    const rows = await sql<{ status: string; n: number }[]>`select analysis_status as status, count(*)::int as n from calls group by 1`;
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  } finally {
    await sql.end({ timeout: 5 });
  }
}

type TStep = TFigures & {
  concurrent: number;
  // CPU used by processes other than the simulator and the server (Postgres, anything else on the machine), in
  // % of one core: a high figure means the step competed for CPU and its latencies are pessimistic.
  otherCpuPercent: number;
  // Simulated callers and fake providers (this process and the fakes' one), in % of one core: near 100 means core 0 was the limit.
  simulatorCpuPercent: number;
  // Late frames the server's own pacer noticed (voice_pacer_late_frames_total): lateness that started inside it.
  serverPacerLateFrames: number | null;
  // Event-loop delay of the server process during the step (monitorEventLoopDelay, 10 ms resolution).
  serverLoopLagMs: { p99: number | null; max: number | null };
  serverStages: TServerStages;
  // Per answer, voice-to-voice at the wire minus the server's own voice-to-voice (call_turns.first_audio_ms): what
  // the server's clock cannot see. It dates the end of speech from the stream's timestamps, so this is caller
  // frames waiting to be read (in the simulator, the kernel or the server's event loop) and agent audio on its way back.
  wireMinusServerMs: TDistribution | null;
  // The fake providers' own time to answer (request or Finalize in -> first byte out): the fixed latency plus their
  // process's lateness. Server-seen minus this is the server and the loopback, not the fakes.
  fakeStages?: { sttMs: TDistribution | null; llmMs: TDistribution | null; ttsMs: TDistribution | null };
  peakActiveCalls: number;
  rssPeakMb: number;
  mbPerCall: number;
  serverCpuPercent: number;
  durationS: number;
  isPassing: boolean;
  failReasons: string[];
  // Overhead p99 at this load minus the low-load overhead p50: what load adds, without the constant part.
  loadAddedOverheadP99Ms: number | null;
  isPassingLoadAdded: boolean;
};

function round1(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
}

// ---- main --------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (process.argv.includes("--rewrite-md")) {
    const output = JSON.parse(fs.readFileSync(path.join(RESULTS_DIR, "voice.json"), "utf8")) as TOutput;
    fs.writeFileSync(path.join(RESULTS_DIR, "voice.md"), markdown(output));
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
  say(canPin ? "pinned: simulator, fake providers and Postgres on core 0; voice server on core 1" : "not pinned (no taskset, one core, or --no-pin)");

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bench-voice-"));
  fs.chmodSync(tmp, 0o755);
  const serverLog = path.join(tmp, "voice-server.log");
  let pg: TEmbeddedDb | null = null;
  let child: ChildProcess | null = null;
  const fakes: { close(): Promise<void> }[] = [];
  const sigint = () => {
    child?.kill("SIGKILL");
    process.exit(130);
  };
  process.once("SIGINT", sigint);
  try {
    pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), persistent: false, fastUnsafe: true });
    if (isPrioritized) {
      const postmaster = Number(fs.readFileSync(path.join(tmp, "pg", "postmaster.pid"), "utf8").split("\n")[0]);
      if (postmaster > 0) renice(postmaster, PRIORITY);
      renice(process.pid, PRIORITY);
    }
    await migrateDatabase(pg.url);
    const { db, sql } = createDb(pg.url, { max: 2 });
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
    await sql.end({ timeout: 5 });
    say(`Postgres ready on 127.0.0.1:${pg.port}; agent seeded on ${E164}`);

    const providerFakes = await spawnBenchFakes();
    fakes.push(providerFakes);
    // Above the simulator: they stand in for services on machines of their own, so they should not queue behind it.
    if (isPrioritized) renice(providerFakes.pid, PRIORITY - 5);
    const { deepgram, gemini, smallest } = providerFakes;
    const twilioRest = await FakeTwilioRest.start({ accountSid: SANDBOX_ACCOUNT_SID, authToken: SANDBOX_AUTH_TOKEN });
    // Every simulated call listens for its own REST redirects.
    twilioRest.setMaxListeners(0);
    fakes.push(twilioRest);

    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const logFd = fs.openSync(serverLog, "a");
    const profileArgs = options.profileServerDir ? ["--cpu-prof", `--cpu-prof-dir=${options.profileServerDir}`] : [];
    const serverArgs = [...profileArgs, ...options.serverNodeArgs, ...VOICE_SERVER_NODE_ARGS];
    child = spawn(canPin ? "taskset" : process.execPath, canPin ? ["-c", "1", process.execPath, ...serverArgs] : serverArgs, {
      cwd: ROOT,
      stdio: ["ignore", logFd, logFd],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: "development",
        DATABASE_URL: pg.url,
        VOICE_PORT: String(port),
        VOICE_HOST: "127.0.0.1",
        VOICE_PUBLIC_URL: baseUrl,
        DEEPGRAM_API_KEY: deepgram.apiKey,
        DEEPGRAM_BASE_URL: deepgram.url,
        GEMINI_API_KEY: gemini.apiKey,
        GEMINI_BASE_URL: gemini.url,
        SMALLEST_API_KEY: smallest.apiKey,
        SMALLEST_BASE_URL: smallest.url,
        TWILIO_API_BASE_URL: twilioRest.url,
        RECORDINGS_DIR: path.join(tmp, "recordings"),
        SHUTDOWN_GRACE_MS: "2000",
      },
    });
    fs.closeSync(logFd);
    const serverPid = child.pid!;
    let exited: string | null = null;
    child.once("exit", (code, signal) => (exited = `exited with ${code ?? signal}`));
    if (isPrioritized) renice(serverPid, PRIORITY);
    await waitUntil("the voice server to start", 30_000, async () => {
      if (exited) throw new Error(`voice server ${exited}:\n${tail(serverLog)}`);
      return (await healthz(baseUrl))?.ok === true;
    });
    // Again, now that the server has started all its threads.
    if (isPrioritized) renice(serverPid, PRIORITY);
    say(`voice server up on ${baseUrl} (pid ${serverPid})`);

    const scheduler = new SimScheduler();
    const voice = new CallerVoice();
    for (const line of LINES) await voice.say(line);
    let callNo = 0;
    // `holdMs`: silence before the script; `tailMs`: silence after its last answer, before hanging up.
    const oneCall = async (holdMs = 0, tailMs = 0): Promise<TSimCallResult | null> => {
      const n = ++callNo;
      try {
        return await runSimulatedCall({
          baseUrl,
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
      } catch (error) {
        say(`call ${n} failed: ${(error as Error).message}`);
        return null;
      }
    };
    const settle = () =>
      waitUntil("the server to finish its calls", 20_000, async () => {
        if (exited) throw new Error(`voice server ${exited}:\n${tail(serverLog)}`);
        return (await healthz(baseUrl))?.activeCalls === 0;
      });

    // Warm-up: JIT, connection pools, the greeting's audio cache.
    await Promise.all([oneCall(), oneCall()]);
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idleRssKb = rssKb(serverPid);
    say(`warmed up; idle RSS ${(idleRssKb / 1024).toFixed(1)} MB`);

    // ---- phase 1: latency at low load ----
    say(`phase 1: ${options.latencyCalls} calls, ${options.latencyConcurrency} at a time`);
    scheduler.resetTickLag();
    const latencySince = new Date();
    const latencyBusyBefore = machineBusyMs();
    const simulatorCpuMs = () => cpuMs(process.pid) + cpuMs(providerFakes.pid);
    const latencyOwnBefore = cpuMs(serverPid) + simulatorCpuMs();
    const latencyResults: TSimCallResult[] = [];
    let latencyFailed = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: options.latencyConcurrency }, async () => {
        // Half the time budget at most, so a misbehaving server leaves time for the capacity steps.
        while (next < options.latencyCalls && Date.now() - startedAt < options.budgetMs / 2) {
          next++;
          const result = await oneCall();
          if (result) latencyResults.push(result);
          else latencyFailed++;
        }
      }),
    );
    await settle();
    const latency = figures(latencyResults, latencyFailed, scheduler);
    const stages = await serverStages(pg.url, latencySince);
    const latencyMs = Date.now() - latencySince.getTime();
    const latencyOtherCpuPercent = Math.max(
      0,
      Math.round(((machineBusyMs() - latencyBusyBefore - (cpuMs(serverPid) + simulatorCpuMs() - latencyOwnBefore)) / latencyMs) * 100),
    );
    say(
      `  voice-to-voice p50 ${latency.voiceToVoiceMs?.p50} / p95 ${latency.voiceToVoiceMs?.p95} / p99 ${latency.voiceToVoiceMs?.p99} ms; ` +
        `overhead p99 ${latency.overheadMs?.p99} ms; barge-in p95 ${latency.bargeInMs?.p95} ms; late frames ${latency.lateFrames}; other processes ${latencyOtherCpuPercent}% CPU`,
    );

    // ---- phase 2: capacity ----
    const baselineOverheadMs = latency.overheadMs?.p50 ?? 0;
    const steps: TStep[] = [];
    let failuresInARow = 0;
    for (const concurrent of options.steps) {
      const estimatedMs = 40_000 + concurrent * 30;
      if (Date.now() - startedAt + estimatedMs > options.budgetMs) {
        say(`phase 2: skipping ${concurrent} calls and above (time budget)`);
        break;
      }
      say(`phase 2: ${concurrent} concurrent calls`);
      scheduler.resetTickLag();
      const stepStartedAt = Date.now();
      const cpuBefore = cpuMs(serverPid);
      const selfCpuBefore = simulatorCpuMs();
      const busyBefore = machineBusyMs();
      await providerFakes.takeTimings();
      const pacerLateBefore = (await serverMetrics(baseUrl, ["voice_pacer_late_frames_total"])).voice_pacer_late_frames_total;
      const stepSince = new Date();
      let peakRssKb = 0;
      let peakActive = 0;
      let isSampling = true;
      const sampler = (async () => {
        while (isSampling) {
          try {
            peakRssKb = Math.max(peakRssKb, rssKb(serverPid));
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
          return oneCall(Math.round(spreadMs - startAtMs + 500 + phaseMs), Math.round(TURN_CYCLE_MS - phaseMs));
        }),
      );
      isSampling = false;
      await sampler;
      const durationMs = Date.now() - stepStartedAt;
      const serverCpu = cpuMs(serverPid) - cpuBefore;
      const cpuPercent = (serverCpu / durationMs) * 100;
      const selfCpu = simulatorCpuMs() - selfCpuBefore;
      const otherCpuPercent = ((machineBusyMs() - busyBefore - serverCpu - selfCpu) / durationMs) * 100;
      // The server's event-loop delay over the step (its histogram restarted at the scrape before the step).
      const after = await serverMetrics(baseUrl, ["voice_event_loop_lag_p99_ms", "voice_event_loop_lag_max_ms", "voice_pacer_late_frames_total"]);
      await settle();
      const pacerLateAfter = after.voice_pacer_late_frames_total;
      const results = outcomes.filter((r): r is TSimCallResult => r !== null);
      const f = figures(results, outcomes.length - results.length, scheduler);
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
        peakActiveCalls: peakActive,
        rssPeakMb: Math.round((peakRssKb / 1024) * 10) / 10,
        mbPerCall: Math.round(((peakRssKb - idleRssKb) / 1024 / concurrent) * 100) / 100,
        serverCpuPercent: Math.round(cpuPercent),
        otherCpuPercent: Math.max(0, Math.round(otherCpuPercent)),
        simulatorCpuPercent: Math.round((selfCpu / durationMs) * 100),
        serverPacerLateFrames: pacerLateBefore !== null && pacerLateAfter !== null ? pacerLateAfter - pacerLateBefore : null,
        serverLoopLagMs: { p99: round1(after.voice_event_loop_lag_p99_ms), max: round1(after.voice_event_loop_lag_max_ms) },
        serverStages: await serverStages(pg.url, stepSince),
        wireMinusServerMs: await wireMinusServer(pg.url, results),
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
      steps.push(step);
      say(
        `  overhead p99 ${f.overheadMs?.p99} ms, v2v p50 ${f.voiceToVoiceMs?.p50} ms, late frames ${f.lateFrames}, server CPU ${step.serverCpuPercent}%, ` +
          `RSS ${step.rssPeakMb} MB (${step.mbPerCall} MB/call), simulator tick lag p99 ${f.simulatorTickLagMs.p99} ms (CPU ${step.simulatorCpuPercent}%), other processes ${step.otherCpuPercent}% CPU, ` +
          `server stages p95: STT ${step.serverStages.sttMs?.p95} LLM ${step.serverStages.llmMs?.p95} TTS ${step.serverStages.ttsMs?.p95} ` +
          `(fakes' own p95: ${step.fakeStages?.sttMs?.p95} / ${step.fakeStages?.llmMs?.p95} / ${step.fakeStages?.ttsMs?.p95}), server pacer late ${step.serverPacerLateFrames}, server event-loop lag p99/max ${step.serverLoopLagMs.p99}/${step.serverLoopLagMs.max} ms -> ${step.isPassing ? "PASS" : `FAIL (${failReasons.join("; ")})`}`,
      );
      // Ramp on through failing steps (the time budget bounds the run) unless the server is plainly overloaded.
      failuresInARow = step.isPassingLoadAdded ? 0 : failuresInARow + 1;
      if (failuresInARow >= 2 && (step.serverCpuPercent >= 95 || step.failedCalls > concurrent / 10)) break;
    }

    // ---- results ----
    const passing = steps.filter((s) => s.isPassing);
    const capacity = passing.length ? Math.max(...passing.map((s) => s.concurrent)) : 0;
    // Fixed costs (heap growth, pools) amortize over more calls: with no passing step, take the largest one run.
    const capacityStep = steps.find((s) => s.concurrent === capacity) ?? steps[steps.length - 1] ?? null;
    const passingAdded = steps.filter((s) => s.isPassingLoadAdded);
    const capacityLoadAdded = passingAdded.length ? Math.max(...passingAdded.map((s) => s.concurrent)) : 0;
    const targets = {
      overheadP99: { target: `<= ${TARGETS.overheadP99Ms} ms`, value: latency.overheadMs?.p99 ?? null, isMet: (latency.overheadMs?.p99 ?? Infinity) <= TARGETS.overheadP99Ms },
      bargeInP95: { target: `<= ${TARGETS.bargeInP95Ms} ms`, value: latency.bargeInMs?.p95 ?? null, isMet: (latency.bargeInMs?.p95 ?? Infinity) <= TARGETS.bargeInP95Ms },
      callsPerCore: { target: `>= ${TARGETS.callsPerCore}`, value: capacity, isMet: capacity >= TARGETS.callsPerCore },
      mbPerCall: {
        target: `<= ${TARGETS.mbPerCall} MB`,
        value: capacityStep?.mbPerCall ?? null,
        isMet: capacityStep !== null && capacityStep.mbPerCall <= TARGETS.mbPerCall,
        note: capacityStep ? `at ${capacityStep.concurrent} calls` : undefined,
      },
    };
    const git = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" });
    const machine = {
      cpuModel: os.cpus()[0]?.model ?? "unknown",
      cores: os.cpus().length,
      memoryGb: Math.round(os.totalmem() / 1024 ** 3),
      node: process.version,
      os: `${os.type()} ${os.release()}`,
      date: new Date().toISOString(),
      commit: git.status === 0 ? git.stdout.trim() : null,
      loadAverageAtStart: loadAtStart,
      isPinned: canPin,
      priority: isPrioritized ? PRIORITY : 0,
    };
    const output = {
      machine,
      setup: {
        providerLatencyMs: LATENCY,
        endpointingSilenceMs: ENDPOINTING_SILENCE_MS,
        interruptionMinSpeechMs: INTERRUPTION_MIN_SPEECH_MS,
        overheadFormula: `voice-to-voice - ${PROVIDER_MS} (STT ${LATENCY.sttFinalMs} + LLM ${LATENCY.llmFirstTokenMs} + TTS ${LATENCY.ttsFirstByteMs}) - ${ENDPOINTING_SILENCE_MS} (endpointing)`,
        script: SCRIPT.steps,
        turnCycleMs: TURN_CYCLE_MS,
        latencyPhase: { calls: options.latencyCalls, concurrency: options.latencyConcurrency, otherCpuPercent: latencyOtherCpuPercent },
        idleRssMb: Math.round((idleRssKb / 1024) * 10) / 10,
      },
      latency,
      serverStages: stages,
      capacity: { maxConcurrentCalls: capacity, maxConcurrentCallsLoadAdded: capacityLoadAdded, baselineOverheadMs, steps },
      postCallAnalysisAtEnd: await analysisStatuses(pg.url),
      targets,
      durationS: Math.round((Date.now() - startedAt) / 1000),
    };
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, "voice.json"), `${JSON.stringify(output, null, 2)}\n`);
    fs.writeFileSync(path.join(RESULTS_DIR, "voice.md"), markdown(output));
    process.stdout.write(`\n${table(output)}\n\nWrote bench/results/voice.json and bench/results/voice.md (${output.durationS} s)\n`);
  } catch (error) {
    process.stderr.write(`\nbench:voice failed: ${(error as Error).message}\n--- voice server log (tail) ---\n${tail(serverLog)}\n`);
    process.exitCode = 1;
  } finally {
    process.off("SIGINT", sigint);
    if (child && child.exitCode === null) {
      const gone = new Promise((resolve) => child!.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child!.kill("SIGKILL"), 5000);
      await gone;
      clearTimeout(timer);
    }
    for (const fake of fakes) await fake.close().catch(() => {});
    await pg?.stop().catch(() => {});
    if (options.serverLogCopy) fs.copyFileSync(serverLog, options.serverLogCopy);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

type TOutput = {
  machine: Record<string, unknown> & { cpuModel: string; cores: number; node: string; date: string; isPinned: boolean; priority: number };
  setup: { idleRssMb: number; overheadFormula: string; turnCycleMs: number; latencyPhase: { calls: number; concurrency: number; otherCpuPercent: number } };
  latency: TFigures;
  serverStages: TServerStages;
  capacity: { maxConcurrentCalls: number; maxConcurrentCallsLoadAdded: number; baselineOverheadMs: number; steps: TStep[] };
  postCallAnalysisAtEnd: Record<string, number>;
  targets: Record<string, { target: string; value: number | null; isMet: boolean; note?: string }>;
  durationS: number;
};

function d(dist: TDistribution | null): string {
  return dist ? `${dist.p50} / ${dist.p95} / ${dist.p99}` : "n/a";
}

function table(o: TOutput): string {
  const l = o.latency;
  const lines = [
    `Latency at low load (${l.calls} calls, ${o.setup.latencyPhase.concurrency} at a time), p50 / p95 / p99 in ms:`,
    `  voice-to-voice at the wire   ${d(l.voiceToVoiceMs)}`,
    `  server overhead              ${d(l.overheadMs)}`,
    `  barge-in (onset -> clear)    ${d(l.bargeInMs)}${l.bargeInsMissed ? `  (${l.bargeInsMissed} never cleared)` : ""}`,
    `  greeting (start -> audio)    ${d(l.greetingMs)}`,
    `  outbound pacing jitter       ${d(l.jitterMs)}   late frames: ${l.lateFrames}`,
    `  server's own stages (call_turns, p50): endpointing ${o.serverStages.endpointingMs?.p50}, STT ${o.serverStages.sttMs?.p50}, ` +
      `LLM ${o.serverStages.llmMs?.p50}, TTS ${o.serverStages.ttsMs?.p50}, to first frame ${o.serverStages.firstFrameMs?.p50}; ` +
      `first audio ${o.serverStages.firstAudioMs?.p50} ms`,
    "",
    "Capacity (voice server on one core):",
    "  calls  overhead p50/p95/p99   added p99  v2v p50   late  CPU%   RSS MB  MB/call  sim lag p99  other CPU%  result",
    ...o.capacity.steps.map(
      (s) =>
        `  ${String(s.concurrent).padStart(5)}  ${d(s.overheadMs).padEnd(21)}  ${String(s.loadAddedOverheadP99Ms ?? "n/a").padStart(9)}  ${String(s.voiceToVoiceMs?.p50 ?? "n/a").padStart(7)}  ${String(s.lateFrames).padStart(4)}  ${String(s.serverCpuPercent).padStart(4)}  ${String(s.rssPeakMb).padStart(7)}  ${String(s.mbPerCall).padStart(7)}  ${String(s.simulatorTickLagMs.p99).padStart(11)}  ${String(s.otherCpuPercent).padStart(10)}  ${s.isPassing ? "pass" : `FAIL: ${s.failReasons.join("; ")}`}; load-added: ${s.isPassingLoadAdded ? "pass" : "FAIL"}`,
    ),
    `  => most concurrent calls with overhead p99 <= ${TARGETS.overheadP99Ms} ms and no late frame: ${o.capacity.maxConcurrentCalls}`,
    `  => most concurrent calls where load adds <= ${TARGETS.overheadP99Ms} ms to overhead p99 (over the ${o.capacity.baselineOverheadMs} ms low-load p50) and no late frame: ${o.capacity.maxConcurrentCallsLoadAdded}`,
    "",
    "Targets:",
    ...Object.entries(o.targets).map(
      ([name, t]) => `  ${name.padEnd(13)} ${t.target.padEnd(10)} got ${t.value ?? "n/a"}${t.note ? ` (${t.note})` : ""}  ${t.isMet ? "PASS" : "FAIL"}`,
    ),
  ];
  return lines.join("\n");
}

function contamination(o: TOutput): string {
  const busy = [
    ...(o.setup.latencyPhase.otherCpuPercent > 30 ? ["the latency phase"] : []),
    ...o.capacity.steps.filter((s) => s.otherCpuPercent > 30).map((s) => `${s.concurrent} calls`),
  ];
  if (busy.length === 0) return "";
  return `> **Caveat:** other work used more than 30% of a core during ${busy.join(", ")} (see "other processes CPU").
> Those figures are pessimistic; rerun \`npm run bench:voice\` on a quiet machine before comparing them with the targets.

`;
}

function markdown(o: TOutput): string {
  const m = o.machine;
  const l = o.latency;
  const row = (name: string, dist: TDistribution | null) =>
    `| ${name} | ${dist ? `${dist.p50} | ${dist.p95} | ${dist.p99} | ${dist.max} | ${dist.count}` : "n/a | | | |"} |`;
  return `# Voice server benchmark

\`npm run bench:voice\` - ${m.date}, commit ${String(m.commit ?? "?")}

Machine: ${m.cpuModel}, ${m.cores} cores, ${String(m.memoryGb)} GB, Node ${m.node}, ${String(m.os)}; load average at start ${JSON.stringify(m.loadAverageAtStart)}.
${m.priority !== 0 ? `Benchmark processes (server, simulator, fake providers, Postgres) at nice ${m.priority}, so unrelated work on the machine disturbs them less. ` : ""}${m.isPinned ? "Voice server pinned to core 1 (`taskset -c 1`); simulated callers, fake providers (a process of their own) and Postgres on core 0." : "Not pinned (no taskset or fewer than 2 cores): figures include the simulator's own load."}

Fake providers with fixed latencies: STT final ${LATENCY.sttFinalMs} ms after Finalize, LLM first token ${LATENCY.llmFirstTokenMs} ms,
TTS first byte ${LATENCY.ttsFirstByteMs} ms. Agent endpointing silence ${ENDPOINTING_SILENCE_MS} ms, minimum interrupting speech ${INTERRUPTION_MIN_SPEECH_MS} ms.
Each call: greeting, question, answer, second question, the caller cuts into the long answer 800 ms after it starts, answer, hang-up.
In the capacity steps the calls connect over up to 8 s and hold silently until all N are up; each then starts talking at a random
point of one ${o.setup.turnCycleMs / 1000} s turn cycle and holds again after its last answer, so answers come at the rate N calls in steady
conversation produce (not all calls' questions in the same few seconds) and every measured answer has all N calls live.
Everything is measured at the wire by the simulated Twilio (tests/sim/twilio-caller.ts):

- voice-to-voice: last voiced caller frame sent -> first voiced agent frame received;
- server overhead: ${o.setup.overheadFormula};
- barge-in: first voiced frame of the interrupting line -> \`clear\` received;
- pacing jitter: |gap between consecutive agent media messages - duration of the earlier one| within a stretch of audio.
  The server keeps up to PACER_LEAD_MS (200) of audio queued at the far end and tops it up in batches of about
  PACER_BATCH_MS (60), so a message often carries more audio than the gap to the next one: tens of ms here are by
  design. What a caller would hear is a late frame;
- late frame: the emulated playout buffer (drained at 8 bytes/ms) ran dry mid-sentence and audio arrived later.

${contamination(o)}## Targets

| target | required | measured | |
|---|---|---|---|
${Object.entries(o.targets)
  .map(([name, t]) => `| ${name} | ${t.target} | ${t.value ?? "n/a"}${t.note ? ` (${t.note})` : ""} | ${t.isMet ? "pass" : "**FAIL**"} |`)
  .join("\n")}

## Latency at low load (${l.calls} calls, ${o.setup.latencyPhase.concurrency} at a time)

| ms | p50 | p95 | p99 | max | n |
|---|---|---|---|---|---|
${row("voice-to-voice", l.voiceToVoiceMs)}
${row("server overhead", l.overheadMs)}
${row("barge-in reaction", l.bargeInMs)}
${row("greeting (stream start -> first audio)", l.greetingMs)}
${row("outbound pacing jitter", l.jitterMs)}
${row("outbound inter-arrival", l.interArrivalMs)}

Other processes used ${o.setup.latencyPhase.otherCpuPercent}% of a core meanwhile. Late frames: ${l.lateFrames} (plus ${l.lateFramesDuringSimulatorStall} right after a stall of the simulator itself, not counted). Interruptions never cleared: ${l.bargeInsMissed}. Failed calls: ${l.failedCalls}. Protocol errors: ${l.protocolErrors}.

The server's own timings of the same answers (call_turns; each stage is the time it added, measured by the server from
the end of the caller's speech as its VAD saw it):

| ms | p50 | p95 | p99 | max | n |
|---|---|---|---|---|---|
${row("endpointing (VAD silence)", o.serverStages.endpointingMs)}
${row("STT final", o.serverStages.sttMs)}
${row("LLM first token", o.serverStages.llmMs)}
${row("TTS first byte", o.serverStages.ttsMs)}
${row("TTS first byte -> first frame sent", o.serverStages.firstFrameMs)}
${row("first audio (server's voice-to-voice)", o.serverStages.firstAudioMs)}

## Capacity (one voice server process on one core)

The voice server also analyzes every call once it has ended, so each step carries the analyses of the step before.
Analyses by status at the end of the run: ${Object.entries(o.postCallAnalysisAtEnd).map(([status, n]) => `${status} ${n}`).join(", ") || "none"}.

Idle RSS after warm-up: ${o.setup.idleRssMb} MB. Memory per call = (peak RSS during the step - idle RSS) / calls.

| concurrent calls | overhead p50 / p95 / p99 ms | load-added p99 ms | voice-to-voice p50 ms | barge-in p95 ms | late frames (server pacer's own count) | server CPU % | peak RSS MB | MB per call | server-seen STT / LLM / TTS p95 ms (fakes' own) | server's own voice-to-voice p50 / p99 ms | wire minus server p50 / p99 ms | server event-loop delay p99 / max ms | simulator CPU %, tick lag p99 ms | other processes CPU % | result |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
${o.capacity.steps
  .map(
    (s) =>
      `| ${s.concurrent} | ${d(s.overheadMs)} | ${s.loadAddedOverheadP99Ms ?? "n/a"} | ${s.voiceToVoiceMs?.p50 ?? "n/a"} | ${s.bargeInMs?.p95 ?? "n/a"} | ${s.lateFrames} (${s.serverPacerLateFrames ?? "?"}) | ${s.serverCpuPercent} | ${s.rssPeakMb} | ${s.mbPerCall} | ${s.serverStages.sttMs?.p95 ?? "?"} / ${s.serverStages.llmMs?.p95 ?? "?"} / ${s.serverStages.ttsMs?.p95 ?? "?"}${s.fakeStages ? ` (${s.fakeStages.sttMs?.p95 ?? "?"} / ${s.fakeStages.llmMs?.p95 ?? "?"} / ${s.fakeStages.ttsMs?.p95 ?? "?"})` : ""} | ${s.serverStages.firstAudioMs?.p50 ?? "?"} / ${s.serverStages.firstAudioMs?.p99 ?? "?"} | ${s.wireMinusServerMs?.p50 ?? "?"} / ${s.wireMinusServerMs?.p99 ?? "?"} | ${s.serverLoopLagMs?.p99 ?? "?"} / ${s.serverLoopLagMs?.max ?? "?"} | ${s.simulatorCpuPercent}, ${s.simulatorTickLagMs.p99} | ${s.otherCpuPercent} | ${s.isPassing ? "pass" : `fail: ${s.failReasons.join("; ")}`} |`,
  )
  .join("\n")}

Most concurrent calls with overhead p99 <= ${TARGETS.overheadP99Ms} ms and no late frame (the target's definition): **${o.capacity.maxConcurrentCalls}**.
Most concurrent calls where load adds at most ${TARGETS.overheadP99Ms} ms to overhead p99 over its low-load p50 (${o.capacity.baselineOverheadMs} ms) and no
late frame (how far the server scales, whatever its constant overhead): **${o.capacity.maxConcurrentCallsLoadAdded}**.
A high simulator tick lag means the simulator (core 0) could not keep up, which inflates the figures of that step.
"Server event-loop delay" is Node's monitorEventLoopDelay on a 10 ms timer, interval included: about 10 ms means the
loop never waited; the max is the longest stall of the step (a GC pause, a burst of work).
"Server-seen STT / LLM / TTS" are the fake providers' latencies as the server measured them (fixed at ${LATENCY.sttFinalMs} / ${LATENCY.llmFirstTokenMs} / ${LATENCY.ttsFirstByteMs});
in brackets, what the fakes themselves took from request in to first byte out. The fakes' own figure growing means core 0
(simulator and fakes) was late; the gap between the two is the server and the loopback.
"Server's own voice-to-voice" is first_audio_ms of the same answers: the end of speech dated by the stream's timestamps
to the first frame written. "Wire minus server" is, per answer, the simulator's voice-to-voice minus the server's: time the
server's clock cannot see, i.e. caller frames waiting to be read (simulator, kernel, the server's event loop) and agent
audio on its way back. Answers that go bad together within a fraction of a second point at a stall of the machine or core 0.
"Other processes CPU" is what the rest of the machine used meanwhile (Postgres and anything unrelated): when it is high, the
server competed for its core and the step's figures are pessimistic.
`;
}

main().then(() => process.exit(process.exitCode ?? 0));
