// `npm run bench:retention`: the retention purge of a large backlog while live calls keep writing.
// A benchmark, not a test: starts a throwaway embedded Postgres, seeds one team with N expired calls (1,000,000 by
// default) and their turns and events, then runs the real purge (lib/retention) while a concurrent writer does what
// the voice server does for live calls of the same team and another: a turn written every few milliseconds and a
// heartbeat every few more. Reports rows removed per second and every live write's latency (the longest lock wait
// a live call saw is inside its max), and writes bench/results/retention.{json,md}.
// Options: --calls N (default 1000000), --turns N per call (default 6), --live N live calls (default 40),
// --write-every-ms N (default 2), --other-teams N teams with recent calls the purge must leave (default 500),
// --keep (leave the data dir).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { createDb, schema, type Db } from "@/db/client";
import { startEmbeddedPostgres } from "@/db/embedded";
import { migrateDatabase } from "@/db/migrate";
import { rebuildRollups } from "@/lib/analytics/rollup";
import { appendCallTurn } from "@/lib/calls/append-turn";
import { touchLiveCalls } from "@/lib/calls/heartbeat";
import { analyticsTotals } from "@/lib/analytics/queries";
import { saveRetentionPolicy } from "@/lib/retention/policy";
import { createLocalRecordingStore } from "@/lib/recordings/local-store";
import { previewPurge } from "@/lib/retention/purge";
import { runTeamRetention } from "@/lib/retention/run-retention";
import { signUp } from "@/lib/teams/sign-up";

const TARGET_MAX_WRITE_MS = 50;
const RESULTS_DIR = path.join(process.cwd(), "bench", "results");
const DAY_MS = 86_400_000;

const { values: args } = parseArgs({
  options: {
    calls: { type: "string", default: "1000000" },
    turns: { type: "string", default: "6" },
    live: { type: "string", default: "40" },
    "write-every-ms": { type: "string", default: "2" },
    "other-teams": { type: "string", default: "500" },
    keep: { type: "boolean", default: false },
  },
});
const CALLS = Number(args.calls);
const TURNS = Number(args.turns);
const LIVE = Number(args.live);
const WRITE_EVERY_MS = Number(args["write-every-ms"]);
const OTHER_TEAMS = Number(args["other-teams"]);
if (!Number.isInteger(OTHER_TEAMS) || OTHER_TEAMS < 0 || OTHER_TEAMS > 100_000) throw new Error("--other-teams must be an integer from 0 to 100000");
if (!Number.isInteger(CALLS) || CALLS < 1000) throw new Error("--calls must be an integer >= 1000");
if (!Number.isInteger(TURNS) || TURNS < 0 || TURNS > 50) throw new Error("--turns must be an integer from 0 to 50");
if (!Number.isInteger(LIVE) || LIVE < 1 || LIVE > 1000) throw new Error("--live must be an integer from 1 to 1000");
if (!(WRITE_EVERY_MS >= 1 && WRITE_EVERY_MS <= 1000)) throw new Error("--write-every-ms must be from 1 to 1000");

