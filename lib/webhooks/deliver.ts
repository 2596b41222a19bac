import { eq, sql } from "drizzle-orm";
import { createDb, type Db } from "@/db/client";
import { webhookDeliveries } from "@/db/schema";
import { openSecret } from "@/lib/crypto/secret-box";
import { BlockedDestinationError, guardedPost, RequestTimeoutError, type TResolveHost } from "@/lib/net/guarded-post";
import { SIGNATURE_HEADER, signWebhook } from "./signature";
import { log } from "@/lib/observability/log";

// Sends due webhook deliveries. Several processes may run this at once: each claims a batch with
// FOR UPDATE SKIP LOCKED and pushes the claimed rows' next attempt past a lease, so no delivery is sent twice
// concurrently and a process that dies mid-send only delays its batch by the lease.
// Deliveries go only to public addresses (lib/net/guarded-post.ts); one to a private address fails at once,
// without retries, unless allowPrivateAddresses (WEBHOOKS_ALLOW_PRIVATE_URLS) is on.

export const RETRY_DELAYS_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000, 6 * 3600_000];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
const LEASE_MS = 2 * 60_000;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_BATCH = 20;

type TClaimed = {
  id: string;
  event: string;
  payload: Record<string, unknown>;
  attempts: number;
  url: string;
  secret_enc: string;
  is_active: boolean;
};

export type TDeliveryRun = { attempted: number; succeeded: number; retrying: number; failed: number };

export type TDeliveryNetwork = {
  // WEBHOOKS_ALLOW_PRIVATE_URLS. Off (the default): refuse loopback, private, link-local (cloud metadata) ... addresses.
  allowPrivateAddresses?: boolean;
  // DNS, injectable for tests.
  resolve?: TResolveHost;
};

type TAttempt = { isOk: boolean; isPermanent?: boolean; statusCode: number | null; error: string | null };

export async function runDueDeliveries(
  db: Db,
  options: { secretKey: Buffer; now?: Date; timeoutMs?: number; batchSize?: number } & TDeliveryNetwork,
): Promise<TDeliveryRun> {
  const now = options.now ?? new Date();
  const claimed = await db.execute<TClaimed>(sql`
    with due as (
      select id from webhook_deliveries
      where status = 'pending' and next_attempt_at <= ${now.toISOString()}
      order by next_attempt_at
      limit ${options.batchSize ?? DEFAULT_BATCH}
      for update skip locked
    )
    update webhook_deliveries d
    set next_attempt_at = ${new Date(now.getTime() + LEASE_MS).toISOString()}
    from due, webhook_endpoints e
    where d.id = due.id and e.id = d.endpoint_id and e.team_id = d.team_id
    returning d.id, d.event, d.payload, d.attempts, e.url, e.secret_enc, e.is_active`);

  const run: TDeliveryRun = { attempted: 0, succeeded: 0, retrying: 0, failed: 0 };
  await Promise.all(
    claimed.map(async (d) => {
      run.attempted++;
      const result: TAttempt = d.is_active
        ? await attempt(d, { ...options, now, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS })
        : { isOk: false, isPermanent: true, statusCode: null, error: "The endpoint is disabled." };
      const attempts = d.attempts + 1;
      if (result.isOk) {
        run.succeeded++;
        await db
          .update(webhookDeliveries)
          .set({ status: "succeeded", attempts, lastStatusCode: result.statusCode, lastError: null, deliveredAt: now, nextAttemptAt: null })
          .where(eq(webhookDeliveries.id, d.id));
        return;
      }
      const isFinal = attempts >= MAX_ATTEMPTS || !!result.isPermanent;
      if (isFinal) run.failed++;
      else run.retrying++;
      await db
        .update(webhookDeliveries)
        .set({
          status: isFinal ? "failed" : "pending",
          attempts,
          lastStatusCode: result.statusCode,
          lastError: result.error,
          nextAttemptAt: isFinal ? null : new Date(now.getTime() + RETRY_DELAYS_MS[attempts - 1]!),
        })
        .where(eq(webhookDeliveries.id, d.id));
    }),
  );
  return run;
}

async function attempt(d: TClaimed, o: { secretKey: Buffer; now: Date; timeoutMs: number } & TDeliveryNetwork): Promise<TAttempt> {
  const body = JSON.stringify(d.payload);
  let secret: string;
  try {
    secret = openSecret(d.secret_enc, o.secretKey);
  } catch {
    return { isOk: false, statusCode: null, error: "The signing secret could not be decrypted (was ENCRYPTION_KEY changed?)." };
  }
  try {
    const response = await guardedPost(d.url, {
      body,
      timeoutMs: o.timeoutMs,
      allowPrivateAddresses: o.allowPrivateAddresses,
      resolve: o.resolve,
      headers: {
        "Content-Type": "application/json",
        "User-Agent": "AICA-Webhooks/1",
        "X-AICA-Event": d.event,
        "X-AICA-Delivery": d.id,
        [SIGNATURE_HEADER]: signWebhook(secret, body, Math.floor(o.now.getTime() / 1000)),
      },
    });
    if (response.status >= 200 && response.status < 300) return { isOk: true, statusCode: response.status, error: null };
    if (response.status >= 300 && response.status < 400) {
      return { isOk: false, statusCode: response.status, error: `HTTP ${response.status}: redirects are not followed${response.headers.location ? ` (to ${response.headers.location.slice(0, 200)})` : ""}` };
    }
    const snippet = response.text.trim().slice(0, 200);
    return { isOk: false, statusCode: response.status, error: `HTTP ${response.status}${snippet ? `: ${snippet}` : ""}` };
  } catch (error) {
    if (error instanceof BlockedDestinationError) return { isOk: false, isPermanent: true, statusCode: null, error: error.message };
    if (error instanceof RequestTimeoutError) return { isOk: false, statusCode: null, error: error.message };
    return { isOk: false, statusCode: null, error: `Network error: ${describeCause(error)}` };
  }
}

function describeCause(error: unknown): string {
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } } | null;
  return e?.code ?? e?.cause?.code ?? e?.cause?.message ?? (error instanceof Error ? error.message : String(error));
}

// The delivery loop, for a long-running process (the worker starts one). Runs batches back to back while
// work is due, then sleeps intervalMs.
export function startWebhookWorker(
  options: {
    databaseUrl: string;
    // The process's pool; without it the loop opens one of its own (2 connections).
    db?: Db;
    intervalMs?: number;
    secretKey: Buffer; // lib/crypto/secret-box.ts secretKeyFrom(...)
  } & TDeliveryNetwork,
): { stop: () => Promise<void> } {
  const own = options.db ? null : createDb(options.databaseUrl, { max: 2 });
  const db = options.db ?? own!.db;
  const secretKey = options.secretKey;
  const intervalMs = options.intervalMs ?? 5_000;
  let timer: NodeJS.Timeout | undefined;
  let isStopped = false;
  let running: Promise<void> = Promise.resolve();

  const tick = async () => {
    try {
      for (;;) {
        const run = await runDueDeliveries(db, { secretKey, allowPrivateAddresses: options.allowPrivateAddresses, resolve: options.resolve });
        if (isStopped || run.attempted < DEFAULT_BATCH) break;
      }
    } catch (error) {
      log.error("webhook worker: run failed", { error });
    }
    if (!isStopped) timer = setTimeout(() => (running = tick()), intervalMs);
  };
  running = tick();

  return {
    stop: async () => {
      isStopped = true;
      clearTimeout(timer);
      await running;
      await own?.sql.end({ timeout: 5 });
    },
  };
}
