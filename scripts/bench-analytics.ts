// `npm run bench:analytics`: every dashboard query against one team with a year of calls (1,000,000 by default).
// A benchmark, not a test: starts a throwaway embedded Postgres, seeds it in SQL, builds the rollups, times each
// query for a 30-day and a 365-day range, prints a table and writes bench/results/analytics.{json,md}.
// Options: --calls N (default 1000000), --runs N (default 30), --keep (leave the data dir).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { createDb, type Db } from "@/db/client";
import { startEmbeddedPostgres } from "@/db/embedded";
import { migrateDatabase } from "@/db/migrate";
import { phoneNumbers, topicClusters } from "@/db/schema";
import { createAgent } from "@/lib/agents/create-agent";
import {
  analyticsTotals,
  busiestAgents,
  busiestNumbers,
  dailySeries,
  hourOfWeek,
  loadDashboard,
  topTopicsFromRollup,
  transfersByDepartment,
  type TRange,
} from "@/lib/analytics/queries";
import { rebuildRollups, refreshCallRollup } from "@/lib/analytics/rollup";
import { signUp } from "@/lib/teams/sign-up";
import { inboxQueries, seedCallersAndMessages } from "./bench-inbox";

const TARGET_P95_MS = 200;
// What an owner searches every day (callers, inbox) must feel instant.
const SEARCH_TARGET_P95_MS = 100;
const RESULTS_DIR = path.join(process.cwd(), "bench", "results");
const AGENTS = 8;
const NUMBERS = 12;
const TOPICS = ["opening hours", "book appointment", "cancel appointment", "billing question", "refund request", "prices", "insurance", "directions", "parking", "order status", "delivery time", "complaint", "job application", "speak to a person", "reschedule", "opening on holidays", "payment methods", "emergency", "prescription refill", "test results", "new patient", "wifi password", "gift cards", "lost item", "wrong number"];
const DEPARTMENTS = ["Front desk", "Billing", "Sales", "Support", "Management"];

const { values: args } = parseArgs({
  options: { calls: { type: "string", default: "1000000" }, runs: { type: "string", default: "30" }, keep: { type: "boolean", default: false } },
});
const CALLS = Number(args.calls);
const RUNS = Number(args.runs);
if (!Number.isInteger(CALLS) || CALLS < 1000 || !Number.isInteger(RUNS) || RUNS < 3) {
  throw new Error("--calls must be an integer >= 1000 and --runs an integer >= 3");
}

