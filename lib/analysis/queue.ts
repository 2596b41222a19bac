import { PgBoss, type Job, type Queue } from "pg-boss";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { createDb, type Db } from "@/db/client";
import { analyzeCall, type TAnalyzeCallResult } from "./analyze-call";
import type { TGeminiAnalysisConfig } from "./gemini-analyzer";
import { log } from "@/lib/observability/log";
import { startPeriodic, type TPeriodic } from "@/lib/process/periodic";

// Post-call analysis as a durable pg-boss job in the same Postgres (schema PGBOSS_SCHEMA): a job sent before a crash
// or a deploy is still there when a worker starts again. One queued job per call at a time (stately policy, keyed by
// call id); a failure is retried with exponential backoff, then left failed with the call's analysis_status failed.

export const CALL_ANALYSIS_QUEUE = "call-analysis";

// pg-boss 12 cannot migrate the `pgboss` schema that pg-boss 10 created (its migrations start at schema version 25,
// pg-boss 11's), so it lives in a schema of its own. Nothing is lost on a database that still has the old one: the
// worker's sweep queues every ended call whose analysis is still pending. The old schema can then be dropped.
export const PGBOSS_SCHEMA = "pgboss_v12";

const QUEUE_OPTIONS: Omit<Queue, "name"> = {
  policy: "stately",
  retryLimit: 5,
  retryDelay: 15,
  retryBackoff: true,
  expireInSeconds: 10 * 60,
  // Waiting jobs are kept a week; the sweep re-queues anything older that is still pending.
  retentionSeconds: 7 * 24 * 60 * 60,
};

const ZJob = z.object({ teamId: z.uuid(), callId: z.uuid() });
export type TCallAnalysisJob = z.infer<typeof ZJob>;

async function startBoss(databaseUrl: string, options: { isWorker: boolean; poolMax?: number }): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: PGBOSS_SCHEMA,
    max: options.poolMax ?? 2,
    application_name: options.isWorker ? "analysis-worker" : "analysis-sender",
    // Maintenance (expiry, archiving) runs in the worker process only; a sender just inserts jobs.
    supervise: options.isWorker,
    schedule: false,
    registerInstance: options.isWorker,
    instanceName: options.isWorker ? "analysis-worker" : undefined,
  });
  boss.on("error", (error) => log.error("analysis queue error", { error }));
  await boss.start();
  // Several processes starting together on one database (two voice replicas, a worker) each create the queue:
  // pg-boss's DDL for it can deadlock against another's, or find it created meanwhile. Either is retried.
  for (let attempt = 1; ; attempt++) {
    try {
      await boss.createQueue(CALL_ANALYSIS_QUEUE, QUEUE_OPTIONS);
      break;
    } catch (error) {
      if (await boss.getQueue(CALL_ANALYSIS_QUEUE).catch(() => null)) break;
      const code = (error as { code?: unknown }).code;
      if (attempt >= 5 || (code !== "40P01" && code !== "23505" && code !== "42P07")) throw error;
      await new Promise((r) => setTimeout(r, 100 * attempt + Math.random() * 200));
    }
  }
  return boss;
}

// One sender per process and database, kept across Next.js hot reloads.
const globalForQueue = globalThis as unknown as { __aiCallAgentAnalysisSenders?: Map<string, Promise<PgBoss>> };

function sender(databaseUrl: string): Promise<PgBoss> {
  const senders = (globalForQueue.__aiCallAgentAnalysisSenders ??= new Map());
  let boss = senders.get(databaseUrl);
  if (!boss) {
    boss = startBoss(databaseUrl, { isWorker: false });
    boss.catch(() => senders.delete(databaseUrl));
    senders.set(databaseUrl, boss);
  }
  return boss;
}

// Queues analysis of a finished call. Returns the job id, or null when a job for this call is already waiting.
export async function enqueueCallAnalysis(job: TCallAnalysisJob, options: { databaseUrl: string }): Promise<string | null> {
  const data = ZJob.parse(job);
  const boss = await sender(options.databaseUrl);
  return boss.send(CALL_ANALYSIS_QUEUE, data, { singletonKey: data.callId });
}

// This process's pg-boss instance (the worker's own, once its analysis worker started), for other queues in the
// same schema: one pool and one maintainer rather than one per queue.
export function queueBoss(databaseUrl: string): Promise<PgBoss> {
  return sender(databaseUrl);
}

// Starts this process's sender ahead of the first call's end (pg-boss checks its schema on start).
export async function warmAnalysisQueue(databaseUrl: string): Promise<void> {
  await sender(databaseUrl);
}

