import { sql, type SQL } from "drizzle-orm";
import type { Db } from "@/db/client";
import { LATENCY_BUCKET_BOUNDS_MS, LATENCY_BUCKET_COUNT } from "@/db/schema";
import { startPeriodic } from "@/lib/process/periodic";

// Maintains the dashboard rollups (db/schema/analytics.ts). A refresh recomputes whole small buckets from `calls`
// (the call's UTC hour for the stats, its UTC day for transfers and topics) instead of incrementing, so running it
// twice, after a retry, or after re-analysis changed an outcome always lands on the same numbers.

const bounds = sql.raw(`array[${LATENCY_BUCKET_BOUNDS_MS.join(",")}]`);
const HIST_COLUMNS = (["p50", "p95"] as const).flatMap((p) =>
  Array.from({ length: LATENCY_BUCKET_COUNT }, (_, i) => `v2v_${p}_b${i}`),
);

function histogramSelects(): SQL {
  return sql.join(
    (["p50", "p95"] as const).flatMap((p) =>
      Array.from(
        { length: LATENCY_BUCKET_COUNT },
        (_, i) => sql`count(*) filter (where width_bucket(c.${sql.raw(`voice_to_voice_${p}_ms`)}, ${bounds}) = ${sql.raw(String(i))})::int`,
      ),
    ),
    sql`, `,
  );
}

type TScope = { teamId?: string; from?: Date; to?: Date };

// Days before a team's retention_state.rollups_sealed_before lost calls to the retention purge: their buckets are
// final and nothing recomputes them from `calls` (which no longer holds all of their calls). The seal is a UTC day
// boundary, so comparing an hour or a start time with it is the same as comparing its day.
function unsealed(teamColumn: SQL, timeColumn: SQL): SQL {
  return sql`${timeColumn} >= coalesce((select s.rollups_sealed_before from retention_state s where s.team_id = ${teamColumn}), '-infinity'::timestamptz)`;
}

function callFilter(scope: TScope): SQL {
  // With one team the seal is read once (an uncorrelated subquery), not per call.
  const team = scope.teamId ? sql`${scope.teamId}::uuid` : sql`c.team_id`;
  const parts: SQL[] = [sql`c.is_test = false`, unsealed(team, sql`c.started_at`)];
  if (scope.teamId) parts.push(sql`c.team_id = ${scope.teamId}`);
  if (scope.from) parts.push(sql`c.started_at >= ${scope.from.toISOString()}::timestamptz`);
  if (scope.to) parts.push(sql`c.started_at < ${scope.to.toISOString()}::timestamptz`);
  return sql.join(parts, sql` and `);
}

function rollupFilter(column: "hour" | "day", scope: TScope): SQL {
  const team = scope.teamId ? sql`${scope.teamId}::uuid` : sql`team_id`;
  const parts: SQL[] = [unsealed(team, sql`${sql.identifier(column)}`)];
  if (scope.teamId) parts.push(sql`team_id = ${scope.teamId}`);
  if (scope.from) parts.push(sql`${sql.identifier(column)} >= ${scope.from.toISOString()}::timestamptz`);
  if (scope.to) parts.push(sql`${sql.identifier(column)} < ${scope.to.toISOString()}::timestamptz`);
  return sql.join(parts, sql` and `);
}

const STAT_COLUMNS = sql.raw(
  [
    "calls, answered, completed, with_outcome, resolved, transferred, message_taken, abandoned, failed",
    "handle_sec_sum, handle_count, sentiment_positive, sentiment_neutral, sentiment_negative, v2v_count",
    ...HIST_COLUMNS,
  ].join(", "),
);

function statSelects(): SQL {
  return sql`count(*)::int,
      count(*) filter (where c.answered_at is not null)::int,
      count(*) filter (where c.status = 'completed')::int,
      count(*) filter (where c.outcome is not null)::int,
      count(*) filter (where c.outcome = 'resolved')::int,
      count(*) filter (where c.outcome = 'transferred')::int,
      count(*) filter (where c.outcome = 'message_taken')::int,
      count(*) filter (where c.outcome = 'abandoned')::int,
      count(*) filter (where c.outcome = 'failed')::int,
      coalesce(sum(c.duration_sec), 0)::int,
      count(c.duration_sec)::int,
      count(*) filter (where c.sentiment = 'positive')::int,
      count(*) filter (where c.sentiment = 'neutral')::int,
      count(*) filter (where c.sentiment = 'negative')::int,
      count(c.voice_to_voice_p50_ms)::int,
      ${histogramSelects()}`;
}

// The calls the rollups count: the table itself, plus the anonymous stats of calls erased at a caller's request
// (db/schema/privacy.ts erased_call_stats), so an erasure never changes analytics. Filters on c.* are pushed into
// both branches by the planner.
const CALL_SOURCE = sql.raw(`(
    select id, team_id, is_test, started_at, answered_at, status::text as status, outcome::text as outcome, duration_sec,
      sentiment::text as sentiment, transferred_to, topic_cluster_id, agent_id, phone_number_id,
      voice_to_voice_p50_ms, voice_to_voice_p95_ms
    from calls
    union all
    select id, team_id, false, started_at, answered_at, status, outcome, duration_sec, sentiment, transferred_to,
      topic_cluster_id, agent_id, phone_number_id, voice_to_voice_p50_ms, voice_to_voice_p95_ms
    from erased_call_stats
  )`);

