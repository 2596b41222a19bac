import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { analyticsTotals, MAX_RANGE_MS } from "@/lib/analytics/queries";
import { AppError } from "@/lib/errors";
import { CALL_OUTCOMES } from "@/lib/calls/list-calls";
import type { TIMESERIES_METRICS } from "./endpoints/analytics";

// Aggregates for the public API, from the dashboard's hourly rollup when the range falls on whole hours, else
// straight over `calls`. Test calls never count.

const DEFAULT_RANGE_MS = 30 * 24 * 3600 * 1000;
const MAX_BUCKETS = 1000;
const INTERVAL_MS = { hour: 3600_000, day: 86_400_000, week: 7 * 86_400_000 } as const;

export type TRange = { from: Date; to: Date };

export function resolveRange(input: { from?: string; to?: string }, now = new Date()): TRange {
  const to = input.to ? new Date(input.to) : now;
  const from = input.from ? new Date(input.from) : new Date(to.getTime() - DEFAULT_RANGE_MS);
  if (from.getTime() >= to.getTime()) throw new AppError("bad_request", "`from` must be before `to`.");
  return { from, to };
}

function isWholeHours(range: TRange): boolean {
  return range.from.getTime() % 3600_000 === 0 && range.to.getTime() % 3600_000 === 0 && range.to.getTime() - range.from.getTime() <= MAX_RANGE_MS;
}

// Whole-hour ranges up to three years (the common case) read the rollups; anything else is answered from `calls`.
export async function analyticsSummary(db: DbOrTx, teamId: string, range: TRange) {
  if (!isWholeHours(range)) return summaryFromCalls(db, teamId, range);
  const t = await analyticsTotals(db, teamId, range);
  return {
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    total_calls: t.calls,
    answered_calls: t.answered,
    completed_calls: t.completed,
    outcomes: { resolved: t.resolved, transferred: t.transferred, message_taken: t.messageTaken, abandoned: t.abandoned, failed: t.failed },
    resolution_rate: t.resolutionRate,
    avg_duration_sec: t.avgHandleSec === null ? null : Math.round(t.avgHandleSec * 10) / 10,
    sentiment: t.sentiment,
  };
}

async function summaryFromCalls(db: DbOrTx, teamId: string, range: TRange) {
  const outcomeCounts = sql.join(
    CALL_OUTCOMES.map((o) => sql`count(*) filter (where outcome = ${o})::int as ${sql.identifier(o)}`),
    sql`, `,
  );
  const [row] = await db.execute<Record<string, number | null>>(sql`
    select count(*)::int as total,
           count(*) filter (where answered_at is not null)::int as answered,
           count(*) filter (where status = 'completed')::int as completed,
           count(*) filter (where outcome is not null)::int as with_outcome,
           ${outcomeCounts},
           avg(duration_sec)::float8 as avg_duration,
           count(*) filter (where sentiment = 'positive')::int as positive,
           count(*) filter (where sentiment = 'neutral')::int as neutral,
           count(*) filter (where sentiment = 'negative')::int as negative
    from calls
    where team_id = ${teamId} and is_test = false and started_at >= ${range.from.toISOString()} and started_at < ${range.to.toISOString()}`);
  const n = (key: string) => Number(row?.[key] ?? 0);
  const outcomes = Object.fromEntries(CALL_OUTCOMES.map((o) => [o, n(o)])) as Record<(typeof CALL_OUTCOMES)[number], number>;
  const avg = row?.avg_duration;
  return {
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    total_calls: n("total"),
    answered_calls: n("answered"),
    completed_calls: n("completed"),
    outcomes,
    resolution_rate: n("with_outcome") > 0 ? outcomes.resolved / n("with_outcome") : null,
    avg_duration_sec: avg === null || avg === undefined ? null : Math.round(Number(avg) * 10) / 10,
    sentiment: { positive: n("positive"), neutral: n("neutral"), negative: n("negative") },
  };
}

