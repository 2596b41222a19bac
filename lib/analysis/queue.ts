import PgBoss from "pg-boss";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { createDb } from "@/db/client";
import { analyzeCall, type TAnalyzeCallResult } from "./analyze-call";
import type { TGeminiAnalysisConfig } from "./gemini-analyzer";
import { log } from "@/lib/observability/log";

// Post-call analysis as a durable pg-boss job in the same Postgres (schema `pgboss`): a job sent before a crash or a
// deploy is still there when a worker starts again. One queued job per call at a time (stately policy, keyed by
// call id); a failure is retried with exponential backoff, then left failed with the call's analysis_status failed.

export const CALL_ANALYSIS_QUEUE = "call-analysis";

const QUEUE_OPTIONS: PgBoss.Queue = {
  name: CALL_ANALYSIS_QUEUE,
  policy: "stately",
  retryLimit: 5,
  retryDelay: 15,
  retryBackoff: true,
  expireInSeconds: 10 * 60,
  retentionMinutes: 7 * 24 * 60,
};

const ZJob = z.object({ teamId: z.uuid(), callId: z.uuid() });
export type TCallAnalysisJob = z.infer<typeof ZJob>;

async function startBoss(databaseUrl: string, options: { isWorker: boolean }): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    max: 2,
    application_name: options.isWorker ? "analysis-worker" : "analysis-sender",
    // Maintenance (expiry, archiving) runs in the worker process only; a sender just inserts jobs.
    supervise: options.isWorker,
    schedule: false,
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

let defaultDatabaseUrl: string | null = null;

// Queues analysis of a finished call. Returns the job id, or null when a job for this call is already waiting.
// Without a databaseUrl it uses the database of the worker this process started (the voice server's case).
export async function enqueueCallAnalysis(job: TCallAnalysisJob, options: { databaseUrl?: string } = {}): Promise<string | null> {
  const data = ZJob.parse(job);
  const databaseUrl = options.databaseUrl ?? defaultDatabaseUrl;
  if (!databaseUrl) throw new Error("enqueueCallAnalysis needs a databaseUrl (or a worker started in this process)");
  const boss = await sender(databaseUrl);
  return boss.send(CALL_ANALYSIS_QUEUE, data, { singletonKey: data.callId });
}

export async function closeAnalysisQueue(): Promise<void> {
  const senders = globalForQueue.__aiCallAgentAnalysisSenders;
  if (!senders) return;
  const all = [...senders.values()];
  senders.clear();
  await Promise.all(all.map(async (b) => (await b.catch(() => null))?.stop({ graceful: false, wait: true, timeout: 2000 })));
}

export type TAnalysisWorkerOptions = {
  databaseUrl: string;
  gemini?: TGeminiAnalysisConfig | null;
  // How many jobs this process analyzes at once (each mostly waits on the LLM).
  concurrency?: number;
  pollingIntervalSeconds?: number;
  // After a call's analysis is written (e.g. to send call.analyzed webhooks).
  onAnalyzed?: (job: TCallAnalysisJob, result: Extract<TAnalyzeCallResult, { status: "done" }>) => void | Promise<void>;
  // Whether the process is free for post-call work (the voice server: no live calls). When it is not, each worker
  // takes one job per polling interval.
  isIdle?: () => boolean;
  // How often to queue ended calls still waiting for analysis (also done once at start); 0 turns the sweep off.
  sweepIntervalMs?: number;
};

export type TAnalysisWorker = { stop: () => Promise<void> };

export async function startAnalysisWorker(options: TAnalysisWorkerOptions): Promise<TAnalysisWorker> {
  const { db, sql: connection } = createDb(options.databaseUrl, { max: 3 });
  const boss = await startBoss(options.databaseUrl, { isWorker: true });
  const workerIds: string[] = [];
  const handle = (slot: number) => async ([job]: PgBoss.Job<unknown>[]) => {
    if (!job) return;
    // pg-boss waits a whole polling interval after every fetch, even one that found work. While the process has
    // nothing more urgent, a worker that found a job fetches the next as soon as it is done (a backlog drains at
    // once; only an empty queue is polled). Otherwise it keeps the interval: post-call work yields to live calls.
    const workerId = workerIds[slot];
    if (workerId && (options.isIdle?.() ?? true)) boss.notifyWorker(workerId);
    const parsed = ZJob.safeParse(job.data);
    // A malformed job can never succeed; retrying it would only delay the queue.
    if (!parsed.success) return { skipped: "malformed job" };
    const outcome = await analyzeCall(db, parsed.data, { gemini: options.gemini ?? null });
    if (outcome.status === "done" && options.onAnalyzed) await options.onAnalyzed(parsed.data, outcome);
    return { status: outcome.status };
  };
  const workOptions = { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 };
  for (let i = 0; i < Math.max(1, options.concurrency ?? 4); i++) {
    workerIds.push(await boss.work(CALL_ANALYSIS_QUEUE, workOptions, handle(i)));
  }
  defaultDatabaseUrl = options.databaseUrl;
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
  let sweepTimer: NodeJS.Timeout | undefined;
  if (options.sweepIntervalMs !== 0) {
    await sweep(0);
    const every = options.sweepIntervalMs ?? 60_000;
    const loop = () => {
      sweepTimer = setTimeout(() => {
        // A call that ended moments ago is normally queued by whoever finalized it.
        sweep(30_000)
          .catch((error: unknown) => log.error("analysis queue sweep failed", { error }))
          .finally(() => {
            if (!stopping) loop();
          });
      }, every);
      sweepTimer.unref();
    };
    loop();
  }
  return {
    stop: () =>
      (stopping ??= (async () => {
        clearTimeout(sweepTimer);
        await boss.stop({ graceful: true, wait: true, timeout: 15_000 });
        await connection.end({ timeout: 5 });
      })()),
  };
}
