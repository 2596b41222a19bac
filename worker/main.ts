import { and, count, eq, isNotNull, sql } from "drizzle-orm";
import { createDb } from "@/db/client";
import { calls } from "@/db/schema";
import { EnvError } from "@/lib/config/parse-env";
import { onShutdownSignals } from "@/lib/process/shutdown-signals";
import { createLogger } from "@/lib/observability/log";
import { startMetricsServer } from "@/lib/observability/metrics-server";
import { startObservability } from "@/lib/observability/start";
import { createWorkerMetrics } from "@/lib/observability/worker-metrics";
import { loadWorkerEnv } from "./env";
import { startWorker } from "./worker";

// `npm run worker` (development) and `npm run start:worker` (compiled, dist/worker.mjs): the background process.

async function main(): Promise<void> {
  const log = createLogger({ service: "worker" });
  let env;
  try {
    env = loadWorkerEnv(process.env);
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`worker: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const probe = createDb(env.databaseUrl, { max: 1 });
  try {
    await probe.db.execute(sql`select 1`);
  } catch (error) {
    const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    process.stderr.write(`worker: cannot reach the database (${reason}). Check DATABASE_URL, or run \`npm run dev\`, which starts one.\n`);
    process.exit(1);
  } finally {
    await probe.sql.end({ timeout: 1 });
  }
  const { tracing } = await startObservability("worker", env.observability);
  const worker = await startWorker(env, { log });
  // Its only listener, when METRICS_PORT is set: /metrics (bearer METRICS_TOKEN) and /healthz for orchestrators.
  const metrics = createWorkerMetrics();
  const probeDb = createDb(env.databaseUrl, { max: 1 });
  metrics.analysesPending.collect(async () => {
    const [row] = await probeDb.db
      .select({ n: count() })
      .from(calls)
      .where(and(eq(calls.analysisStatus, "pending"), isNotNull(calls.endedAt)));
    return row?.n ?? 0;
  });
  const { port: metricsPort, ...metricsAccess } = env.observability.metrics;
  const metricsServer = metricsPort
    ? await startMetricsServer({
        ...metricsAccess,
        port: metricsPort,
        registry: metrics.registry.registry,
        health: async () => {
          await probeDb.db.execute(sql`select 1`);
          return { ok: true };
        },
      })
    : null;

  onShutdownSignals(log, async (signal) => {
    log.info("shutting down", { signal });
    await worker.stop();
    await metricsServer?.close();
    await probeDb.sql.end({ timeout: 1 });
    await tracing.shutdown();
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`worker failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