type TMetric = (typeof TIMESERIES_METRICS)[number];
const ROLLUP_METRIC_SQL: Record<TMetric, ReturnType<typeof sql>> = {
  calls: sql`coalesce(sum(s.calls), 0)::float8`,
  answered: sql`coalesce(sum(s.answered), 0)::float8`,
  resolved: sql`coalesce(sum(s.resolved), 0)::float8`,
  abandoned: sql`coalesce(sum(s.abandoned), 0)::float8`,
  transferred: sql`coalesce(sum(s.transferred), 0)::float8`,
  avg_duration_sec: sql`round(sum(s.handle_sec_sum)::numeric / nullif(sum(s.handle_count), 0), 1)::float8`,
};
const METRIC_SQL: Record<TMetric, ReturnType<typeof sql>> = {
  calls: sql`count(c.id)::float8`,
  answered: sql`count(c.id) filter (where c.answered_at is not null)::float8`,
  resolved: sql`count(c.id) filter (where c.outcome = 'resolved')::float8`,
  abandoned: sql`count(c.id) filter (where c.outcome = 'abandoned')::float8`,
  transferred: sql`count(c.id) filter (where c.outcome = 'transferred')::float8`,
  avg_duration_sec: sql`round(avg(c.duration_sec)::numeric, 1)::float8`,
};

export async function analyticsTimeseries(
  db: DbOrTx,
  teamId: string,
  input: TRange & { metric: TMetric; interval: keyof typeof INTERVAL_MS },
) {
  const buckets = Math.ceil((input.to.getTime() - input.from.getTime()) / INTERVAL_MS[input.interval]);
  if (buckets > MAX_BUCKETS) {
    throw new AppError("bad_request", `That range has ${buckets} ${input.interval} buckets; at most ${MAX_BUCKETS} are allowed. Use a larger interval.`);
  }
  const step = `1 ${input.interval}`;
  const rows = isWholeHours(input)
    ? await db.execute<{ bucket_start: string; value: number | null }>(sql`
    with buckets as (
      select generate_series(
        date_trunc(${input.interval}, ${input.from.toISOString()}::timestamptz, 'UTC'),
        ${input.to.toISOString()}::timestamptz - interval '1 microsecond',
        ${step}::interval, 'UTC') as bucket_start
    )
    select to_char(b.bucket_start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as bucket_start,
           ${ROLLUP_METRIC_SQL[input.metric]} as value
    from buckets b
    left join call_stats_hourly s
      on s.team_id = ${teamId}
     and s.hour >= greatest(b.bucket_start, ${input.from.toISOString()}::timestamptz)
     and s.hour < least(date_add(b.bucket_start, ${step}::interval, 'UTC'), ${input.to.toISOString()}::timestamptz)
    group by b.bucket_start
    order by b.bucket_start`)
    : await db.execute<{ bucket_start: string; value: number | null }>(sql`
    with buckets as (
      select generate_series(
        date_trunc(${input.interval}, ${input.from.toISOString()}::timestamptz, 'UTC'),
        ${input.to.toISOString()}::timestamptz - interval '1 microsecond',
        ${step}::interval, 'UTC') as bucket_start
    )
    select to_char(b.bucket_start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as bucket_start,
           ${METRIC_SQL[input.metric]} as value
    from buckets b
    left join calls c
      on c.team_id = ${teamId} and c.is_test = false
     and c.started_at >= greatest(b.bucket_start, ${input.from.toISOString()}::timestamptz)
     and c.started_at < least(date_add(b.bucket_start, ${step}::interval, 'UTC'), ${input.to.toISOString()}::timestamptz)
    group by b.bucket_start
    order by b.bucket_start`);
  return {
    metric: input.metric,
    interval: input.interval,
    from: input.from.toISOString(),
    to: input.to.toISOString(),
    data: rows.map((r) => ({ bucket_start: r.bucket_start, value: r.value === null ? null : Number(r.value) })),
  };
}
