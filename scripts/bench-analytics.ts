// `npm run bench:analytics`: every dashboard query against one team with a year of calls (1,000,000 by default), and
// what its owner searches every day: the calls list with a transcript search, the caller search by number and by
// name, the inbox with its filters and the navigation's new-items count (scripts/bench-search.ts). A second team
// with a quarter of the calls, the same caller numbers and the same words shares every table and index, so tenant
// scoping is part of what is measured. A benchmark, not a test: starts a throwaway embedded Postgres, seeds it in
// set-based SQL (generate_series), builds the rollups, times each query through the lib/ functions the pages and
// API run, prints a table and writes bench/results/analytics.{json,md}.
// Options: --calls N (default 1000000), --other-calls N (default calls / 4), --runs N (default 40), --keep (leave
// the data dir), --baseline FILE (an earlier analytics.json: its p95 is shown beside each query's, "before"),
// --explain (print each search query's plan with actual times, from auto_explain).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { createDb, type Db } from "@/db/client";
import { startEmbeddedPostgres } from "@/db/embedded";
import { migrateDatabase } from "@/db/migrate";
import * as schema from "@/db/schema";
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
import { configureFieldEncryption } from "@/lib/crypto/team-fields";
import { signUp } from "@/lib/teams/sign-up";
import { bulkLoad, searchQueries, seedCallersAndMessages, seedTurns, type TSearchBenchData } from "./bench-search";

const TARGET_P95_MS = 200;
// What an owner searches every day (callers, inbox) must feel instant.
const SEARCH_TARGET_P95_MS = 100;
const RESULTS_DIR = path.join(process.cwd(), "bench", "results");
const AGENTS = 8;
const NUMBERS = 12;
const TOPICS = ["opening hours", "book appointment", "cancel appointment", "billing question", "refund request", "prices", "insurance", "directions", "parking", "order status", "delivery time", "complaint", "job application", "speak to a person", "reschedule", "opening on holidays", "payment methods", "emergency", "prescription refill", "test results", "new patient", "wifi password", "gift cards", "lost item", "wrong number"];
const DEPARTMENTS = ["Front desk", "Billing", "Sales", "Support", "Management"];

const { values: args } = parseArgs({
  options: {
    calls: { type: "string", default: "1000000" },
    "other-calls": { type: "string" },
    runs: { type: "string", default: "40" },
    keep: { type: "boolean", default: false },
    baseline: { type: "string" },
    explain: { type: "boolean", default: false },
  },
});
const CALLS = Number(args.calls);
const OTHER_CALLS = args["other-calls"] === undefined ? Math.floor(CALLS / 4) : Number(args["other-calls"]);
const RUNS = Number(args.runs);
if (!Number.isInteger(CALLS) || CALLS < 1000 || !Number.isInteger(RUNS) || RUNS < 3 || !Number.isInteger(OTHER_CALLS) || OTHER_CALLS < 0) {
  throw new Error("--calls must be an integer >= 1000, --other-calls an integer >= 0 and --runs an integer >= 3");
}
type TBaseline = { results: { query: string; rangeDays: number; p95Ms: number }[]; dataset?: { realCalls?: number } };
const baseline: TBaseline | null = args.baseline ? (JSON.parse(fs.readFileSync(args.baseline, "utf8")) as TBaseline) : null;

