import { sql } from "drizzle-orm";
import { closeDb, getDb } from "@/db/client";
import { enqueueCallAnalysis, startAnalysisWorker } from "@/lib/analysis/queue";
import { markCallRollupDirty, startRollupFlusher } from "@/lib/analytics/rollup";
import { CALL_RECOVERY_SWEEP_MS } from "@/lib/calls/heartbeat";
import { recoverStaleCalls } from "@/lib/calls/recover-stale-calls";
import { startWebhookWorker } from "@/lib/webhooks/deliver";
import { emitCallEvent } from "@/lib/webhooks/emit-call-event";
import { EnvError } from "@/lib/config/parse-env";
import { loadVoiceEnv } from "./env";
import { startObservability } from "@/lib/observability/start";
import { createLogger } from "./observability/log";
import { createProviders } from "./providers/create-providers";
import { providerNames } from "./providers/registry";
import { warmUpEspeak } from "./providers/tts/espeak";
import { createVoiceServer } from "./server";

// `npm run voice`: the voice server on its own.

// Pending S3 uploads (recordings whose upload failed) are retried this often.
const RECORDING_UPLOAD_RETRY_MS = 60_000;

async function main(): Promise<void> {
  const log = createLogger({ service: "voice" });
  let env;
  try {
    env = loadVoiceEnv(process.env);
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const { tracing } = startObservability("voice", env.observability);
  const processStartedAt = new Date();
  const db = getDb(env.databaseUrl);
  try {
    await db.execute(sql`select 1`);
  } catch (error) {
    const where = (() => {
      try {
        const url = new URL(env.databaseUrl);
        return `${url.hostname}:${url.port || 5432}${url.pathname}`;
      } catch {
        return "DATABASE_URL";
      }
    })();
    const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    process.stderr.write(`voice server: cannot reach the database at ${where} (${reason}). Check DATABASE_URL, or run \`npm run dev\`, which starts one.\n`);
    process.exit(1);
  }
  // Calls whose process died: at start, and then every CALL_RECOVERY_SWEEP_MS for other instances' calls. A call
  // is stale once its heartbeat (refreshed by the process running it) is older than CALL_STALE_MS.
  const recoverStale = (startedBefore: Date) =>
    recoverStaleCalls(db, { recordingsDir: env.recordingsDir, log, startedBefore });
  const recovered = await recoverStale(processStartedAt);

  const providers = createProviders(env);
  // The offline TTS is the greeting voice when no cloud key is set and everyone's fallback otherwise.
  await warmUpEspeak().catch((error: unknown) => log.warn("espeak warm-up failed", { error }));
  // Dashboard rollups: calls that end or are analyzed mark their hour; this recomputes the marked buckets in
  // batches (a burst of calls ending costs one recompute per team-day, not one per call).
  const rollups = startRollupFlusher(db, { onError: (error) => log.warn("rollup flush failed", { error }) });
  // Post-call analysis runs in this process on a durable pg-boss queue; it also sweeps ended calls still pending.
  // It yields to live calls: with any call up, each worker takes one job per polling interval (four workers: two
  // analyses a second, what 200 calls of 100 s on average leave behind), and a backlog drains at once when idle.
  let liveCalls = () => 0;
  const analysis = await startAnalysisWorker({
    databaseUrl: env.databaseUrl,
    gemini: env.gemini ?? null,
    isIdle: () => liveCalls() === 0,
    onAnalyzed: async (job) => {
      // Analysis may have changed outcome, sentiment or topic: the dashboard rollups follow within a flush.
      await markCallRollupDirty(db, job.teamId, job.callId).catch((error: unknown) => log.warn("rollup mark failed", { error, callId: job.callId }));
      void emitCallEvent(db, job.teamId, job.callId, "call.analyzed").catch((error: unknown) => log.warn("call.analyzed webhook failed", { error }));
    },
  });
  // Outbound webhooks need the key that decrypts their signing secrets.
  const webhooks = env.secretKey ? startWebhookWorker({ databaseUrl: env.databaseUrl, secretKey: env.secretKey, allowPrivateAddresses: env.webhooksAllowPrivateUrls }) : null;
  if (!webhooks) log.warn("outbound webhooks disabled: set AUTH_SECRET or ENCRYPTION_KEY");
  // Every call that ends, however it ended (session, voicemail webhook, crash recovery): webhook, rollup, analysis.
  const onCallCompleted = async (call: { teamId: string; callId: string }) => {
    await emitCallEvent(db, call.teamId, call.callId, "call.completed").catch((error: unknown) =>
      log.warn("webhook emit failed", { error, event: "call.completed", callId: call.callId }),
    );
    await markCallRollupDirty(db, call.teamId, call.callId).catch((error: unknown) =>
      log.warn("rollup mark failed", { error, callId: call.callId }),
    );
    await enqueueCallAnalysis({ teamId: call.teamId, callId: call.callId }).catch((error: unknown) =>
      log.warn("analysis enqueue failed", { error, callId: call.callId }),
    );
  };
  for (const call of recovered) await onCallCompleted(call);
  let isSweeping = false;
  const recoveryTimer = setInterval(() => {
    // One sweep at a time: a slow database must not pile them up.
    if (isSweeping) return;
    isSweeping = true;
    recoverStale(new Date())
      .then(async (calls) => {
        for (const call of calls) await onCallCompleted(call);
      })
      .catch((error: unknown) => log.warn("stale call recovery failed", { error }))
      .finally(() => {
        isSweeping = false;
      });
  }, CALL_RECOVERY_SWEEP_MS);
  recoveryTimer.unref();
  const server = createVoiceServer({
    env,
    db,
    providers,
    log,
    onLifecycle: async (event) => {
      if (event.type === "call.completed") return onCallCompleted(event);
      await emitCallEvent(db, event.teamId, event.callId, event.type).catch((error: unknown) =>
        log.warn("webhook emit failed", { error, event: event.type, callId: event.callId }),
      );
    },
    onCallFinalized: onCallCompleted,
  });
  liveCalls = () => server.activeCalls;
  const { port } = await server.listen();
  const greetingsStartedAt = Date.now();
  void server
    .warmGreetings()
    .then((agents) => log.info("greetings synthesized", { agents, ms: Date.now() - greetingsStartedAt }))
    .catch((error: unknown) => log.warn("greeting warm-up failed", { error }));
  log.info("voice server listening", {
    port,
    publicUrl: env.publicUrl,
    providers: providerNames(providers),
    twilio: env.twilio.isSandbox ? `sandbox (${env.twilio.accountSid})` : "live",
    recordings: !env.recordingsDir ? "off" : env.s3 ? `s3 (${env.s3.bucket})` : "local",
  });
  // Recordings a previous run could not upload go first, then every RECORDING_UPLOAD_RETRY_MS.
  server.recordingUploads?.startSweeping(RECORDING_UPLOAD_RETRY_MS);

  let isStopping = false;
  const stop = (signal: string) => {
    if (isStopping) {
      log.warn("second signal: exiting now", { signal });
      process.exit(1);
    }
    isStopping = true;
    log.info("shutting down", { signal, activeCalls: server.activeCalls, graceMs: env.shutdownGraceMs });
    server
      .shutdown(env.shutdownGraceMs)
      .then(() => Promise.all([analysis.stop(), webhooks?.stop()]))
      .then(() => rollups.stop())
      .then(() => tracing.shutdown())
      .then(() => closeDb())
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        log.error("shutdown failed", { error });
        process.exit(1);
      });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  process.stderr.write(`voice server failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
