import { sql, type SQL } from "drizzle-orm";
import type { Db } from "@/db/client";
import { sealRollupDay } from "@/lib/analytics/rollup";
import { storeFor, type TRecordingStoreSet } from "@/lib/recordings/create-stores";
import type { TRecordingStorage } from "@/lib/recordings/store";
import { loadRetentionPolicy, type TRetentionPolicy } from "./policy";

// What a team's retention policy says has expired, and its removal in small batches. Every statement touches at
// most one batch of rows and runs on its own (no long transaction), so live calls writing turns and heartbeats
// never wait on a purge: their rows are never in a batch, and row locks are the only locks a batch takes.
//
// A dry run walks exactly the same batches and counts what each would remove, so "the next purge will remove" in
// Settings is the purge's own arithmetic.

const DAY_MS = 86_400_000;
// A call that has not finished (no end, or no outcome yet: the voice server still owns it) and showed a sign of
// life (start or heartbeat) this recently is live and never purged. Finished calls and calls abandoned by a dead
// process long ago (the recovery sweep finalizes those within seconds) are not.
export const LIVE_CALL_GRACE_MS = 60 * 60_000;

export type TRetentionCounts = {
  // Calls whose recording was removed (files on disk and in S3, and voicemails Twilio held).
  recordings: number;
  // Transcripts: turns and timeline events removed from calls that stay.
  turns: number;
  callEvents: number;
  calls: number;
  testCalls: number;
  messages: number;
  webhookDeliveries: number;
};

export const EMPTY_COUNTS: TRetentionCounts = {
  recordings: 0,
  turns: 0,
  callEvents: 0,
  calls: 0,
  testCalls: 0,
  messages: 0,
  webhookDeliveries: 0,
};

export type TTwilioVoicemail = { callSid: string; accountSid: string | null };

// Deletes the recordings Twilio holds for one call; resolves with how many it deleted. Throws
// TwilioRecordingsUnreachable when no credentials can reach them (a disconnected account): nothing will ever
// succeed, so the purge reports it and goes on. Any other error stops the recordings walk until the next run.
export type TTwilioRecordingDeleter = (call: TTwilioVoicemail) => Promise<number>;

export class TwilioRecordingsUnreachable extends Error {}

export type TPurgeDeps = {
  stores: TRecordingStoreSet;
  twilio: TTwilioRecordingDeleter | null;
  // Calls per batch (their turns and events go with them); rows per batch for messages and deliveries.
  batchSize?: number;
};

export type TPurgeOptions = {
  now?: Date;
  // Wall time this purge may take; past it, it stops between batches and the next run goes on from there (a first
  // purge of years of backlog is spread over several hourly runs rather than holding the team's lease for long).
  budgetMs?: number;
  isDryRun?: boolean;
  // Another policy than the saved one: the count shown before a shorter period is confirmed.
  policy?: TRetentionPolicy;
};

export type TPurgeResult = { counts: TRetentionCounts; errors: string[] };

type TCursor = { at: Date; id: string } | null;

type TCallRow = {
  id: string;
  started_at: Date;
  is_test: boolean;
  is_live: boolean;
  recording_path: string | null;
  recording_storage: TRecordingStorage;
  voicemail_sid: string | null;
  account_sid: string | null;
};

type TCtx = {
  db: Db;
  teamId: string;
  deps: TPurgeDeps;
  now: Date;
  isDryRun: boolean;
  batch: number;
  deadline: number;
  counts: TRetentionCounts;
  errors: string[];
};

export function cutoffOf(days: number | null, now: Date): Date | null {
  return days === null ? null : new Date(now.getTime() - days * DAY_MS);
}

class TimeBudgetReached extends Error {}

function checkBudget(ctx: TCtx): void {
  if (Date.now() > ctx.deadline) throw new TimeBudgetReached();
}

function utcDay(date: Date): Date {
  return new Date(Math.floor(date.getTime() / DAY_MS) * DAY_MS);
}

const iso = (d: Date) => sql`${d.toISOString()}::timestamptz`;