function log(message: string) {
  process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

// One team with `calls` calls over the last year. Callers come from a pool of `pool` numbers shared by every team
// (+1444 and 7 digits), a few regulars calling often and most once or twice, as a business's callers do.
async function seed(db: Db, now: Date, options: { label: string; calls: number; pool: number; numberOffset: number }) {
  const { label, pool } = options;
  const { user, team } = await signUp(db, { name: label, email: `${label.toLowerCase()}@example.test`, password: "bench-password-1", companyName: `${label} Co` });
  const actor = { userId: user.id, label: user.email };
  const agentIds: string[] = [];
  for (let i = 0; i < AGENTS; i++) agentIds.push((await createAgent(db, team, actor, { templateKey: "receptionist" })).id);
  const numbers = await db
    .insert(phoneNumbers)
    .values(Array.from({ length: NUMBERS }, (_, i) => ({ teamId: team.id, agentId: agentIds[i % AGENTS]!, e164: `+1555010${String(options.numberOffset + i).padStart(4, "0")}`, twilioSid: `PNbench${options.numberOffset + i}`, twilioAccountSid: "AC0", source: "imported" as const })))
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
  for (let done = 0; done < options.calls; done += batch) {
    const n = Math.min(batch, options.calls - done);
    // Per row: a day in the last year, an hour mostly in business hours (UTC), a number weighted towards
    // the first few (its agent follows), outcome/sentiment/topic skewed the way real traffic is.
    await db.execute(sql`
      insert into calls (team_id, agent_id, phone_number_id, direction, from_number, to_number, status, outcome, end_reason,
        transferred_to, started_at, answered_at, ended_at, duration_sec, analysis_status, sentiment, sentiment_score,
        topic, topic_cluster_id, analyzed_at, turn_count, voice_to_voice_p50_ms, voice_to_voice_p95_ms)
      select ${team.id}::uuid, (${agentArr})[1 + (ni - 1) % ${AGENTS}], (${numberArr})[ni], 'inbound',
        '+1444' || lpad(((floor(power(r10, 1.6) * ${pool})::bigint * 7919 + 1234567) % 10000000)::text, 7, '0'), (${e164Arr})[ni], 'completed', outcome,
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
          select g, random() r1, random() r2, random() r3, random() r4, random() r5, random() r6, random() r7, random() r8, random() r9, random() r10
          from generate_series(1, ${n}) g
        ) raw
      ) s`);
    log(`${label}: seeded ${done + n} calls`);
  }
  // A few test calls, which the dashboard must ignore.
  await db.execute(sql`insert into calls (team_id, direction, is_test, status, outcome, started_at)
    select ${team.id}::uuid, 'web', true, 'completed', 'resolved', now() - make_interval(hours => g) from generate_series(1, 500) g`);
  return { team, clusters };
}

type TQuery = { name: string; run: (range: TRange) => Promise<unknown> };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

type TResult = {
  query: string;
  group: "dashboard" | "calls" | "callers" | "inbox";
  rangeDays: number;
  runs: number;
  rows: number | null;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  targetP95Ms: number;
  pass: boolean;
  beforeP95Ms: number | null;
};

async function measure(run: () => Promise<unknown>): Promise<{ p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number; first: unknown }> {
  const first = await run();
  for (let i = 0; i < 2; i++) await run(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50Ms: round(percentile(times, 0.5)), p95Ms: round(percentile(times, 0.95)), p99Ms: round(percentile(times, 0.99)), maxMs: round(times.at(-1)!), first };
}

// How many rows a search answered (its page, or the count), so the table shows each search found what it should.
function rowsOf(result: unknown): number | null {
  if (typeof result === "number") return result;
  if (Array.isArray(result)) return result.length;
  if (result && typeof result === "object") {
    for (const key of ["calls", "callers", "items"]) {
      const value = (result as Record<string, unknown>)[key];
      if (Array.isArray(value)) return value.length;
    }
  }
  return null;
}

function loadNow(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(" / ");
}

async function main() {
  const started = Date.now();
  // The seeded messages and captured fields are plain text, as rows written before field encryption: read as they are.
  configureFieldEncryption(null);
  const load = { atStart: loadNow(), beforeQueries: "", atEnd: "" };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-analytics-"));
  fs.chmodSync(dataDir, 0o777);
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "pg"), persistent: false, fastUnsafe: true });
  const { db, sql: connection } = createDb(pg.url, { max: 4 });
  try {
    await migrateDatabase(pg.url);
    const now = new Date();
    log(`seeding ${CALLS.toLocaleString("en-US")} calls, and ${OTHER_CALLS.toLocaleString("en-US")} on a second team`);
    const seedStarted = Date.now();
    const pool = Math.max(1000, Math.floor(CALLS * 0.3));
    let primary: Awaited<ReturnType<typeof seed>> | undefined;
    let other: Awaited<ReturnType<typeof seed>> | undefined;
    await bulkLoad(db, "calls", { dropPrimaryKey: false }, async () => {
      primary = await seed(db, now, { label: "Bench", calls: CALLS, pool, numberOffset: 0 });
      if (OTHER_CALLS > 0) other = await seed(db, now, { label: "Other", calls: OTHER_CALLS, pool, numberOffset: NUMBERS });
    }, log);
    const team = primary!.team;
    const callsSeedMs = Date.now() - seedStarted;
    log("building rollups");
    const rollupStarted = Date.now();
    await rebuildRollups(db, team.id);
    const rollupMs = Date.now() - rollupStarted;
    if (other) await rebuildRollups(db, other.team.id);
    log("seeding callers and inbox messages");
    const searchStarted = Date.now();
    const inbox: TSearchBenchData = await seedCallersAndMessages(db, team.id, DEPARTMENTS, "staff", log);
    const otherInbox = other ? await seedCallersAndMessages(db, other.team.id, DEPARTMENTS, "other-staff", log) : null;
    log(`seeded ${inbox.callers} callers and ${inbox.messages} messages`);
    let turns = 0;
    let otherTurns = 0;
    await bulkLoad(db, "call_turns", { dropPrimaryKey: true }, async () => {
      turns = await seedTurns(db, team.id, TOPICS, log);
      if (other) otherTurns = await seedTurns(db, other.team.id, TOPICS, log);
    }, log);
    // The calls list's search documents (migration 0015), rebuilt in one statement per team since the bulk load ran
    // with triggers off. Absent in a checkout from before it, so a --baseline run can be made there.
    const [docs] = await db.execute<{ present: boolean }>(sql`select to_regclass('call_search_docs') is not null as present`);
    if (docs?.present) {
      await bulkLoad(db, "call_search_docs", { dropPrimaryKey: false }, async () => {
        for (const t of [team, other?.team]) if (t) await db.execute(sql`select call_search_docs_rebuild(${t.id}::uuid)`);
      }, log);
    }
    const searchSeedMs = Date.now() - searchStarted;
    await db.execute(sql`vacuum analyze`);
    const [counts] = await db.execute<{ calls: number; hourly: number; daily: number; transfers: number; topics: number; version: string; size: string }>(sql`
      select (select count(*) from calls where team_id = ${team.id})::int as calls, (select count(*) from call_stats_hourly where team_id = ${team.id})::int as hourly,
             (select count(*) from call_stats_daily where team_id = ${team.id})::int as daily,
             (select count(*) from call_transfers_daily where team_id = ${team.id})::int as transfers,
             (select count(*) from call_topics_daily where team_id = ${team.id})::int as topics,
             version() as version, pg_size_pretty(pg_database_size(current_database())) as size`);
    log(`rollups built in ${(rollupMs / 1000).toFixed(1)} s: ${counts!.hourly} hourly rows, ${counts!.daily} daily rows, ${counts!.transfers} transfer rows, ${counts!.topics} topic rows; database ${counts!.size}`);

    const id = team.id;
    const before = (query: string, rangeDays: number) => baseline?.results.find((r) => r.query === query && r.rangeDays === rangeDays)?.p95Ms ?? null;
    const results: TResult[] = [];
    load.beforeQueries = loadNow();
    const dashboard: TQuery[] = [
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
    for (const { days, range } of ranges) {
      for (const q of dashboard) {
        const m = await measure(() => q.run(range));
        results.push({ query: q.name, group: "dashboard", rangeDays: days, runs: RUNS, rows: null, ...omitFirst(m), targetP95Ms: TARGET_P95_MS, pass: m.p95Ms <= TARGET_P95_MS, beforeP95Ms: before(q.name, days) });
        log(`${q.name} [${days} d]: p50 ${m.p50Ms} ms, p95 ${m.p95Ms} ms, p99 ${m.p99Ms} ms`);
      }
    }
    // What an owner searches every day: no date range of their own (a date filter is part of the query).
    for (const q of searchQueries(db, id, inbox, now)) {
      const m = await measure(q.run);
      results.push({ query: q.name, group: q.group, rangeDays: 0, runs: RUNS, rows: rowsOf(m.first), ...omitFirst(m), targetP95Ms: SEARCH_TARGET_P95_MS, pass: m.p95Ms <= SEARCH_TARGET_P95_MS, beforeP95Ms: before(q.name, 0) });
      log(`${q.name}: ${rowsOf(m.first)} rows, p50 ${m.p50Ms} ms, p95 ${m.p95Ms} ms, p99 ${m.p99Ms} ms`);
    }
    if (args.explain) {
      // One session with auto_explain sending every statement's plan back as a notice.
      const notices: string[] = [];
      const explainSql = postgres(pg.url, { max: 1, onnotice: (n) => notices.push(String(n.message ?? "")) });
      try {
        await explainSql.unsafe("load 'auto_explain'");
        await explainSql.unsafe("set auto_explain.log_min_duration = 0; set auto_explain.log_analyze = on; set auto_explain.log_buffers = on; set auto_explain.log_level = notice");
        for (const q of searchQueries(drizzle(explainSql, { schema }), id, inbox, now)) {
          await q.run();
          notices.length = 0;
          await q.run();
          process.stdout.write(`\n=== ${q.name}\n${notices.join("\n")}\n`);
        }
      } finally {
        await explainSql.end({ timeout: 5 });
      }
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
    load.atEnd = loadNow();
    const cpus = os.cpus();
    const report = {
      date: new Date().toISOString(),
      machine: { cpu: cpus[0]?.model ?? "unknown", cores: cpus.length, memoryGb: round(os.totalmem() / 1024 ** 3), os: `${os.type()} ${os.release()}`, node: process.version, postgres: counts!.version, loadAverage1m5m15m: load },
      dataset: {
        calls: counts!.calls,
        realCalls: CALLS,
        testCalls: counts!.calls - CALLS,
        turns,
        callers: inbox.callers,
        messages: inbox.messages,
        otherTeam: other ? { calls: OTHER_CALLS, turns: otherTurns, callers: otherInbox!.callers, messages: otherInbox!.messages } : null,
        databaseSize: counts!.size,
        agents: AGENTS,
        numbers: NUMBERS,
        topics: TOPICS.length,
        departments: DEPARTMENTS.length,
        spanDays: 365,
        hourlyRollupRows: counts!.hourly,
        dailyRollupRows: counts!.daily,
        transferRollupRows: counts!.transfers,
        topicRollupRows: counts!.topics,
      },
      timings: { callsSeedMs, rollupBuildMs: rollupMs, searchSeedMs, totalMs: Date.now() - started },
      targetP95Ms: { dashboard: TARGET_P95_MS, search: SEARCH_TARGET_P95_MS },
      baseline: args.baseline ? { file: path.relative(process.cwd(), args.baseline), realCalls: baseline?.dataset?.realCalls ?? null } : null,
      allPass: results.every((r) => r.pass),
      results,
      refreshCallRollup: refresh,
    };
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, "analytics.json"), `${JSON.stringify(report, null, 2)}\n`);
    const fmt = (n: number) => n.toLocaleString("en-US");
    const hasBefore = results.some((r) => r.beforeP95Ms !== null);
    const table = (rows: TResult[], withRange: boolean) => [
      `| Query |${withRange ? " Range |" : " Rows |"} p50 ms | p95 ms | p99 ms | max ms |${hasBefore ? " p95 before |" : ""} Pass |`,
      `|---|${withRange ? "---|" : "---:|"}---:|---:|---:|---:|${hasBefore ? "---:|" : ""}---|`,
      ...rows.map(
        (r) =>
          `| ${r.query} | ${withRange ? `${r.rangeDays} d` : (r.rows ?? "—")} | ${r.p50Ms} | ${r.p95Ms} | ${r.p99Ms} | ${r.maxMs} |${hasBefore ? ` ${r.beforeP95Ms ?? "—"} |` : ""} ${r.pass ? "yes" : "NO"} |`,
      ),
    ];
    const md = [
      "# Analytics and daily search benchmark",
      "",
      `Run ${report.date} by \`npm run bench:analytics${CALLS === 1_000_000 ? "" : ` -- --calls ${CALLS}`}\` (scripts/bench-analytics.ts, scripts/bench-search.ts).`,
      "",
      `Machine: ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryGb} GB, ${report.machine.os}, Node ${report.machine.node}, ${report.machine.postgres.split(" on ")[0]} (embedded, default memory settings, fsync off). The machine is shared with other work: load average (1, 5, 15 min) ${load.atStart} at start, ${load.beforeQueries} when the timing began, ${load.atEnd} at the end.`,
      "",
      `Dataset: the measured team has ${fmt(CALLS)} calls over 365 days (+${report.dataset.testCalls} test calls, excluded), ${fmt(turns)} transcript turns, ${fmt(inbox.callers)} callers (one number per caller, some calling often, one in five never giving a name), ${fmt(inbox.messages)} inbox items (the last 14 days' new or assigned, older ones handled or spam; 8% urgent; 6 members), ${AGENTS} agents, ${NUMBERS} numbers, ${TOPICS.length} topics, ${DEPARTMENTS.length} departments.` +
        (report.dataset.otherTeam ? ` A second team shares every table and index: ${fmt(report.dataset.otherTeam.calls)} calls, ${fmt(report.dataset.otherTeam.turns)} turns, ${fmt(report.dataset.otherTeam.callers)} callers from the same numbers, ${fmt(report.dataset.otherTeam.messages)} inbox items, the same words.` : "") +
        ` Database ${counts!.size}. Seeded in ${((callsSeedMs + searchSeedMs) / 1000).toFixed(0)} s (calls ${(callsSeedMs / 1000).toFixed(0)} s, callers, messages and turns ${(searchSeedMs / 1000).toFixed(0)} s), rollup rebuild ${(rollupMs / 1000).toFixed(1)} s.`,
      "",
      `${RUNS} timed runs per query after 3 warm-ups, one at a time over a pool of 4 connections, through the lib/ functions the pages and the API call. Targets: p95 <= ${TARGET_P95_MS} ms for the dashboard, <= ${SEARCH_TARGET_P95_MS} ms for the calls list, caller search and the inbox.${hasBefore ? ` "p95 before": the same query in ${report.baseline!.file} (${report.baseline!.realCalls ? `${fmt(report.baseline!.realCalls)} calls, ` : ""}before this run's indexes and query changes).` : ""}`,
      "",
      "## Dashboard",
      "",
      ...table(results.filter((r) => r.group === "dashboard"), true),
      "",
      "## What an owner searches every day",
      "",
      "Rows: what the first call returned (a page holds 50; the badge is a count).",
      "",
      ...table(results.filter((r) => r.group !== "dashboard"), false),
      "",
      `Overall: ${report.allPass ? "all queries within target" : `SOME QUERIES OVER TARGET: ${results.filter((r) => !r.pass).map((r) => r.query).join("; ")}`}.`,
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

function omitFirst<T extends { first: unknown }>(m: T): Omit<T, "first"> {
  const { first: _first, ...rest } = m;
  return rest;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

await main();
