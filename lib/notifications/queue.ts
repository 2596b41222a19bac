import type { Job } from "pg-boss";
import { z } from "zod";
import type { Db } from "@/db/client";
import { queueBoss } from "@/lib/analysis/queue";
import { startPeriodic } from "@/lib/process/periodic";
import { queueDueDigests } from "./digest";
import { claimMessageOutbox, listStalePendingDeliveries } from "./outbox";
import { deliverNotification, RetryableDeliveryError, type TNotificationDeps } from "./send";

// Notification deliveries as durable pg-boss jobs in the worker: one job per delivery (singleton per delivery
// id), retried with exponential backoff; the delivery row carries the attempts, the last error and the outcome.

export const NOTIFICATION_QUEUE = "notification-delivery";
const ZJob = z.object({ deliveryId: z.uuid() });

type TLog = { info(m: string, f?: Record<string, unknown>): void; warn(m: string, f?: Record<string, unknown>): void };

export type TNotificationWorker = { stop(): Promise<void>; tick(): Promise<void> };

export async function startNotificationWorker(options: {
  databaseUrl: string;
  db: Db;
  deps: TNotificationDeps;
  log: TLog;
  // How often the outbox is read for messages whose call ended.
  outboxIntervalMs?: number;
  digestIntervalMs?: number;
  retryDelaySeconds?: number;
  pollingIntervalSeconds?: number;
}): Promise<TNotificationWorker> {
  const { db, log } = options;
  const boss = await queueBoss(options.databaseUrl);
  for (let attempt = 1; ; attempt++) {
    try {
      await boss.createQueue(NOTIFICATION_QUEUE, {
        policy: "stately",
        retryLimit: 5,
        retryDelay: options.retryDelaySeconds ?? 30,
        retryBackoff: true,
        expireInSeconds: 120,
        retentionSeconds: 7 * 24 * 3600,
      });
      break;
    } catch (error) {
      if (await boss.getQueue(NOTIFICATION_QUEUE).catch(() => null)) break;
      if (attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
  const send = async (ids: string[]) => {
    for (const deliveryId of ids) await boss.send(NOTIFICATION_QUEUE, { deliveryId }, { singletonKey: deliveryId });
  };
  const workerId = await boss.work(NOTIFICATION_QUEUE, { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 1 }, async ([job]: Job<unknown>[]) => {
    if (!job) return;
    const parsed = ZJob.safeParse(job.data);
    if (!parsed.success) return { skipped: "malformed job" };
    try {
      const result = await deliverNotification(db, parsed.data.deliveryId, options.deps);
      if (result === "failed") log.warn("notification failed for good", { deliveryId: parsed.data.deliveryId });
      return { result };
    } catch (error) {
      if (error instanceof RetryableDeliveryError) log.warn("notification will be retried", { deliveryId: parsed.data.deliveryId, error: error.message });
      throw error;
    }
  });

  let lastDigestAt = 0;
  let lastStaleAt = Date.now();
  const tick = async () => {
    for (;;) {
      const claimed = await claimMessageOutbox(db);
      await send(claimed.deliveryIds);
      if (claimed.messages < 50) break;
    }
    if (Date.now() - lastDigestAt >= (options.digestIntervalMs ?? 10 * 60_000)) {
      lastDigestAt = Date.now();
      await send(await queueDueDigests(db));
    }
    if (Date.now() - lastStaleAt >= 60_000) {
      lastStaleAt = Date.now();
      await send(await listStalePendingDeliveries(db, 10 * 60_000));
    }
  };
  const outbox = startPeriodic({
    intervalMs: options.outboxIntervalMs ?? 2_000,
    runAtStart: false,
    run: tick,
    onError: (error) => log.warn("notification outbox run failed", { error }),
  });
  let isStopped = false;
  return {
    tick: () => outbox.runNow(),
    stop: async () => {
      if (isStopped) return;
      isStopped = true;
      await outbox.stop();
      await boss.offWork(NOTIFICATION_QUEUE, { id: workerId }).catch(() => {});
    },
  };
}
