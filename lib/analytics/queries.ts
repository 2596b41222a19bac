import { sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { LATENCY_BUCKET_BOUNDS_MS, LATENCY_BUCKET_COUNT } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { addDays, localDay, localDaysRange } from "@/lib/time/zone";

// Every dashboard number, read from the rollups (lib/analytics/rollup.ts) and never from `calls`, so a year of a
// busy team still answers in milliseconds. Ranges are [from, to) on whole hours: whole local days of the team's
// time zone on the dashboard (lib/time/zone.ts says how half-hour zones map onto the UTC hour buckets). Totals,
// the daily series and the heatmap are exact in any zone; the per-department, topic and busiest breakdowns are kept
// per UTC day and cover the UTC days nearest the range (nearestUtcDays).

export type TRange = { from: Date; to: Date };

export type TTotals = {
  calls: number;
  answered: number;
  completed: number;
  withOutcome: number;
  resolved: number;
  transferred: number;
  messageTaken: number;
  abandoned: number;
  failed: number;
  // resolved / calls with an outcome; null when no call has one yet.
  resolutionRate: number | null;
  avgHandleSec: number | null;
  sentiment: { positive: number; neutral: number; negative: number };
  // Share of analyzed calls that were positive minus the share that were negative, -1..1; null when none analyzed.
  sentimentIndex: number | null;
  // Median of each call's voice-to-voice p50, and the 95th percentile of each call's p95, to within one bucket.
  v2vP50Ms: number | null;
  v2vP95Ms: number | null;
};

export type TDailyPoint = TTotals & { day: string };
export type THourOfWeekCell = { dow: number; hour: number; calls: number }; // dow 0 = Sunday, in the zone asked for
export type TDepartmentTransfers = { department: string; transfers: number };
export type TTopicCount = { clusterId: string; label: string; calls: number; share: number };
export type TBusiest = { id: string | null; label: string; calls: number; resolved: number; avgHandleSec: number | null };

export const MAX_RANGE_MS = 3 * 366 * 86_400_000;

export function assertRange(range: TRange): void {
  if (Number.isNaN(range.from.getTime()) || Number.isNaN(range.to.getTime())) throw new AppError("bad_request", "Invalid date range.");
  if (range.from.getTime() >= range.to.getTime()) throw new AppError("bad_request", "The start of the range must be before its end.");
  if (range.to.getTime() - range.from.getTime() > MAX_RANGE_MS) throw new AppError("bad_request", "The range can span at most three years.");
}

// Percentile p (0..1) of the values counted in a latency histogram (LATENCY_BUCKET_BOUNDS_MS), by nearest rank,
// interpolated linearly inside the bucket that holds it. The true value lies in that same bucket, so the error is
// below that bucket's width; the open-ended last bucket answers its lower bound.
export function percentileFromHistogram(counts: readonly number[], p: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let before = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i] ?? 0;
    if (n > 0 && before + n >= rank) {
      const lo = i === 0 ? 0 : LATENCY_BUCKET_BOUNDS_MS[i - 1]!;
      const hi = LATENCY_BUCKET_BOUNDS_MS[i];
      if (hi === undefined) return lo;
      return Math.round(lo + ((hi - lo) * (rank - before - 0.5)) / n);
    }
    before += n;
  }
  return null;
}

const HIST = (p: "p50" | "p95") => Array.from({ length: LATENCY_BUCKET_COUNT }, (_, i) => `v2v_${p}_b${i}`);

const TOTAL_SELECTS = sql.raw(
  [
    "calls",
    "answered",
    "completed",
    "with_outcome",
    "resolved",
    "transferred",
    "message_taken",
    "abandoned",
    "failed",
    "handle_sec_sum",
    "handle_count",
    "sentiment_positive",
    "sentiment_neutral",
    "sentiment_negative",
    ...HIST("p50"),
    ...HIST("p95"),
  ]
    .map((c) => `coalesce(sum(${c}), 0)::float8 as ${c}`)
    .join(", "),
);

type TTotalsRow = Record<string, unknown>;