function log(message: string) {
  process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

const round = (ms: number) => Math.round(ms * 10) / 10;
function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

// Expired calls spread over the year before the 30-day policy's cutoff, 20% with a recording path, each with turns
// and one event; then the live calls of this team and of a second one, started just now.
async function seed(db: Db, now: Date) {
  const owner = await signUp(db, { name: "Bench", email: "bench@example.test", password: "bench-password-1", companyName: "Bench Co" });
  const other = await signUp(db, { name: "Other", email: "other@example.test", password: "bench-password-2", companyName: "Other Co" });
  const actor = { userId: owner.user.id, label: owner.user.email };
  await saveRetentionPolicy(db, owner.team.id, actor, { recordings: 30, transcripts: 30, calls: 30, messages: 30, webhookPayloads: 30, testCalls: 30 });
  const team = owner.team.id;
  const batch = 50_000;
  for (let done = 0; done < CALLS; done += batch) {
    const n = Math.min(batch, CALLS - done);
    await db.execute(sql`
      insert into calls (team_id, direction, from_number, to_number, status, outcome, end_reason, started_at, answered_at,
        ended_at, duration_sec, analysis_status, sentiment, summary, turn_count, voice_to_voice_p50_ms, voice_to_voice_p95_ms,
        recording_path)
      select ${team}::uuid, 'inbound', '+1444' || lpad((g % 9999999)::text, 7, '0'), '+15550100000', 'completed',
        (array['resolved','transferred','message_taken','abandoned']::call_outcome[])[1 + g % 4], 'caller_hangup', s, s + interval '2 s',
        s + interval '3 min', 180, 'done', 'neutral', 'A caller asked about opening hours.', ${TURNS}, 600 + g % 900, 1200 + g % 2000,
        case when g % 5 = 0 then ${team}::text || '/' || gen_random_uuid()::text || '.wav' end
      from (select g, ${now.toISOString()}::timestamptz - interval '31 days' - (g::float8 / ${CALLS}::float8 * interval '365 days') as s
            from generate_series(${done + 1}::int, ${done + n}::int) g) x`);
    log(`seeded ${(done + n).toLocaleString("en-US")} calls`);
  }
  if (TURNS > 0) {
    log(`seeding ${(CALLS * TURNS).toLocaleString("en-US")} turns`);
    const calls = await db.execute<{ lo: string; hi: string }>(sql`select min(started_at)::text as lo, max(started_at)::text as hi from calls where team_id = ${team}`);
    const lo = Date.parse(calls[0]!.lo);
    const hi = Date.parse(calls[0]!.hi) + 1;
    const slices = Math.max(1, Math.ceil(CALLS / 50_000));
    for (let i = 0; i < slices; i++) {
      const from = new Date(lo + ((hi - lo) * i) / slices).toISOString();
      const to = new Date(lo + ((hi - lo) * (i + 1)) / slices).toISOString();
      await db.execute(sql`
        insert into call_turns (team_id, call_id, seq, speaker, text, start_ms, end_ms)
        select c.team_id, c.id, g, (case when g % 2 = 0 then 'caller' else 'agent' end)::speaker,
          case when g % 2 = 0 then 'What time do you open on Saturday?' else 'We open at nine on Saturdays.' end, g * 4000, g * 4000 + 3000
        from calls c cross join generate_series(0, ${TURNS - 1}::int) g
        where c.team_id = ${team} and c.started_at >= ${from}::timestamptz and c.started_at < ${to}::timestamptz`);
      await db.execute(sql`
        insert into call_events (team_id, call_id, at_ms, kind, name, data)
        select c.team_id, c.id, 1000, 'tool_call', 'lookup_hours', '{"day":"saturday"}'::jsonb
        from calls c where c.team_id = ${team} and c.started_at >= ${from}::timestamptz and c.started_at < ${to}::timestamptz`);
    }
  }
  // Other tenants with recent calls and turns: deleting a call makes Postgres look for its turns across all teams'
  // rows, so a purge on a one-team database would look faster than it is.
  if (OTHER_TEAMS > 0) {
    log(`seeding ${OTHER_TEAMS} other teams with 20 recent calls each`);
    await db.execute(sql`insert into teams (name, slug) select 'Other ' || g, 'bench-other-' || g from generate_series(1, ${OTHER_TEAMS}::int) g`);
    await db.execute(sql`
      insert into calls (team_id, direction, status, outcome, started_at, ended_at)
      select t.id, 'inbound', 'completed', 'resolved', now() - (g || ' hours')::interval, now() - (g || ' hours')::interval + interval '3 min'
      from teams t cross join generate_series(1, 20) g where t.slug like 'bench-other-%'`);
    await db.execute(sql`
      insert into call_turns (team_id, call_id, seq, speaker, text, start_ms, end_ms)
      select c.team_id, c.id, g, 'caller', 'Do you deliver on Sundays?', g * 4000, g * 4000 + 3000
      from calls c join teams t on t.id = c.team_id cross join generate_series(0, 5) g where t.slug like 'bench-other-%'`);
  }
  const live = await db.execute<{ id: string; team_id: string }>(sql`
    insert into calls (team_id, direction, status, started_at, answered_at, heartbeat_at)
    select case when g % 2 = 0 then ${team}::uuid else ${other.team.id}::uuid end, 'inbound', 'in_progress', now(), now(), now()
    from generate_series(1, ${LIVE}::int) g returning id, team_id`);
  return { team, live: live.map((r) => ({ teamId: r.team_id, callId: r.id })) };
}

type TWriter = { mark(): void; stop(): Promise<{ baseline: number[]; turns: number[]; heartbeats: number[] }> };

// The voice server's writes for live calls: a turn of one live call every WRITE_EVERY_MS, round robin, and a
// heartbeat of all of them every 2 s as the voice server does, on a pool of their own. Each write's latency.
function startWriter(db: Db, live: { teamId: string; callId: string }[]): TWriter {
  // Turn writes before mark(): the machine's own noise, with no purge running.
  const baseline: number[] = [];
  let turns: number[] = baseline;
  const heartbeats: number[] = [];
  let isMarked = false;
  const seqs = new Map<string, number>();
  let isStopped = false;
  let i = 0;
  const turnLoop = (async () => {
    while (!isStopped) {
      const call = live[i++ % live.length]!;
      const seq = seqs.get(call.callId) ?? 0;
      seqs.set(call.callId, seq + 1);
      const t0 = performance.now();
      await appendCallTurn(db, { teamId: call.teamId, callId: call.callId, seq, speaker: seq % 2 ? "agent" : "caller", text: "I would like to book a table for two.", startMs: seq * 3000, endMs: seq * 3000 + 2000 });
      turns.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, WRITE_EVERY_MS));
    }
  })();
  const beatLoop = (async () => {
    while (!isStopped) {
      const t0 = performance.now();
      await touchLiveCalls(db, live);
      if (isMarked) heartbeats.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 2000));
    }
  })();
  return {
    mark: () => {
      isMarked = true;
      turns = [];
    },
    stop: async () => {
      isStopped = true;
      await Promise.all([turnLoop, beatLoop]);
      return { baseline, turns, heartbeats };
    },
  };
}

