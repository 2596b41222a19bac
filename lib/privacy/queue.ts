import { PgBoss } from "pg-boss";
import { z } from "zod";
import type { Db } from "@/db/client";
import { PGBOSS_SCHEMA } from "@/lib/analysis/queue";
import { log } from "@/lib/observability/log";
import { startPeriodic } from "@/lib/process/periodic";
import { findRequestsToRetry, processPrivacyRequest, purgeExpiredExports, type TPrivacyDeps } from "./process-request";

// Large exports and erasures as durable pg-boss jobs (same schema as the analysis queue). A job carries only the
// request id: the caller's number stays sealed in the register row. The register row is the source of truth, so a
// lost job is re-sent by the worker's sweep (findRequestsToRetry), which also applies erasures that waited for a
// live call once it has ended.

export const PRIVACY_QUEUE = "privacy-requests";
const ZJob = z.object({ requestId: z.uuid() });

async function startBoss(databaseUrl: string, isWorker: boolean): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: PGBOSS_SCHEMA,
    max: isWorker ? 2 : 1,
    application_name: isWorker ? "privacy-worker" : "privacy-sender",
    supervise: false,
    schedule: false,
    registerInstance: false,
  });
  boss.on("error", (error) => log.error("privacy queue error", { error }));
  await boss.start();
  for (let attempt = 1; ; attempt++) {
    try {
      await boss.createQueue(PRIVACY_QUEUE, { policy: "stately", retryLimit: 3, retryDelay: 30, retryBackoff: true, expireInSeconds: 30 * 60 });
      break;
    } catch (error) {
      if (await boss.getQueue(PRIVACY_QUEUE).catch(() => null)) break;
      if (attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, 100 * attempt + Math.random() * 200));
    }
  }
  return boss;
}

const globalForQueue = globalThis as unknown as { __aiCallAgentPrivacySenders?: Map<string, Promise<PgBoss>> };

export async function enqueuePrivacyRequest(requestId: string, options: { databaseUrl: string }): Promise<void> {
  const senders = (globalForQueue.__aiCallAgentPrivacySenders ??= new Map());
  let boss = senders.get(options.databaseUrl);
  if (!boss) {
    boss = startBoss(options.databaseUrl, false);
    boss.catch(() => senders.delete(options.databaseUrl));
    senders.set(options.databaseUrl, boss);
  }
  await (await boss).send(PRIVACY_QUEUE, ZJob.parse({ requestId }), { singletonKey: requestId });
}

export async function closePrivacyQueue(): Promise<void> {
  const senders = globalForQueue.__aiCallAgentPrivacySenders;
  if (!senders) return;
  const all = [...senders.values()];
  senders.clear();
  await Promise.all(all.map(async (b) => (await b.catch(() => null))?.stop({ graceful: false, timeout: 2000 })));
}

type TLog = { warn(message: string, fields?: Record<string, unknown>): void };

export async function startPrivacyWorker(options: {
  databaseUrl: string;
  db: Db;
  deps: TPrivacyDeps;
  log: TLog;
  sweepIntervalMs?: number;
  pollingIntervalSeconds?: number;
}): Promise<{ stop(): Promise<void>; sweep(): Promise<void> }> {
  const { db, deps } = options;
  const boss = await startBoss(options.databaseUrl, true);
  await boss.work(PRIVACY_QUEUE, { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 }, async ([job]) => {
    const parsed = ZJob.safeParse(job?.data);
    if (!parsed.success) return { skipped: "malformed job" };
    const row = await processPrivacyRequest(db, deps, parsed.data.requestId);
    return { status: row?.status ?? "not claimed" };
  });
  const sweep = async () => {
    for (const id of await findRequestsToRetry(db)) await processPrivacyRequest(db, deps, id);
    await purgeExpiredExports(db, deps.stores);
  };
  const sweeper = startPeriodic({
    intervalMs: options.sweepIntervalMs ?? 10_000,
    run: sweep,
    onError: (error) => options.log.warn("privacy request sweep failed", { error }),
  });
  return {
    sweep: () => sweeper.runNow(),
    stop: async () => {
      await sweeper.stop();
      await boss.stop({ graceful: true, timeout: 15_000 });
    },
  };
}