function toTotals(row: TTotalsRow | undefined): TTotals {
  const n = (key: string) => Number(row?.[key] ?? 0);
  const withOutcome = n("with_outcome");
  const handleCount = n("handle_count");
  const positive = n("sentiment_positive");
  const neutral = n("sentiment_neutral");
  const negative = n("sentiment_negative");
  const analyzed = positive + neutral + negative;
  return {
    calls: n("calls"),
    answered: n("answered"),
    completed: n("completed"),
    withOutcome,
    resolved: n("resolved"),
    transferred: n("transferred"),
    messageTaken: n("message_taken"),
    abandoned: n("abandoned"),
    failed: n("failed"),
    resolutionRate: withOutcome > 0 ? n("resolved") / withOutcome : null,
    avgHandleSec: handleCount > 0 ? n("handle_sec_sum") / handleCount : null,
    sentiment: { positive, neutral, negative },
    sentimentIndex: analyzed > 0 ? (positive - negative) / analyzed : null,
    v2vP50Ms: percentileFromHistogram(HIST("p50").map(n), 0.5),
    v2vP95Ms: percentileFromHistogram(HIST("p95").map(n), 0.95),
  };
}

function hourWindow(teamId: string, range: TRange): SQL {
  assertRange(range);
  if (range.from.getTime() % 3600_000 !== 0 || range.to.getTime() % 3600_000 !== 0) {
    throw new AppError("bad_request", "Analytics ranges start and end on whole hours (UTC).");
  }
  return sql`team_id = ${teamId} and hour >= ${range.from.toISOString()}::timestamptz and hour < ${range.to.toISOString()}::timestamptz`;
}

function isWholeDays(range: TRange): boolean {
  return range.from.getTime() % 86_400_000 === 0 && range.to.getTime() % 86_400_000 === 0;
}

function dayWindow(teamId: string, range: TRange): SQL {
  assertRange(range);
  if (!isWholeDays(range)) throw new AppError("bad_request", "This breakdown needs a range of whole days (UTC).");
  return sql`team_id = ${teamId} and day >= ${range.from.toISOString()}::timestamptz and day < ${range.to.toISOString()}::timestamptz`;
}

// Whole days read the daily table (a few rows per day); other whole-hour ranges the hourly one.
function statsFrom(teamId: string, range: TRange): SQL {
  return isWholeDays(range) ? sql`call_stats_daily where ${dayWindow(teamId, range)}` : sql`call_stats_hourly where ${hourWindow(teamId, range)}`;
}

export async function analyticsTotals(db: DbOrTx, teamId: string, range: TRange): Promise<TTotals> {
  const [row] = await db.execute<TTotalsRow>(sql`select ${TOTAL_SELECTS} from ${statsFrom(teamId, range)}`);
  return toTotals(row);
}

// The whole UTC days nearest a range of local days: each end moves to the closest UTC midnight, so every day
// of the result overlaps the local day it stands for by at least 12 hours. Whole UTC days are returned as they are.
export function nearestUtcDays(range: TRange): TRange {
  const round = (d: Date) => new Date(Math.round(d.getTime() / 86_400_000) * 86_400_000);
  const from = round(range.from);
  const to = round(range.to);
  return to.getTime() > from.getTime() ? { from, to } : { from, to: new Date(from.getTime() + 86_400_000) };
}

// One point per local day of `tz` in the range, days without calls included (as zeros). In UTC the daily table
// answers (whole UTC days); in other zones the hourly one, each UTC hour counted on the local day it starts in.
export async function dailySeries(db: DbOrTx, teamId: string, range: TRange, tz = "UTC"): Promise<TDailyPoint[]> {
  const rows =
    tz === "UTC" && isWholeDays(range)
      ? await db.execute<TTotalsRow & { day: string }>(sql`
          select to_char(day at time zone 'UTC', 'YYYY-MM-DD') as day, ${TOTAL_SELECTS}
          from call_stats_daily where ${dayWindow(teamId, range)}
          group by 1 order by 1`)
      : await db.execute<TTotalsRow & { day: string }>(sql`
          select to_char(hour at time zone ${tz}, 'YYYY-MM-DD') as day, ${TOTAL_SELECTS}
          from call_stats_hourly where ${hourWindow(teamId, range)}
          group by 1 order by 1`);
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const out: TDailyPoint[] = [];
  const last = localDay(tz, new Date(range.to.getTime() - 3600_000));
  for (let day = localDay(tz, range.from); day <= last; day = addDays(day, 1)) {
    out.push({ day, ...toTotals(byDay.get(day)) });
  }
  return out;
}