// The columns every walk needs. A voicemail left while all lines were busy is a <Record> Twilio keeps until it is
// deleted there; the account is the one that owns the number called (or the team's, if the number is gone).
function callColumns(now: Date): SQL {
  const liveSince = iso(new Date(now.getTime() - LIVE_CALL_GRACE_MS));
  return sql`c.id, c.started_at, c.is_test, c.recording_path, c.recording_storage,
    ((c.ended_at is null or c.outcome is null) and coalesce(c.heartbeat_at, c.started_at) > ${liveSince}) as is_live,
    case when c.end_reason = 'lines_busy' and c.outcome = 'message_taken' then c.twilio_call_sid end as voicemail_sid,
    case when c.end_reason = 'lines_busy' and c.outcome = 'message_taken' then
      coalesce((select p.twilio_account_sid from phone_numbers p where p.id = c.phone_number_id and p.team_id = c.team_id),
        (select t.twilio_account_sid from teams t where t.id = c.team_id)) end as account_sid`;
}

async function selectCalls(ctx: TCtx, where: SQL, limit: number): Promise<TCallRow[]> {
  const rows = await ctx.db.execute<TCallRow & { started_at: string | Date }>(sql`
    select ${callColumns(ctx.now)} from calls c
    where c.team_id = ${ctx.teamId} and ${where}
    order by c.started_at, c.id limit ${limit}`);
  return rows.map((r) => ({ ...r, started_at: new Date(r.started_at) }));
}

// ---- recording files and Twilio voicemails

function hasRecording(row: TCallRow): boolean {
  return row.recording_path !== null || row.voicemail_sid !== null;
}

// Removes what one call's recording left anywhere: its file in the store the row names, the key it would have in
// the other store (an upload in flight, a spool copy), and the voicemail Twilio keeps. Throws on a failure that a
// later run may get past; the row still names the file then, so nothing is forgotten.
async function removeRecordingOf(ctx: TCtx, row: TCallRow): Promise<void> {
  const { stores } = ctx.deps;
  if (row.voicemail_sid) {
    if (!ctx.deps.twilio) throw new TwilioRecordingsUnreachable("Twilio is not configured on this server");
    try {
      await ctx.deps.twilio({ callSid: row.voicemail_sid, accountSid: row.account_sid });
    } catch (error) {
      if (!(error instanceof TwilioRecordingsUnreachable)) throw error;
      pushError(ctx, `A voicemail recording is held by a Twilio account this server cannot reach (${error.message}); delete it in the Twilio console.`);
    }
  }
  if (row.recording_path) {
    const store = storeFor(stores, row.recording_storage);
    // Never forget a file this process cannot reach: the row keeps naming it and the error says why.
    if (!store) throw new Error(`recordings stored in ${row.recording_storage === "s3" ? "S3" : "RECORDINGS_DIR"} are not reachable from this process`);
    await store.remove(row.recording_path);
    const other = row.recording_storage === "s3" ? stores.local : stores.s3;
    await other?.remove(other.keyFor(ctx.teamId, row.id));
  }
}

// The same message once per run, not once per call.
function pushError(ctx: TCtx, message: string): void {
  if (!ctx.errors.includes(message)) ctx.errors.push(message);
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Never a file path or a caller's number in a purge result: only what kind of failure it was.
  return message.replace(/\+?\d[\d\s().-]{6,}\d/g, "[number]").slice(0, 300);
}

// Removes the recordings of `rows` in order; returns those fully removed. Stops at the first failure.
async function removeRecordings(ctx: TCtx, rows: TCallRow[], what: string): Promise<{ done: TCallRow[]; isStopped: boolean }> {
  const done: TCallRow[] = [];
  for (const row of rows) {
    if (hasRecording(row)) {
      try {
        await removeRecordingOf(ctx, row);
      } catch (error) {
        pushError(ctx, `${what} stopped: a recording could not be deleted (${describe(error)}); the next run retries.`);
        return { done, isStopped: true };
      }
    }
    done.push(row);
  }
  return { done, isStopped: false };
}

// ---- walks over calls in (started_at, id) order from a saved position

type TWalkKind = "recordings" | "transcripts" | "testCalls";
const CURSOR_COLUMNS: Record<TWalkKind, { at: string; id: string }> = {
  recordings: { at: "recordings_after_at", id: "recordings_after_id" },
  transcripts: { at: "transcripts_after_at", id: "transcripts_after_id" },
  testCalls: { at: "test_calls_after_at", id: "test_calls_after_id" },
};