function log(message: string) {
  process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function seed(db: Db, now: Date) {
  const { user, team } = await signUp(db, { name: "Bench", email: "bench@example.test", password: "bench-password-1", companyName: "Bench Co" });
  const actor = { userId: user.id, label: user.email };
  const agentIds: string[] = [];
  for (let i = 0; i < AGENTS; i++) agentIds.push((await createAgent(db, team, actor, { templateKey: "receptionist" })).id);
  const numbers = await db
    .insert(phoneNumbers)
    .values(Array.from({ length: NUMBERS }, (_, i) => ({ teamId: team.id, agentId: agentIds[i % AGENTS]!, e164: `+1555010${String(i).padStart(4, "0")}`, twilioSid: `PNbench${i}`, twilioAccountSid: "AC0", source: "imported" as const })))
    .returning();
  const clusters = await db
    .insert(topicClusters)
    .values(TOPICS.map((label) => ({ teamId: team.id, label, key: label, tokens: label.split(" ") })))
    .returning();
  const agentArr = sql.raw(`array[${agentIds.map((id) => `'${id}'`).join(",")}]::uuid[]`);
  const numberArr = sql.raw(`array[${numbers.map((n) => `'${n.id}'`).join(",")}]::uuid[]`);
  const e164Arr = sql.raw(`array[${numbers.map((n) => `'${n.e164}'`).join(",")}]`);
  const clusterArr = sql.raw(`array[${clusters.map((c) => `'${c.id}'`).join(",")}]::uuid[]`);
  const labelArr = sql.raw(`array[${clusters.map((c) => `'${c.label.replaceAll("'", "''")}'`).join(",")}]`);
  const deptArr = sql.raw(`array[${DEPARTMENTS.map((d) => `'${d}'`).join(",")}]`);
  const yearAgo = new Date(now.getTime() - 365 * 86_400_000).toISOString();
  const batch = 100_000;
  for (let done = 0; done < CALLS; done += batch) {
    const n = Math.min(batch, CALLS - done);
    // Per row: a day in the last year, an hour mostly in business hours (UTC), a number weighted towards
    // the first few (its agent follows), outcome/sentiment/topic skewed the way real traffic is.
    await db.execute(sql`
      insert into calls (team_id, agent_id, phone_number_id, direction, from_number, to_number, status, outcome, end_reason,
        transferred_to, started_at, answered_at, ended_at, duration_sec, analysis_status, sentiment, sentiment_score,
        topic, topic_cluster_id, analyzed_at, turn_count, voice_to_voice_p50_ms, voice_to_voice_p95_ms)
      select ${team.id}::uuid, (${agentArr})[1 + (ni - 1) % ${AGENTS}], (${numberArr})[ni], 'inbound',
        '+1444' || lpad((floor(r1 * 1e7))::int::text, 7, '0'), (${e164Arr})[ni], 'completed', outcome,
        case outcome when 'transferred' then 'transferred' when 'abandoned' then 'caller_hangup' else 'agent_end_call' end,
        case when outcome = 'transferred' then (${deptArr})[1 + floor(power(r2, 1.5) * ${DEPARTMENTS.length})::int] end,
        started, case when outcome <> 'abandoned' then started + interval '2 seconds' end,
        started + make_interval(secs => dur), dur, 'done',
        case when outcome = 'abandoned' then null when r3 < 0.5 then 'positive' when r3 < 0.8 then 'neutral' else 'negative' end::sentiment,
        case when outcome = 'abandoned' then null else round((r3 * 2 - 1)::numeric, 2)::real end,
        case when outcome <> 'abandoned' then (${labelArr})[ti] end, case when outcome <> 'abandoned' then (${clusterArr})[ti] end,
        started + make_interval(secs => dur + 20), 2 + floor(r4 * 14)::int,
        case when outcome <> 'abandoned' then v2v end, case when outcome <> 'abandoned' then v2v + floor(r4 * r5 * 2500)::int end
      from (
        select *,
          1 + least(${NUMBERS - 1}, floor(power(r6, 1.8) * ${NUMBERS})::int) as ni,
          1 + least(${TOPICS.length - 1}, floor(power(r2, 2.2) * ${TOPICS.length})::int) as ti,
          (case when r5 < 0.55 then 'resolved' when r5 < 0.72 then 'transferred' when r5 < 0.85 then 'message_taken' when r5 < 0.96 then 'abandoned' else 'failed' end)::call_outcome as outcome,
          case when r5 >= 0.85 and r5 < 0.96 then 3 + floor(r4 * 40)::int else 30 + floor(power(r4, 1.5) * 900)::int end as dur,
          450 + floor(r3 * r1 * 900 + r6 * 300)::int as v2v,
          ${yearAgo}::timestamptz
            + make_interval(days => floor(r7 * 365)::int)
            + make_interval(hours => case when r8 < 0.85 then 8 + floor(r1 * 10)::int else floor(r9 * 24)::int end)
            + make_interval(secs => floor(r2 * 3600)) as started
        from (
          select g, random() r1, random() r2, random() r3, random() r4, random() r5, random() r6, random() r7, random() r8, random() r9
          from generate_series(1, ${n}) g
        ) raw
      ) s`);
    log(`seeded ${done + n} calls`);
  }
  // A few test calls, which the dashboard must ignore.
  await db.execute(sql`insert into calls (team_id, direction, is_test, status, outcome, started_at)
    select ${team.id}::uuid, 'web', true, 'completed', 'resolved', now() - make_interval(hours => g) from generate_series(1, 500) g`);
  return team;
}

type TQuery = { name: string; run: (range: TRange) => Promise<unknown> };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

async function main() {
  const started = Date.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-analytics-"));
  fs.chmodSync(dataDir, 0o777);
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "pg"), persistent: false, fastUnsafe: true });
  const { db, sql: connection } = createDb(pg.url, { max: 4 });
  try {
    await migrateDatabase(pg.url);
    const now = new Date();
    log(`seeding ${CALLS.toLocaleString("en-US")} calls`);
    const seedStarted = Date.now();
    const team = await seed(db, now);
    const seedMs = Date.now() - seedStarted;
    log("building rollups");
    const rollupStarted = Date.now();
    await rebuildRollups(db, team.id);
    const rollupMs = Date.now() - rollupStarted;
    log("seeding callers and inbox messages");
    const inbox = await seedCallersAndMessages(db, team.id, DEPARTMENTS);
    log(`seeded ${inbox.callers} callers and ${inbox.messages} messages`);
    await db.execute(sql`vacuum analyze`);
    const [counts] = await db.execute<{ calls: number; hourly: number; daily: number; transfers: number; topics: number; version: string }>(sql`
      select (select count(*) from calls)::int as calls, (select count(*) from call_stats_hourly)::int as hourly,
             (select count(*) from call_stats_daily)::int as daily,
             (select count(*) from call_transfers_daily)::int as transfers, (select count(*) from call_topics_daily)::int as topics,
             version() as version`);
    log(`rollups built in ${(rollupMs / 1000).toFixed(1)} s: ${counts!.hourly} hourly rows, ${counts!.daily} daily rows, ${counts!.transfers} transfer rows, ${counts!.topics} topic rows`);

    const id = team.id;
    const queries: TQuery[] = [
      { name: "totals (KPIs, latency p50/p95)", run: (r) => analyticsTotals(db, id, r) },
      { name: "daily series (volume, answered/abandoned, resolution, sentiment, AHT, latency)", run: (r) => dailySeries(db, id, r) },
      { name: "hour-of-week heatmap", run: (r) => hourOfWeek(db, id, r) },
      { name: "transfers per department", run: (r) => transfersByDepartment(db, id, r) },
      { name: "top topics", run: (r) => topTopicsFromRollup(db, id, r) },
      { name: "busiest agents", run: (r) => busiestAgents(db, id, r) },
      { name: "busiest numbers", run: (r) => busiestNumbers(db, id, r) },
      { name: "whole dashboard (all of the above in parallel)", run: (r) => loadDashboard(db, id, r) },
    ];
    const dayEnd = Math.floor(now.getTime() / 86_400_000) * 86_400_000 + 86_400_000;
    const ranges = [30, 365].map((days) => ({ days, range: { from: new Date(dayEnd - days * 86_400_000), to: new Date(dayEnd) } }));
    const results: { query: string; rangeDays: number; runs: number; p50Ms: number; p95Ms: number; maxMs: number; pass: boolean }[] = [];
    for (const { days, range } of ranges) {
      for (const q of queries) {
        for (let i = 0; i < 3; i++) await q.run(range); // warm-up
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const t0 = performance.now();
          await q.run(range);
          times.push(performance.now() - t0);
        }
        times.sort((a, b) => a - b);
        const p95 = percentile(times, 0.95);
        results.push({ query: q.name, rangeDays: days, runs: RUNS, p50Ms: round(percentile(times, 0.5)), p95Ms: round(p95), maxMs: round(times.at(-1)!), pass: p95 <= TARGET_P95_MS });
        log(`${q.name} [${days} d]: p50 ${round(percentile(times, 0.5))} ms, p95 ${round(p95)} ms`);
      }
    }
    // Caller search and the inbox: no date range of their own (the inbox's date filter is part of the query).
    for (const q of inboxQueries(db, id, inbox, now)) {
      for (let i = 0; i < 3; i++) await q.run();
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        await q.run();
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const p95 = percentile(times, 0.95);
      results.push({ query: q.name, rangeDays: 0, runs: RUNS, p50Ms: round(percentile(times, 0.5)), p95Ms: round(p95), maxMs: round(times.at(-1)!), pass: p95 <= SEARCH_TARGET_P95_MS });
      log(`${q.name}: p50 ${round(percentile(times, 0.5))} ms, p95 ${round(p95)} ms`);
    }
    // The write path: recomputing one call's hour and day (~2,700 calls), what a flush costs per team-day.
    const sample = await db.execute<{ id: string }>(sql`select id from calls where team_id = ${id} and not is_test order by random() limit ${RUNS}`);
    const refreshTimes: number[] = [];
    for (const row of sample) {
      const t0 = performance.now();
      await refreshCallRollup(db, id, row.id);
      refreshTimes.push(performance.now() - t0);
    }
    refreshTimes.sort((a, b) => a - b);
    const refresh = { runs: refreshTimes.length, p50Ms: round(percentile(refreshTimes, 0.5)), p95Ms: round(percentile(refreshTimes, 0.95)) };
    log(`refreshCallRollup: p50 ${refresh.p50Ms} ms, p95 ${refresh.p95Ms} ms`);
    const cpus = os.cpus();
    const report = {
      date: new Date().toISOString(),
      machine: { cpu: cpus[0]?.model ?? "unknown", cores: cpus.length, memoryGb: round(os.totalmem() / 1024 ** 3), os: `${os.type()} ${os.release()}`, node: process.version, postgres: counts!.version },
      dataset: { callers: inbox.callers, messages: inbox.messages, calls: counts!.calls, realCalls: CALLS, testCalls: counts!.calls - CALLS, agents: AGENTS, numbers: NUMBERS, topics: TOPICS.length, departments: DEPARTMENTS.length, spanDays: 365, hourlyRollupRows: counts!.hourly, dailyRollupRows: counts!.daily, transferRollupRows: counts!.transfers, topicRollupRows: counts!.topics },
      timings: { seedMs, rollupBuildMs: rollupMs, totalMs: Date.now() - started },
      targetP95Ms: TARGET_P95_MS,
      allPass: results.every((r) => r.pass),
      results,
      refreshCallRollup: refresh,
    };
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, "analytics.json"), `${JSON.stringify(report, null, 2)}\n`);
    const md = [
      "# Analytics dashboard benchmark",
      "",
      `Run ${report.date} by \`npm run bench:analytics\` (scripts/bench-analytics.ts).`,
      "",
      `Machine: ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryGb} GB, ${report.machine.os}, Node ${report.machine.node}, ${report.machine.postgres.split(" on ")[0]} (embedded, fsync off).`,
      "",
      `Dataset: one team, ${CALLS.toLocaleString("en-US")} calls over 365 days (+${report.dataset.testCalls} test calls, excluded), ${AGENTS} agents, ${NUMBERS} numbers, ${TOPICS.length} topics, ${DEPARTMENTS.length} departments. Rollups: ${report.dataset.hourlyRollupRows.toLocaleString("en-US")} hourly rows, ${report.dataset.dailyRollupRows.toLocaleString("en-US")} daily (day x agent x number) rows, ${report.dataset.transferRollupRows.toLocaleString("en-US")} transfer rows, ${report.dataset.topicRollupRows.toLocaleString("en-US")} topic rows. Seed ${(seedMs / 1000).toFixed(1)} s, rollup rebuild ${(rollupMs / 1000).toFixed(1)} s.`,
      "",
      `${RUNS} timed runs per query after 3 warm-ups, one at a time over a pool of 4 connections. Target: p95 <= ${TARGET_P95_MS} ms for the dashboard, <= ${SEARCH_TARGET_P95_MS} ms for caller search and the inbox (${inbox.callers.toLocaleString("en-US")} callers, ${inbox.messages.toLocaleString("en-US")} messages).`,
      "",
      "| Query | Range | p50 ms | p95 ms | max ms | Pass |",
      "|---|---|---:|---:|---:|---|",
      ...results.map((r) => `| ${r.query} | ${r.rangeDays > 0 ? `${r.rangeDays} d` : "—"} | ${r.p50Ms} | ${r.p95Ms} | ${r.maxMs} | ${r.pass ? "yes" : "NO"} |`),
      "",
      `Overall: ${report.allPass ? "all queries within target" : "SOME QUERIES OVER TARGET"}.`,
      "",
      `Write path: recomputing one call's hour and day (\`refreshCallRollup\`; the voice server's rollup flusher does this once per team-day and batch for the calls that ended or were analyzed) took p50 ${refresh.p50Ms} ms, p95 ${refresh.p95Ms} ms over ${refresh.runs} random calls.`,
      "",
    ].join("\n");
    fs.writeFileSync(path.join(RESULTS_DIR, "analytics.md"), md);
    process.stdout.write(`\n${md}\n`);
    if (!report.allPass) process.exitCode = 1;
  } finally {
    await connection.end({ timeout: 5 });
    await pg.stop();
    if (!args.keep) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

await main();