// 7 x 24 cells in the local week of `tz`, every cell present.
export async function hourOfWeek(db: DbOrTx, teamId: string, range: TRange, tz = "UTC"): Promise<THourOfWeekCell[]> {
  const rows = await db.execute<{ dow: number; hour: number; calls: number }>(sql`
    select extract(dow from hour at time zone ${tz})::int as dow, extract(hour from hour at time zone ${tz})::int as hour,
           sum(calls)::float8 as calls
    from call_stats_hourly where ${hourWindow(teamId, range)}
    group by 1, 2`);
  const cells = new Map(rows.map((r) => [`${r.dow}:${r.hour}`, Number(r.calls)]));
  const out: THourOfWeekCell[] = [];
  for (let dow = 0; dow < 7; dow++) for (let hour = 0; hour < 24; hour++) out.push({ dow, hour, calls: cells.get(`${dow}:${hour}`) ?? 0 });
  return out;
}

// Departments by transfers, most first; "" is a transfer whose department was not recorded. Rollups made before
// they recorded the department's name hold the number called; those are named after the team's department with
// that number (the first one, when several share it).
export async function transfersByDepartment(db: DbOrTx, teamId: string, range: TRange): Promise<TDepartmentTransfers[]> {
  const rows = await db.execute<{ department: string; transfers: number }>(sql`
    select coalesce(
             case when t.department like '+%' then
               (select d.name from departments d where d.team_id = ${teamId} and d.phone_number = t.department order by d.created_at limit 1)
             end,
             t.department) as department,
           sum(t.transfers)::float8 as transfers
    from call_transfers_daily t where ${dayWindow(teamId, range)}
    group by 1 order by 2 desc, 1`);
  return rows.map((r) => ({ department: r.department, transfers: Number(r.transfers) }));
}

// The range's top topic clusters; share is of all calls in the range that have a topic.
export async function topTopicsFromRollup(db: DbOrTx, teamId: string, range: TRange, limit = 10): Promise<TTopicCount[]> {
  const rows = await db.execute<{ cluster_id: string; label: string; calls: number; total: number }>(sql`
    with t as (
      select topic_cluster_id, sum(calls)::float8 as calls
      from call_topics_daily where ${dayWindow(teamId, range)}
      group by 1
    )
    select t.topic_cluster_id as cluster_id, tc.label, t.calls, sum(t.calls) over ()::float8 as total
    from t join topic_clusters tc on tc.id = t.topic_cluster_id and tc.team_id = ${teamId}
    order by t.calls desc, tc.label
    limit ${Math.max(1, Math.min(100, limit))}`);
  return rows.map((r) => ({ clusterId: r.cluster_id, label: r.label, calls: Number(r.calls), share: Number(r.total) > 0 ? Number(r.calls) / Number(r.total) : 0 }));
}