async function loadCursor(ctx: TCtx, kind: TWalkKind): Promise<TCursor> {
  const c = CURSOR_COLUMNS[kind];
  const [row] = await ctx.db.execute<{ at: string | Date | null; id: string | null }>(
    sql`select ${sql.raw(c.at)} as at, ${sql.raw(c.id)} as id from retention_state where team_id = ${ctx.teamId}`,
  );
  return row?.at && row.id ? { at: new Date(row.at), id: row.id } : null;
}

async function saveCursor(ctx: TCtx, kind: TWalkKind, cursor: { at: Date; id: string }): Promise<void> {
  const c = CURSOR_COLUMNS[kind];
  await ctx.db.execute(sql`
    insert into retention_state (team_id, ${sql.raw(c.at)}, ${sql.raw(c.id)}) values (${ctx.teamId}, ${iso(cursor.at)}, ${cursor.id})
    on conflict (team_id) do update set ${sql.raw(c.at)} = excluded.${sql.raw(c.at)}, ${sql.raw(c.id)} = excluded.${sql.raw(c.id)}, updated_at = now()`);
}

// Hands batches of the team's calls started before `before` (and after the saved position) to `apply`, which
// returns how many of them it finished; the position moves past those. Stops at the first live call, so a call in
// progress is never skipped over, and when `apply` finishes less than its batch.
async function walk(
  ctx: TCtx,
  kind: TWalkKind,
  before: Date,
  apply: (rows: TCallRow[]) => Promise<number>,
): Promise<void> {
  let cursor = await loadCursor(ctx, kind);
  for (;;) {
    checkBudget(ctx);
    const after = cursor ? sql`(c.started_at, c.id) > (${iso(cursor.at)}, ${cursor.id}::uuid)` : sql`true`;
    const rows = await selectCalls(ctx, sql`c.started_at < ${iso(before)} and ${after}`, ctx.batch);
    const live = rows.findIndex((r) => r.is_live);
    const ready = live === -1 ? rows : rows.slice(0, live);
    const finished = ready.length > 0 ? await apply(ready) : 0;
    const last = ready[finished - 1];
    if (last) {
      cursor = { at: last.started_at, id: last.id };
      if (!ctx.isDryRun) await saveCursor(ctx, kind, cursor);
    }
    if (live !== -1 || finished < ready.length || rows.length < ctx.batch) return;
  }
}

const idArray = (rows: TCallRow[]) => sql`${`{${rows.map((r) => r.id).join(",")}}`}::uuid[]`;

async function countWhere(ctx: TCtx, table: "call_turns" | "call_events", rows: TCallRow[]): Promise<number> {
  const [row] = await ctx.db.execute<{ n: number }>(
    sql`select count(*)::int as n from ${sql.identifier(table)} where team_id = ${ctx.teamId} and call_id = any(${idArray(rows)})`,
  );
  return row?.n ?? 0;
}

async function deleteWhere(ctx: TCtx, table: "call_turns" | "call_events", rows: TCallRow[]): Promise<number> {
  const deleted = await ctx.db.execute(
    sql`delete from ${sql.identifier(table)} where team_id = ${ctx.teamId} and call_id = any(${idArray(rows)})`,
  );
  return deleted.count;
}

// Recordings of calls started before the cutoff: files and Twilio voicemails, then the call forgets the path.
async function purgeRecordings(ctx: TCtx, cutoff: Date): Promise<void> {
  await walk(ctx, "recordings", cutoff, async (rows) => {
    const withRecording = rows.filter(hasRecording);
    if (ctx.isDryRun) {
      ctx.counts.recordings += withRecording.length;
      return rows.length;
    }
    const { done, isStopped } = await removeRecordings(ctx, rows, "Deleting recordings");
    const removed = done.filter(hasRecording);
    if (removed.length > 0) {
      await ctx.db.execute(sql`update calls set recording_path = null where team_id = ${ctx.teamId} and id = any(${idArray(removed)})`);
      // An upload that read the spooled file before it was removed may have put the object meanwhile.
      const spooled = removed.filter((r) => r.recording_path && r.recording_storage === "local");
      const s3 = ctx.deps.stores.s3;
      if (s3) for (const r of spooled) await s3.remove(s3.keyFor(ctx.teamId, r.id)).catch(() => {});
    }
    ctx.counts.recordings += removed.length;
    return isStopped ? done.length : rows.length;
  });
}