async function recompute(tx: Pick<Db, "execute">, hours: TScope, days: TScope): Promise<void> {
  await tx.execute(sql`delete from call_stats_hourly where ${rollupFilter("hour", hours)}`);
  await tx.execute(sql`
    insert into call_stats_hourly (team_id, hour, ${STAT_COLUMNS})
    select c.team_id, date_trunc('hour', c.started_at, 'UTC'), ${statSelects()}
    from ${CALL_SOURCE} c
    where ${callFilter(hours)}
    group by 1, 2`);
  await tx.execute(sql`delete from call_stats_daily where ${rollupFilter("day", days)}`);
  await tx.execute(sql`
    insert into call_stats_daily (team_id, day, agent_id, phone_number_id, ${STAT_COLUMNS})
    select c.team_id, date_trunc('day', c.started_at, 'UTC'), c.agent_id, c.phone_number_id, ${statSelects()}
    from ${CALL_SOURCE} c
    where ${callFilter(days)}
    group by 1, 2, 3, 4`);
  await tx.execute(sql`delete from call_transfers_daily where ${rollupFilter("day", days)}`);
  await tx.execute(sql`
    insert into call_transfers_daily (team_id, day, department, transfers)
    select c.team_id, date_trunc('day', c.started_at, 'UTC'),
           -- The department's name as the transfer event recorded it; calls.transferred_to is the number dialled.
           coalesce(
             (select nullif(e.name, '') from call_events e
              where e.team_id = c.team_id and e.call_id = c.id and e.kind = 'transfer' order by e.at_ms desc limit 1),
             c.transferred_to, ''),
           count(*)::int
    from ${CALL_SOURCE} c
    where ${callFilter(days)} and c.outcome = 'transferred'
    group by 1, 2, 3`);
  await tx.execute(sql`delete from call_topics_daily where ${rollupFilter("day", days)}`);
  await tx.execute(sql`
    insert into call_topics_daily (team_id, day, topic_cluster_id, calls)
    select c.team_id, date_trunc('day', c.started_at, 'UTC'), c.topic_cluster_id, count(*)::int
    from ${CALL_SOURCE} c
    where ${callFilter(days)} and c.topic_cluster_id is not null
    group by 1, 2, 3`);
}

function utcHour(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 3600_000) * 3600_000);
}

function utcDay(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 86_400_000) * 86_400_000);
}

export function rollupDayLockKey(teamId: string, day: Date): string {
  return `rollup:${teamId}:${day.toISOString()}`;
}

async function isDaySealed(tx: Pick<Db, "execute">, teamId: string, day: Date): Promise<boolean> {
  const [row] = await tx.execute<{ sealed: boolean }>(
    sql`select rollups_sealed_before > ${day.toISOString()}::timestamptz as sealed from retention_state where team_id = ${teamId}`,
  );
  return row?.sealed === true;
}

// Before the retention purge deletes a team's calls of one UTC day: brings that day's rollups up to date with
// every call it still has, then seals it (and every day before it), so no later refresh recomputes it from the
// calls that are left. Both under the team-day lock, so a refresh waiting on it sees the seal.
export async function sealRollupDay(db: Db, teamId: string, day: Date): Promise<void> {
  const start = utcDay(day);
  const end = new Date(start.getTime() + 86_400_000);
  await refreshBuckets(db, teamId, { from: start, to: end }, async (tx) => {
    await tx.execute(sql`
      insert into retention_state (team_id, rollups_sealed_before) values (${teamId}, ${end.toISOString()}::timestamptz)
      on conflict (team_id) do update set rollups_sealed_before = greatest(retention_state.rollups_sealed_before, excluded.rollups_sealed_before), updated_at = now()`);
    await tx.execute(sql`delete from call_rollups_dirty where team_id = ${teamId} and hour < ${end.toISOString()}::timestamptz`);
  });
}

function rebuildLockKey(teamId: string | undefined): string {
  return `rollup-rebuild:${teamId ?? "*"}`;
}

// Brings the rollups in line with one call's current row: the team's stats for its UTC hour and its UTC day.
// Safe to call any number of times, concurrently, for any call, test calls included (they simply do not count).
// Scans the team's calls of that day: live calls mark their hour instead (markCallRollupDirty) and the flusher
// recomputes each dirty bucket once per batch.
export async function refreshCallRollup(db: Db, teamId: string, callId: string): Promise<boolean> {
  const [row] = await db.execute<{ started_ms: string }>(
    sql`select (extract(epoch from started_at) * 1000)::bigint::text as started_ms from calls where id = ${callId} and team_id = ${teamId}`,
  );
  if (!row) return false;
  const hour = utcHour(new Date(Number(row.started_ms)));
  await refreshBuckets(db, teamId, { from: hour, to: new Date(hour.getTime() + 3600_000) });
  return true;
}