// Lock waits of the writer's connections, sampled from pg_stat_activity every 5 ms: apart from CPU and I/O, the one
// way a purge could slow a live write. A wait seen in consecutive samples counts as one wait of that length.
function startLockMonitor(db: Db): { stop(): Promise<{ samples: number; waits: number[] }> } {
  const waits: number[] = [];
  const open = new Map<number, number>();
  let samples = 0;
  let isStopped = false;
  const loop = (async () => {
    while (!isStopped) {
      const rows = await db.execute<{ pid: number }>(sql`
        select pid from pg_stat_activity where application_name = 'bench-live-writer' and wait_event_type = 'Lock'`);
      samples++;
      const now = performance.now();
      const seen = new Set(rows.map((r) => r.pid));
      for (const pid of seen) if (!open.has(pid)) open.set(pid, now);
      for (const [pid, since] of open) {
        if (!seen.has(pid)) {
          waits.push(now - since);
          open.delete(pid);
        }
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    stop: async () => {
      isStopped = true;
      await loop;
      for (const since of open.values()) waits.push(performance.now() - since);
      return { samples, waits };
    },
  };
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50Ms: round(percentile(sorted, 0.5)),
    p95Ms: round(percentile(sorted, 0.95)),
    p99Ms: round(percentile(sorted, 0.99)),
    maxMs: round(sorted.at(-1) ?? 0),
    over50Ms: sorted.filter((v) => v > TARGET_MAX_WRITE_MS).length,
  };
}

async function main() {
  const started = Date.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-retention-"));
  fs.chmodSync(dataDir, 0o777);
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "pg"), persistent: false, fastUnsafe: true });
  const purger = createDb(pg.url, { max: 2 });
  const writerSql = postgres(pg.url, { max: 2, onnotice: () => {}, connection: { application_name: "bench-live-writer" } });
  const writer = { db: drizzle(writerSql, { schema }), sql: writerSql };
  const monitor = createDb(pg.url, { max: 1 });
  const recordingsDir = path.join(dataDir, "recordings");
  fs.mkdirSync(recordingsDir, { recursive: true });
  try {
    await migrateDatabase(pg.url);
    const now = new Date();
    log(`seeding ${CALLS.toLocaleString("en-US")} expired calls with ${TURNS} turns each`);
    const seedStarted = Date.now();
    const { team, live } = await seed(purger.db, now);
    const seedMs = Date.now() - seedStarted;
    log("building rollups");
    await rebuildRollups(purger.db, team);
    await purger.db.execute(sql`vacuum analyze`);
    const range = { from: new Date(Math.floor((now.getTime() - 400 * DAY_MS) / DAY_MS) * DAY_MS), to: new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS) };
    const totalsBefore = await analyticsTotals(purger.db, team, range);
    const [before] = await purger.db.execute<{ calls: number; turns: number; events: number; version: string }>(sql`
      select (select count(*) from calls where team_id = ${team})::int as calls, (select count(*) from call_turns where team_id = ${team})::int as turns,
             (select count(*) from call_events where team_id = ${team})::int as events, version() as version`);

    const deps = { stores: { local: createLocalRecordingStore(recordingsDir), s3: null }, twilio: null };
    log("dry run");
    const previewStarted = performance.now();
    const preview = await previewPurge(purger.db, team, deps, { now });
    const previewMs = performance.now() - previewStarted;
    log(`dry run counted ${preview.counts.calls.toLocaleString("en-US")} calls, ${preview.counts.turns.toLocaleString("en-US")} turns in ${(previewMs / 1000).toFixed(1)} s`);

    log("purging while live calls write");
    const load0 = os.loadavg();
    const writes = startWriter(writer.db, live);
    await new Promise((r) => setTimeout(r, 3000)); // the writer's baseline before the purge starts
    writes.mark();
    const locks = startLockMonitor(monitor.db);
    const purgeStarted = performance.now();
    // No time limit: the whole backlog in one run (the schedule spreads it over runs of 15 minutes).
    const run = await runTeamRetention(purger.db, team, deps, { now, budgetMs: 24 * 3600_000 });
    const purgeMs = performance.now() - purgeStarted;
    const written = await writes.stop();
    const lockWaits = await locks.stop();
    const load1 = os.loadavg();
    if (!run) throw new Error("the purge did not run (lease held)");

    const [after] = await purger.db.execute<{ calls: number; turns: number; live: number; liveTurns: number }>(sql`
      select (select count(*) from calls where team_id = ${team})::int as calls, (select count(*) from call_turns where team_id = ${team})::int as turns,
             (select count(*) from calls where id = any(${`{${live.map((l) => l.callId).join(",")}}`}::uuid[]))::int as live,
             (select count(*) from call_turns where call_id = any(${`{${live.map((l) => l.callId).join(",")}}`}::uuid[]))::int as "liveTurns"`);
    const totalsAfter = await analyticsTotals(purger.db, team, range);
    const counts = run.counts as Record<string, number>;
    const rowsRemoved = (counts.calls ?? 0) + (counts.turns ?? 0) + (counts.callEvents ?? 0);
    const baseStats = stats(written.baseline);
    const turnStats = stats(written.turns);
    const beatStats = stats(written.heartbeats);
    const all = stats([...written.turns, ...written.heartbeats]);
    const cpus = os.cpus();
    const report = {
      date: new Date().toISOString(),
      machine: {
        cpu: cpus[0]?.model ?? "unknown",
        cores: cpus.length,
        memoryGb: round(os.totalmem() / 1024 ** 3),
        os: `${os.type()} ${os.release()}`,
        node: process.version,
        postgres: before!.version,
        loadAverage1mBefore: round(load0[0]!),
        loadAverage1mAfter: round(load1[0]!),
      },
      dataset: { otherTeams: OTHER_TEAMS, expiredCalls: CALLS, turnsPerCall: TURNS, callsBefore: before!.calls, turnsBefore: before!.turns, eventsBefore: before!.events, liveCalls: LIVE, writeEveryMs: WRITE_EVERY_MS },
      timings: { seedMs, dryRunMs: round(previewMs), purgeMs: round(purgeMs), totalMs: Date.now() - started },
      purge: { status: run.status, counts, errors: run.errors, rowsRemoved, rowsPerSecond: Math.round(rowsRemoved / (purgeMs / 1000)), callsPerSecond: Math.round((counts.calls ?? 0) / (purgeMs / 1000)) },
      dryRunMatches: Object.entries(preview.counts).every(([k, v]) => counts[k] === v),
      afterPurge: { calls: after!.calls, turns: after!.turns, liveCallsKept: after!.live, liveTurnsWritten: after!.liveTurns },
      dashboardUnchanged: JSON.stringify(totalsBefore) === JSON.stringify(totalsAfter),
      liveWrites: { baselineTurnsBeforePurge: baseStats, turns: turnStats, heartbeats: beatStats, all },
      lockWaits: { samples: lockWaits.samples, count: lockWaits.waits.length, longestMs: round(Math.max(0, ...lockWaits.waits)) },
      targetMaxWriteMs: TARGET_MAX_WRITE_MS,
      pass: all.maxMs <= TARGET_MAX_WRITE_MS && after!.live === LIVE,
    };
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, "retention.json"), `${JSON.stringify(report, null, 2)}\n`);
    const row = (name: string, s: ReturnType<typeof stats>) => `| ${name} | ${s.count.toLocaleString("en-US")} | ${s.p50Ms} | ${s.p95Ms} | ${s.p99Ms} | ${s.maxMs} | ${s.over50Ms} |`;
    const md = [
      "# Retention purge benchmark",
      "",
      `Run ${report.date} by \`npm run bench:retention -- --calls ${CALLS}\` (scripts/bench-retention.ts).`,
      "",
      `Machine: ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryGb} GB, ${report.machine.os}, Node ${report.machine.node}, ${report.machine.postgres.split(" on ")[0]} (embedded, fsync off). Load average (1 min) ${report.machine.loadAverage1mBefore} before the purge, ${report.machine.loadAverage1mAfter} after.`,
      "",
      `Dataset: one team, ${CALLS.toLocaleString("en-US")} calls older than its 30-day policy (spread over a year, 20% with a recording), ${TURNS} turns and 1 event each (${before!.turns.toLocaleString("en-US")} turns); ${LIVE} live calls split between this team and another; ${OTHER_TEAMS} other teams with 20 recent calls and 120 turns each, which the purge leaves. Seed ${(seedMs / 1000).toFixed(1)} s.`,
      "",
      `Purge (\`runTeamRetention\`, batches of 1,000 calls, one statement per batch and table, rollups sealed per UTC day first): ${(purgeMs / 1000).toFixed(1)} s, status ${run.status}. Removed ${(counts.calls ?? 0).toLocaleString("en-US")} calls, ${(counts.turns ?? 0).toLocaleString("en-US")} turns, ${(counts.callEvents ?? 0).toLocaleString("en-US")} events, ${(counts.recordings ?? 0).toLocaleString("en-US")} recordings: **${report.purge.rowsPerSecond.toLocaleString("en-US")} rows/s** (${report.purge.callsPerSecond.toLocaleString("en-US")} calls/s). Dry run beforehand: ${(previewMs / 1000).toFixed(1)} s, counts ${report.dryRunMatches ? "equal to" : "DIFFERENT FROM"} what the purge removed. Dashboard totals ${report.dashboardUnchanged ? "unchanged" : "CHANGED"}; live calls kept: ${after!.live} of ${LIVE}.`,
      "",
      `Live-call writes during the purge (a turn every ${WRITE_EVERY_MS} ms round robin over the live calls, a heartbeat of all of them every 2 s, on their own connections). Any lock wait a live write met is inside its latency. Target: no write over ${TARGET_MAX_WRITE_MS} ms.`,
      "",
      "| Write | count | p50 ms | p95 ms | p99 ms | max ms | over 50 ms |",
      "|---|---:|---:|---:|---:|---:|---:|",
      row("turn, 3 s before the purge (baseline)", baseStats),
      row("turn (appendCallTurn)", turnStats),
      row("heartbeat (touchLiveCalls)", beatStats),
      row("all during the purge", all),
      "",
      `Lock waits of the live writer's connections (pg_stat_activity sampled every 5 ms during the purge, ${lockWaits.samples.toLocaleString("en-US")} samples): ${lockWaits.waits.length === 0 ? "none seen" : `${lockWaits.waits.length}, the longest ${round(Math.max(...lockWaits.waits))} ms`}. Latency beyond the baseline's without a lock wait is CPU and I/O the purge shares with the writer on this machine.`,
      "",
      `Overall: ${report.pass ? "no live write over the target" : "SOME LIVE WRITES OVER THE TARGET"}.`,
      "",
    ].join("\n");
    fs.writeFileSync(path.join(RESULTS_DIR, "retention.md"), md);
    process.stdout.write(`\n${md}\n`);
    if (!report.pass) process.exitCode = 1;
  } finally {
    await purger.sql.end({ timeout: 5 });
    await writer.sql.end({ timeout: 5 });
    await monitor.sql.end({ timeout: 5 });
    await pg.stop();
    if (!args.keep) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
