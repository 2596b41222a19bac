import { desc, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { retentionRuns, teams, type RetentionRun } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record-audit";
import { purgeTeam, type TPurgeDeps, type TRetentionCounts } from "./purge";

// The scheduled purge: every team in turn, each run recorded with its counts (retention_runs) and, when it removed
// something or hit an error, one audit entry with those counts. Nothing in either names a call, a caller or a file.

export const RETENTION_SYSTEM_ACTOR = { label: "system (retention policy)" } as const;
// Long enough for a first purge of a large backlog; a crashed run's lease simply runs out.
const LEASE_MS = 30 * 60_000;
// Run records older than this are dropped as new ones land (the audit log keeps the runs that removed anything).
export const RUN_HISTORY_DAYS = 400;
// One team's share of an hourly run, well inside its lease.
export const TEAM_RUN_BUDGET_MS = 15 * 60_000;

type TLog = { info(message: string, fields?: Record<string, unknown>): void; warn(message: string, fields?: Record<string, unknown>): void };

export type TTeamRunResult = { teamId: string; run: RetentionRun | null };

async function takeLease(db: Db, teamId: string, now: Date): Promise<boolean> {
  const until = new Date(now.getTime() + LEASE_MS).toISOString();
  const rows = await db.execute(sql`
    insert into retention_state (team_id, lease_until) values (${teamId}, ${until}::timestamptz)
    on conflict (team_id) do update set lease_until = excluded.lease_until, updated_at = now()
      where retention_state.lease_until is null or retention_state.lease_until < ${now.toISOString()}::timestamptz
    returning 1`);
  return rows.length > 0;
}

async function releaseLease(db: Db, teamId: string): Promise<void> {
  await db.execute(sql`update retention_state set lease_until = null where team_id = ${teamId}`);
}

function total(counts: TRetentionCounts): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

// One team's purge. Returns null when another run holds the team.
export async function runTeamRetention(
  db: Db,
  teamId: string,
  deps: TPurgeDeps,
  options: { now?: Date; log?: TLog; budgetMs?: number } = {},
): Promise<RetentionRun | null> {
  const startedAt = options.now ?? new Date();
  if (!(await takeLease(db, teamId, new Date()))) return null;
  try {
    const { counts, errors } = await purgeTeam(db, teamId, deps, { now: startedAt, budgetMs: options.budgetMs ?? TEAM_RUN_BUDGET_MS });
    const status = errors.length > 0 ? "partial" : "succeeded";
    // The run and its audit entry land together: whoever sees the run sees its audit entry.
    const run = await db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(retentionRuns)
        .values({ teamId, startedAt, finishedAt: new Date(), status, counts, errors })
        .returning();
      await tx.execute(
        sql`delete from retention_runs where team_id = ${teamId} and started_at < ${new Date(startedAt.getTime() - RUN_HISTORY_DAYS * 86_400_000).toISOString()}::timestamptz`,
      );
      if (total(counts) > 0 || errors.length > 0) {
        await recordAudit(tx, {
          teamId,
          actor: RETENTION_SYSTEM_ACTOR,
          action: "retention.purged",
          targetType: "retention_run",
          targetId: inserted?.id ?? null,
          metadata: { counts, status, errorCount: errors.length },
        });
      }
      return inserted;
    });
    if (errors.length > 0) options.log?.warn("retention purge incomplete", { teamId, errors });
    return run ?? null;
  } finally {
    await releaseLease(db, teamId);
  }
}

// Every team, one after the other. A team whose run fails outright is logged and the next one goes on.
export async function runRetention(db: Db, deps: TPurgeDeps, options: { now?: Date; log?: TLog } = {}): Promise<TTeamRunResult[]> {
  const all = await db.select({ id: teams.id }).from(teams).orderBy(teams.id);
  const results: TTeamRunResult[] = [];
  for (const { id } of all) {
    try {
      results.push({ teamId: id, run: await runTeamRetention(db, id, deps, options) });
    } catch (error) {
      options.log?.warn("retention purge failed", { teamId: id, error });
      results.push({ teamId: id, run: null });
    }
  }
  return results;
}

export async function lastRetentionRun(db: Db, teamId: string): Promise<RetentionRun | null> {
  const [run] = await db.select().from(retentionRuns).where(eq(retentionRuns.teamId, teamId)).orderBy(desc(retentionRuns.startedAt)).limit(1);
  return run ?? null;
}
