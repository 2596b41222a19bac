import { PgBoss } from "pg-boss";
import type { Db } from "@/db/client";
import { PGBOSS_SCHEMA } from "@/lib/analysis/queue";
import type { TPurgeDeps } from "./purge";
import { runRetention } from "./run-retention";

// The retention purge as a durable pg-boss schedule: every hour on the hour (UTC) one job is queued, whichever
// workers are up, and one of them runs it for every team. A worker that dies mid-run leaves the job to expire
// and be retried; each team's lease keeps two runs off the same team.

export const RETENTION_QUEUE = "retention-purge";
export const RETENTION_CRON = "0 * * * *";

type TLog = { info(message: string, fields?: Record<string, unknown>): void; warn(message: string, fields?: Record<string, unknown>): void };

// When the schedule runs next after `now` (what Settings shows).
export function nextRetentionRun(now: Date): Date {
  return new Date(Math.floor(now.getTime() / 3600_000) * 3600_000 + 3600_000);
}

export type TRetentionSchedule = {
  // Queues a run now (tests, operators); resolves with the job id.
  runNow(): Promise<string | null>;
  stop(): Promise<void>;
};

export async function startRetentionSchedule(options: {
  databaseUrl: string;
  db: Db;
  deps: TPurgeDeps;
  log: TLog;
  pollingIntervalSeconds?: number;
  onRun?: (teams: number) => void;
}): Promise<TRetentionSchedule> {
  const boss = new PgBoss({
    connectionString: options.databaseUrl,
    schema: PGBOSS_SCHEMA,
    max: 2,
    application_name: "retention-worker",
    supervise: false,
    schedule: true,
  });
  boss.on("error", (error) => options.log.warn("retention queue error", { error }));
  await boss.start();
  for (let attempt = 1; ; attempt++) {
    try {
      // One waiting job at a time: an hour missed while every worker was down is one run, not a backlog.
      await boss.createQueue(RETENTION_QUEUE, { policy: "singleton", retryLimit: 3, retryDelay: 60, expireInSeconds: 3 * 3600 });
      break;
    } catch (error) {
      if (await boss.getQueue(RETENTION_QUEUE).catch(() => null)) break;
      if (attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, 100 * attempt + Math.random() * 200));
    }
  }
  await boss.schedule(RETENTION_QUEUE, RETENTION_CRON, null, { tz: "UTC" });
  await boss.work(RETENTION_QUEUE, { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 30 }, async () => {
    const results = await runRetention(options.db, options.deps, { log: options.log });
    options.log.info("retention purge done", { teams: results.length });
    options.onRun?.(results.length);
  });
  return {
    runNow: () => boss.send(RETENTION_QUEUE, {}),
    stop: () => boss.stop({ graceful: true, timeout: 10_000 }),
  };
}
