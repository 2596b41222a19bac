import { and, eq, lt, sql } from "drizzle-orm";
import { PgBoss } from "pg-boss";
import { z } from "zod";
import type { Db } from "@/db/client";
import { agentTestRuns } from "@/db/schema";
import { PGBOSS_SCHEMA } from "@/lib/analysis/queue";
import { log } from "@/lib/observability/log";
import { startPeriodic } from "@/lib/process/periodic";
import { executeTestRun, type TScenarioRunner } from "./execute-run";

// Suite runs as durable pg-boss jobs (same schema as the other queues). A job carries only the run id; the run row
// is the source of truth. Several runs go at once per worker, up to WORKER_EVAL_CONCURRENCY; a worker that dies
// mid-run leaves the job to expire and be retried (the run starts over), and a run that outlived every retry is
// marked failed by the sweep instead of showing "running" forever.

export const TEST_RUN_QUEUE = "agent-test-runs";
const ZJob = z.object({ runId: z.uuid() });
// A suite of 50 scenarios at their 90 s limit each is 75 minutes; beyond this the job is retried elsewhere.
const JOB_EXPIRE_SECONDS = 2 * 3600;
const STUCK_AFTER_MS = 2 * JOB_EXPIRE_SECONDS * 1000 + 10 * 60_000;

async function startBoss(databaseUrl: string, isWorker: boolean): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: PGBOSS_SCHEMA,
    max: isWorker ? 2 : 1,
    application_name: isWorker ? "test-run-worker" : "test-run-sender",
    supervise: isWorker,
    schedule: false,
    registerInstance: false,
  });
  boss.on("error", (error) => log.error("test run queue error", { error }));
  await boss.start();
  for (let attempt = 1; ; attempt++) {
    try {
      await boss.createQueue(TEST_RUN_QUEUE, { policy: "standard", retryLimit: 1, retryDelay: 5, expireInSeconds: JOB_EXPIRE_SECONDS });
      break;
    } catch (error) {
      if (await boss.getQueue(TEST_RUN_QUEUE).catch(() => null)) break;
      if (attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, 100 * attempt + Math.random() * 200));
    }
  }
  return boss;
}

const globalForQueue = globalThis as unknown as { __aiCallAgentTestRunSenders?: Map<string, Promise<PgBoss>> };

export async function enqueueTestRun(runId: string, options: { databaseUrl: string }): Promise<void> {
  const senders = (globalForQueue.__aiCallAgentTestRunSenders ??= new Map());
  let boss = senders.get(options.databaseUrl);
  if (!boss) {
    boss = startBoss(options.databaseUrl, false);
    boss.catch(() => senders.delete(options.databaseUrl));
    senders.set(options.databaseUrl, boss);
  }
  await (await boss).send(TEST_RUN_QUEUE, ZJob.parse({ runId }), { singletonKey: runId });
}

export async function closeTestRunQueue(): Promise<void> {
  const senders = globalForQueue.__aiCallAgentTestRunSenders;
  if (!senders) return;
  const all = [...senders.values()];
  senders.clear();
  await Promise.all(all.map(async (b) => (await b.catch(() => null))?.stop({ graceful: false, timeout: 2000 })));
}

// Runs queued or running for longer than any job can live: their job is gone for good.
export async function failStuckRuns(db: Db, now = new Date()): Promise<number> {
  const rows = await db
    .update(agentTestRuns)
    .set({ status: "failed", error: "The run did not finish: the worker running it stopped. Start it again.", finishedAt: now })
    .where(and(sql`${agentTestRuns.status} in ('queued', 'running')`, lt(agentTestRuns.queuedAt, new Date(now.getTime() - STUCK_AFTER_MS))))
    .returning({ id: agentTestRuns.id });
  return rows.length;
}

type TLog = { warn(message: string, fields?: Record<string, unknown>): void };

export async function startTestRunWorker(options: {
  databaseUrl: string;
  db: Db;
  concurrency: number;
  runScenario: TScenarioRunner;
  log: TLog;
  pollingIntervalSeconds?: number;
}): Promise<{ stop(): Promise<void> }> {
  const { db } = options;
  const boss = await startBoss(options.databaseUrl, true);
  await boss.work(
    TEST_RUN_QUEUE,
    { batchSize: 1, localConcurrency: Math.max(1, options.concurrency), pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 },
    async ([job]) => {
      const parsed = ZJob.safeParse(job?.data);
      if (!parsed.success) return { skipped: "malformed job" };
      return { status: await executeTestRun(db, parsed.data.runId, options.runScenario) };
    },
  );
  const sweeper = startPeriodic({
    intervalMs: 10 * 60_000,
    run: () => failStuckRuns(db),
    onError: (error) => options.log.warn("stuck test run sweep failed", { error }),
  });
  return {
    stop: async () => {
      await sweeper.stop();
      await boss.stop({ graceful: true, timeout: 15_000 });
    },
  };
}

// Starting a run from the app or the API: record it, then queue it. A run that could not be queued says so at once.
export async function queueTestRun(db: Db, runId: string, teamId: string, options: { databaseUrl: string }): Promise<void> {
  try {
    await enqueueTestRun(runId, options);
  } catch (error) {
    await db
      .update(agentTestRuns)
      .set({ status: "failed", error: "The run could not be queued; try again.", finishedAt: new Date() })
      .where(and(eq(agentTestRuns.teamId, teamId), eq(agentTestRuns.id, runId)));
    throw error;
  }
}