// Transcripts: turns and timeline events of calls started before the cutoff. The calls stay.
async function purgeTranscripts(ctx: TCtx, cutoff: Date): Promise<void> {
  await walk(ctx, "transcripts", cutoff, async (rows) => {
    if (ctx.isDryRun) {
      ctx.counts.turns += await countWhere(ctx, "call_turns", rows);
      ctx.counts.callEvents += await countWhere(ctx, "call_events", rows);
    } else {
      ctx.counts.turns += await deleteWhere(ctx, "call_turns", rows);
      ctx.counts.callEvents += await deleteWhere(ctx, "call_events", rows);
    }
    return rows.length;
  });
}

// Deletes calls whose recordings are gone: their turns and events first, in their own statements, so the
// foreign keys' cascades find nothing left to do.
async function deleteCalls(ctx: TCtx, rows: TCallRow[]): Promise<void> {
  if (rows.length === 0) return;
  await deleteWhere(ctx, "call_turns", rows);
  await deleteWhere(ctx, "call_events", rows);
  await ctx.db.execute(sql`delete from calls where team_id = ${ctx.teamId} and id = any(${idArray(rows)})`);
}

// Test calls (browser calls from the agent builder) started before the cutoff, with everything they hold. They
// never count in the dashboard, so their rollups are not involved.
async function purgeTestCalls(ctx: TCtx, cutoff: Date): Promise<void> {
  await walk(ctx, "testCalls", cutoff, async (rows) => {
    const tests = rows.filter((r) => r.is_test);
    if (ctx.isDryRun) {
      ctx.counts.testCalls += tests.length;
      return rows.length;
    }
    const { done, isStopped } = await removeRecordings(ctx, tests, "Deleting test calls");
    await deleteCalls(ctx, done);
    ctx.counts.testCalls += done.length;
    if (!isStopped) return rows.length;
    // Finished up to the test call that failed.
    const failed = tests[done.length];
    return failed ? rows.indexOf(failed) : rows.length;
  });
}

// Calls (not test calls) of whole UTC days before the cutoff, one day at a time, oldest first: the day's rollups
// are brought up to date and sealed before its first call goes, so the dashboard keeps counting them. A day with a
// live call waits for the next run.
async function purgeCalls(ctx: TCtx, cutoff: Date): Promise<void> {
  const end = utcDay(cutoff);
  if (ctx.isDryRun) return countCalls(ctx, end);
  let from: Date | null = null;
  for (;;) {
    checkBudget(ctx);
    const [first] = await ctx.db.execute<{ started_at: string | Date | null }>(sql`
      select min(started_at) as started_at from calls
      where team_id = ${ctx.teamId} and is_test = false and started_at < ${iso(end)} ${from ? sql`and started_at >= ${iso(from)}` : sql``}`);
    if (!first?.started_at) return;
    const day = utcDay(new Date(first.started_at));
    const next = new Date(day.getTime() + DAY_MS);
    const inDay = sql`c.is_test = false and c.started_at >= ${iso(day)} and c.started_at < ${iso(next)}`;
    const [live] = await selectCalls(ctx, sql`${inDay} and (c.ended_at is null or c.outcome is null) and coalesce(c.heartbeat_at, c.started_at) > ${iso(new Date(ctx.now.getTime() - LIVE_CALL_GRACE_MS))}`, 1);
    if (live) return;
    await sealRollupDay(ctx.db, ctx.teamId, day);
    for (;;) {
      checkBudget(ctx);
      const rows = await selectCalls(ctx, inDay, ctx.batch);
      // Recordings normally went first (their period is never longer); these are leftovers, e.g. a voicemail
      // Twilio refused to delete in an earlier run.
      const { done, isStopped } = await removeRecordings(ctx, rows, "Deleting calls");
      await deleteCalls(ctx, done);
      ctx.counts.calls += done.length;
      if (isStopped) return;
      if (rows.length < ctx.batch) break;
    }
    from = next;
  }
}