async function busiest(db: DbOrTx, teamId: string, range: TRange, dimension: "agent" | "number", limit: number): Promise<TBusiest[]> {
  const column = sql.raw(dimension === "agent" ? "agent_id" : "phone_number_id");
  const label =
    dimension === "agent"
      ? sql`(select a.name from agents a where a.id = s.id and a.team_id = ${teamId})`
      : sql`(select coalesce(nullif(p.friendly_name, ''), p.e164) from phone_numbers p where p.id = s.id and p.team_id = ${teamId})`;
  const rows = await db.execute<{ id: string | null; label: string | null; calls: number; resolved: number; handle_sec_sum: number; handle_count: number }>(sql`
    with s as (
      select ${column} as id, sum(calls)::float8 as calls, sum(resolved)::float8 as resolved,
             sum(handle_sec_sum)::float8 as handle_sec_sum, sum(handle_count)::float8 as handle_count
      from call_stats_daily where ${dayWindow(teamId, range)}
      group by 1
    )
    select s.id, ${label} as label, s.calls, s.resolved, s.handle_sec_sum, s.handle_count
    from s order by s.calls desc, s.id nulls last
    limit ${Math.max(1, Math.min(100, limit))}`);
  const fallback = dimension === "agent" ? "No agent" : "No number (web)";
  return rows.map((r) => ({
    id: r.id,
    label: r.label ?? (r.id ? "Deleted" : fallback),
    calls: Number(r.calls),
    resolved: Number(r.resolved),
    avgHandleSec: Number(r.handle_count) > 0 ? Number(r.handle_sec_sum) / Number(r.handle_count) : null,
  }));
}

export function busiestAgents(db: DbOrTx, teamId: string, range: TRange, limit = 5): Promise<TBusiest[]> {
  return busiest(db, teamId, range, "agent", limit);
}

export function busiestNumbers(db: DbOrTx, teamId: string, range: TRange, limit = 5): Promise<TBusiest[]> {
  return busiest(db, teamId, range, "number", limit);
}

export type TDashboard = {
  range: TRange;
  totals: TTotals;
  daily: TDailyPoint[];
  heatmap: THourOfWeekCell[];
  transfers: TDepartmentTransfers[];
  topics: TTopicCount[];
  agents: TBusiest[];
  numbers: TBusiest[];
};

// `range` is whole local days of `tz` (rangeFromSearchParams).
export async function loadDashboard(db: DbOrTx, teamId: string, range: TRange, tz = "UTC"): Promise<TDashboard> {
  const days = nearestUtcDays(range);
  const [totals, daily, heatmap, transfers, topics, agents, numbers] = await Promise.all([
    analyticsTotals(db, teamId, range),
    dailySeries(db, teamId, range, tz),
    hourOfWeek(db, teamId, range, tz),
    transfersByDepartment(db, teamId, days),
    topTopicsFromRollup(db, teamId, days),
    busiestAgents(db, teamId, days),
    busiestNumbers(db, teamId, days),
  ]);
  return { range, totals, daily, heatmap, transfers, topics, agents, numbers };
}

// Range presets of the dashboard: the last N whole local days including today.
export const RANGE_PRESETS = [7, 30, 90] as const;

export function presetRange(days: number, now = new Date(), tz = "UTC"): TRange {
  const today = localDay(tz, new Date(Math.floor(now.getTime() / 3600_000) * 3600_000));
  return localDaysRange(tz, addDays(today, 1 - days), today);
}

// From the URL: ?range=7|30|90 or ?from=YYYY-MM-DD&to=YYYY-MM-DD (both local days of `tz`, inclusive). Anything
// else: 30 days. firstDay/lastDay name the local days covered.
export function rangeFromSearchParams(
  params: { range?: string; from?: string; to?: string },
  now = new Date(),
  tz = "UTC",
): TRange & { preset: number | null; firstDay: string; lastDay: string } {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (params.from && params.to && day.test(params.from) && day.test(params.to)) {
    const isReal = (d: string) => !Number.isNaN(new Date(`${d}T00:00:00Z`).getTime()) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d);
    if (isReal(params.from) && isReal(params.to) && params.from <= params.to) {
      const range = localDaysRange(tz, params.from, params.to);
      if (range.to.getTime() - range.from.getTime() <= MAX_RANGE_MS) return { ...range, preset: null, firstDay: params.from, lastDay: params.to };
    }
  }
  const preset = RANGE_PRESETS.find((p) => String(p) === params.range) ?? 30;
  const range = presetRange(preset, now, tz);
  return { ...range, preset, firstDay: localDay(tz, range.from), lastDay: localDay(tz, new Date(range.to.getTime() - 3600_000)) };
}