export async function closeAnalysisQueue(): Promise<void> {
  const senders = globalForQueue.__aiCallAgentAnalysisSenders;
  if (!senders) return;
  const all = [...senders.values()];
  senders.clear();
  await Promise.all(all.map(async (b) => (await b.catch(() => null))?.stop({ graceful: false, timeout: 2000 })));
}

export type TAnalysisWorkerOptions = {
  databaseUrl: string;
  // The process's pool for the analyses' reads and writes; without it the worker opens one of its own.
  db?: Db;
  gemini?: TGeminiAnalysisConfig | null;
  // How many jobs this process analyzes at once (each mostly waits on the LLM). Each takes the next job as soon
  // as it is done, so a backlog drains at full speed; only an empty queue is polled.
  concurrency?: number;
  pollingIntervalSeconds?: number;
  // After a call's analysis is written (e.g. to send call.analyzed webhooks).
  onAnalyzed?: (job: TCallAnalysisJob, result: Extract<TAnalyzeCallResult, { status: "done" }>) => void | Promise<void>;
  // How often to queue ended calls still waiting for analysis (also done once at start); 0 turns the sweep off.
  sweepIntervalMs?: number;
};

export type TAnalysisWorker = { stop: () => Promise<void> };

export async function startAnalysisWorker(options: TAnalysisWorkerOptions): Promise<TAnalysisWorker> {
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const own = options.db ? null : createDb(options.databaseUrl, { max: Math.min(concurrency, 10) + 1 });
  const db = options.db ?? own!.db;
  // pg-boss's own pool: a fetch and a completion per job, each a few milliseconds, plus its maintenance.
  const boss = await startBoss(options.databaseUrl, { isWorker: true, poolMax: 4 });
  // This process's enqueues (crash recovery's calls) go through the worker's instance rather than a second pool.
  (globalForQueue.__aiCallAgentAnalysisSenders ??= new Map()).set(options.databaseUrl, Promise.resolve(boss));
  const workerIds: string[] = [];
  const handle = (slot: number) => async ([job]: Job<unknown>[]) => {
    if (!job) return;
    // pg-boss waits a whole polling interval after every fetch, even one that found work: a worker that found a
    // job fetches the next as soon as it is done instead (a backlog drains at once; only an empty queue is polled).
    const workerId = workerIds[slot];
    if (workerId) boss.notifyWorker(workerId);
    const parsed = ZJob.safeParse(job.data);
    // A malformed job can never succeed; retrying it would only delay the queue.
    if (!parsed.success) return { skipped: "malformed job" };
    const outcome = await analyzeCall(db, parsed.data, { gemini: options.gemini ?? null });
    if (outcome.status === "done" && options.onAnalyzed) await options.onAnalyzed(parsed.data, outcome);
    return { status: outcome.status };
  };
  const workOptions = { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 };
  for (let i = 0; i < concurrency; i++) {
    workerIds.push(await boss.work(CALL_ANALYSIS_QUEUE, workOptions, handle(i)));
  }
  let stopping: Promise<void> | null = null;
  // Safety net for calls whose enqueue never happened (finalized while no worker ran, crash recovery, a call that
  // ended at the webhook): ended calls still pending are queued, on start and then every sweep interval.
  const sweep = async (olderThanMs: number) => {
    const pending = await db.execute<{ team_id: string; id: string }>(sql`
      select team_id, id from calls
      where analysis_status = 'pending' and ended_at is not null
        and ended_at > now() - interval '3 days' and ended_at < now() - make_interval(secs => ${olderThanMs / 1000})
      order by ended_at desc limit 1000`);
    for (const row of pending as Iterable<{ team_id: string; id: string }>) {
      await boss.send(CALL_ANALYSIS_QUEUE, { teamId: row.team_id, callId: row.id }, { singletonKey: row.id });
    }
  };
  let sweeper: TPeriodic | null = null;
  if (options.sweepIntervalMs !== 0) {
    await sweep(0);
    sweeper = startPeriodic({
      intervalMs: options.sweepIntervalMs ?? 60_000,
      runAtStart: false,
      // A call that ended moments ago is normally queued by whoever finalized it.
      run: () => sweep(30_000),
      onError: (error) => log.error("analysis queue sweep failed", { error }),
    });
  }
  return {
    stop: () =>
      (stopping ??= (async () => {
        await sweeper?.stop();
        await boss.stop({ graceful: true, timeout: 15_000 });
        globalForQueue.__aiCallAgentAnalysisSenders?.delete(options.databaseUrl);
        await own?.sql.end({ timeout: 5 });
      })()),
  };
}