// The dry run of purgeCalls in two statements instead of three per day (a year of backlog is 1,000 round trips,
// tens of seconds behind the Settings page's count): the purge goes day by day up to the first day holding a live
// call, so it removes exactly the non-test calls started before that day (or before the cutoff's day).
async function countCalls(ctx: TCtx, end: Date): Promise<void> {
  const liveSince = iso(new Date(ctx.now.getTime() - LIVE_CALL_GRACE_MS));
  const [live] = await ctx.db.execute<{ started_at: string | Date | null }>(sql`
    select min(started_at) as started_at from calls c
    where c.team_id = ${ctx.teamId} and c.is_test = false and c.started_at < ${iso(end)}
      and (c.ended_at is null or c.outcome is null) and coalesce(c.heartbeat_at, c.started_at) > ${liveSince}`);
  const until = live?.started_at ? utcDay(new Date(live.started_at)) : end;
  const [n] = await ctx.db.execute<{ n: number }>(
    sql`select count(*)::int as n from calls c where c.team_id = ${ctx.teamId} and c.is_test = false and c.started_at < ${iso(until)}`,
  );
  ctx.counts.calls += n?.n ?? 0;
}

// Messages the agent took, created before the cutoff.
async function purgeMessages(ctx: TCtx, cutoff: Date): Promise<void> {
  await purgeRows(ctx, "caller_messages", sql`created_at < ${iso(cutoff)}`, "messages");
}

// Webhook deliveries (their payloads hold call data) created before the cutoff, once they are finished: one still
// being retried goes on the run after it succeeds or gives up.
async function purgeWebhookDeliveries(ctx: TCtx, cutoff: Date): Promise<void> {
  await purgeRows(ctx, "webhook_deliveries", sql`created_at < ${iso(cutoff)} and status <> 'pending'`, "webhookDeliveries");
}

async function purgeRows(ctx: TCtx, table: "caller_messages" | "webhook_deliveries", where: SQL, kind: "messages" | "webhookDeliveries"): Promise<void> {
  const t = sql.identifier(table);
  if (ctx.isDryRun) {
    const [n] = await ctx.db.execute<{ n: number }>(sql`select count(*)::int as n from ${t} where team_id = ${ctx.teamId} and ${where}`);
    ctx.counts[kind] += n?.n ?? 0;
    return;
  }
  for (;;) {
    checkBudget(ctx);
    const deleted = await ctx.db.execute(sql`
      delete from ${t} where id in (select id from ${t} where team_id = ${ctx.teamId} and ${where} limit ${ctx.batch})`);
    ctx.counts[kind] += deleted.count;
    if (deleted.count < ctx.batch) return;
  }
}

// One team's purge (or dry run) under its policy. Recordings and transcripts go before the calls they belong to
// (their periods are never longer), so deleting a call finds nothing of them left.
export async function purgeTeam(db: Db, teamId: string, deps: TPurgeDeps, options: TPurgeOptions = {}): Promise<TPurgeResult> {
  const now = options.now ?? new Date();
  const policy = options.policy ?? (await loadRetentionPolicy(db, teamId));
  const ctx: TCtx = {
    db,
    teamId,
    deps,
    now,
    isDryRun: options.isDryRun ?? false,
    batch: Math.max(1, deps.batchSize ?? 1000),
    deadline: options.budgetMs === undefined ? Infinity : Date.now() + options.budgetMs,
    counts: { ...EMPTY_COUNTS },
    errors: [],
  };
  const steps: [number | null, (ctx: TCtx, cutoff: Date) => Promise<void>][] = [
    [policy.recordings, purgeRecordings],
    [policy.transcripts, purgeTranscripts],
    [policy.testCalls, purgeTestCalls],
    [policy.calls, purgeCalls],
    [policy.messages, purgeMessages],
    [policy.webhookPayloads, purgeWebhookDeliveries],
  ];
  for (const [days, step] of steps) {
    const cutoff = cutoffOf(days, now);
    if (!cutoff) continue;
    try {
      await step(ctx, cutoff);
    } catch (error) {
      if (error instanceof TimeBudgetReached) {
        pushError(ctx, "Stopped at this run's time limit; the next run goes on from there.");
        break;
      }
      // One kind failing (a database error) does not keep the others from their schedule.
      pushError(ctx, `${step.name.replace(/^purge/, "")}: ${describe(error)}`);
    }
  }
  return { counts: ctx.counts, errors: ctx.errors };
}

// The dry run: what a purge at `now` would remove under the saved policy, or under `policy`.
export function previewPurge(db: Db, teamId: string, deps: TPurgeDeps, options: Omit<TPurgeOptions, "isDryRun"> = {}): Promise<TPurgeResult> {
  return purgeTeam(db, teamId, { ...deps, batchSize: Math.max(deps.batchSize ?? 1000, 5000) }, { ...options, isDryRun: true });
}
