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
// Between the latency phase and the capacity steps, the turn-taking phase (bench-voice-turn-phase.ts) runs the turn
// sets of tests/fixtures/turn-taking through each server at low load; `--turns-only` runs just that.
//
// This file sets the run up (Postgres, the fakes, the servers) and runs the phases in order: latency
// (bench-voice-latency.ts), turn-taking, capacity (bench-voice-capacity.ts), overload (bench-voice-overload.ts),
// the analysis drain (bench-voice-drain.ts), then writes the results (bench-voice-results.ts).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb } from "@/db/client";
import { startEmbeddedPostgres, type TEmbeddedDb } from "@/db/embedded";
import { migrateDatabase } from "@/db/migrate";
import { FakeTwilioRest } from "@/tests/fakes/twilio-rest";
import { CallerVoice } from "@/tests/sim/caller-audio";
import { seedSimAgent } from "@/tests/sim/seed";
import { SimScheduler } from "@/tests/sim/sim-scheduler";
import { SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN } from "@/tests/sim/twilio-caller";
import { runCapacityPhase } from "./bench-voice-capacity";
import { runDrainPhase } from "./bench-voice-drain";
import { LINES, TURNS_DEPARTMENT, spawnBenchFakes } from "./bench-voice-fakes";
import { ENDPOINTING_SILENCE_MS, INTERRUPTION_MIN_SPEECH_MS } from "./bench-voice-figures";
import { E164, GREETING, PRIORITY, createBench, stopChild, type TTarget } from "./bench-voice-harness";
import { runLatencyPhase } from "./bench-voice-latency";
import { readOptions } from "./bench-voice-options";
import { ADMISSION_OBSERVE, runOverloadPhase } from "./bench-voice-overload";
import { hasTaskset, pinSelf, renice, tail } from "./bench-voice-process";
import { rewriteMarkdown, writeResults } from "./bench-voice-results";
import { createTurnPhase } from "./bench-voice-turn-phase";
import { TURNS_E164 } from "./bench-voice-turns";
import { currentTree, prepareTree } from "./bench-voice-tree";

const ROOT = process.cwd();

async function main(): Promise<void> {
  if (process.argv.includes("--rewrite-md")) {
    rewriteMarkdown();
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

    const scheduler = new SimScheduler();
    const voice = new CallerVoice();
    for (const line of LINES) await voice.say(line);
    const bench = createBench({ options, targets, startedAt, say, scheduler, voice, providerFakes, twilioRest, tmp, isPrioritized, canPin });

    for (const target of targets) {
      await bench.focus(target);
      await bench.startServer(target, ADMISSION_OBSERVE);
      await bench.startWorkerOf(target);
      await bench.warmUp(target);
    }

    const turns = createTurnPhase(bench);
    if (options.isTurnsOnly) {
      await turns.run(0);
      process.stdout.write(`\n--turns-only: bench/results left as they were (${Math.round((Date.now() - startedAt) / 1000)} s)\n`);
      return;
    }
    const latencyOf = await runLatencyPhase(bench);
    await turns.run(1);
    const capacityOf = await runCapacityPhase(bench, latencyOf);
    const overload = await runOverloadPhase(bench, capacityOf, latencyOf);
    const drainOf = await runDrainPhase(bench);
    await writeResults(bench, { latencyOf, turnsOf: turns.turnsOf, capacityOf, overload, drainOf }, { loadAverageAtStart: loadAtStart, isPinned: canPin });
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

main().then(() => process.exit(process.exitCode ?? 0));