// Recomputes the team's hours in [from, to) (one UTC day at most) and that day. `inTransaction` runs after the
// recompute, in its transaction.
async function refreshBuckets(
  db: Db,
  teamId: string,
  hours: { from: Date; to: Date },
  inTransaction?: (tx: Pick<Db, "execute">) => Promise<void>,
): Promise<void> {
  const day = utcDay(hours.from);
  await db.transaction(async (tx) => {
    // Refreshes share the rebuild locks (a rebuild waits for them and they for it) and take one writer per team-day:
    // two writers on the same bucket would otherwise both delete, then both insert.
    await tx.execute(sql`select pg_advisory_xact_lock_shared(hashtextextended(${rebuildLockKey(undefined)}, 0))`);
    await tx.execute(sql`select pg_advisory_xact_lock_shared(hashtextextended(${rebuildLockKey(teamId)}, 0))`);
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${rollupDayLockKey(teamId, day)}, 0))`);
    // The filters skip a sealed day anyway; this only saves the statements.
    if (!(await isDaySealed(tx, teamId, day))) {
      await recompute(tx, { teamId, ...hours }, { teamId, from: day, to: new Date(day.getTime() + 86_400_000) });
    }
    await inTransaction?.(tx);
  });
}

// Marks the UTC hour of one call as behind: one upsert, cheap enough for every call that ends or is analyzed.
// Returns false when the team has no such call, or it is a test call (they never count).
export async function markCallRollupDirty(db: Pick<Db, "execute">, teamId: string, callId: string): Promise<boolean> {
  const rows = await db.execute(sql`
    insert into call_rollups_dirty (team_id, hour)
    select team_id, date_trunc('hour', started_at, 'UTC') from calls where id = ${callId} and team_id = ${teamId} and is_test = false
    on conflict (team_id, hour) do update set version = call_rollups_dirty.version + 1, marked_at = now()
    returning 1`);
  return rows.length > 0;
}

// Recomputes up to `limit` dirty hours, oldest mark first: one transaction per team-day, however many calls
// marked it. A mark made while its bucket was being recomputed bumped the version, so its row stays for the next
// flush. Returns how many hours were brought up to date.
export async function flushDirtyRollups(db: Db, options: { limit?: number } = {}): Promise<number> {
  const rows = await db.execute<{ team_id: string; hour_ms: string; version: number }>(sql`
    select team_id, (extract(epoch from hour) * 1000)::bigint::text as hour_ms, version
    from call_rollups_dirty order by marked_at limit ${options.limit ?? 500}`);
  const groups = new Map<string, { teamId: string; hours: number[]; versions: number[] }>();
  for (const row of rows) {
    const hourMs = Number(row.hour_ms);
    const key = `${row.team_id}:${utcDay(new Date(hourMs)).getTime()}`;
    const group = groups.get(key) ?? { teamId: row.team_id, hours: [], versions: [] };
    group.hours.push(hourMs);
    group.versions.push(row.version);
    groups.set(key, group);
  }
  let flushed = 0;
  for (const { teamId, hours, versions } of groups.values()) {
    const from = new Date(Math.min(...hours));
    const to = new Date(Math.max(...hours) + 3600_000);
    const stamps = hours.map((ms) => new Date(ms).toISOString());
    await refreshBuckets(db, teamId, { from, to }, async (tx) => {
      await tx.execute(sql`
        delete from call_rollups_dirty d
        using unnest(${`{${stamps.join(",")}}`}::timestamptz[], ${`{${versions.join(",")}}`}::int[]) as v(hour, version)
        where d.team_id = ${teamId} and d.hour = v.hour and d.version = v.version`);
    });
    flushed += hours.length;
  }
  return flushed;
}

export type TRollupFlusher = {
  // Flushes now (after any flush in progress); resolves with the hours brought up to date.
  flush(): Promise<number>;
  // Stops the timer after one last flush.
  stop(): Promise<void>;
};

// Flushes dirty rollups every `intervalMs`, so a burst of calls ending costs one recompute per team-day and
// interval instead of one per call. Several processes may run one: the team-day lock serializes them.
export function startRollupFlusher(
  db: Db,
  options: { intervalMs?: number; onError?: (error: unknown) => void } = {},
): TRollupFlusher {
  const flusher = startPeriodic({
    intervalMs: options.intervalMs ?? 2_000,
    runAtStart: false,
    run: async () => {
      let total = 0;
      for (;;) {
        const flushed = await flushDirtyRollups(db, { limit: 500 });
        total += flushed;
        if (flushed < 500) return total;
      }
    },
    onError: (error) => options.onError?.(error),
  });
  // After the flush in progress, whether or not it failed.
  const flush = () => flusher.runNow();
  return {
    flush,
    stop: async () => {
      await flusher.stop();
      await flush().catch((error: unknown) => options.onError?.(error));
    },
  };
}

// Backfill: recomputes every bucket of one team, or of all teams.
export async function rebuildRollups(db: Db, teamId?: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${rebuildLockKey(teamId)}, 0))`);
    await recompute(tx, { teamId }, { teamId });
  });
}
