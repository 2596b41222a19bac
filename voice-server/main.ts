import { sql } from "drizzle-orm";
import { closeDb, getDb } from "@/db/client";
import { closeAnalysisQueue, warmAnalysisQueue } from "@/lib/analysis/queue";
import { onCallCompleted } from "@/lib/calls/call-completed";
import { emitCallEvent } from "@/lib/webhooks/emit-call-event";
import { EnvError } from "@/lib/config/parse-env";
import { onShutdownSignals } from "@/lib/process/shutdown-signals";
import { loadVoiceEnv } from "./env";
import { startObservability } from "@/lib/observability/start";
import { createLogger } from "./observability/log";
import { createProviders } from "./providers/create-providers";
import { providerNames } from "./providers/registry";
import { warmUpEspeak } from "./providers/tts/espeak";
import { createVoiceServer } from "./server";

// `npm run voice` (development, tsx) and `npm run start:voice` (compiled, dist/voice.mjs): live calls only.
// Everything after a call (analysis, rollups, webhook deliveries, upload retries, crash recovery) is the worker's
// (worker/main.ts); this process only records that a call ended (a few inserts) and uploads its recording once.

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
  const { tracing } = await startObservability("voice", env.observability);
  const db = getDb(env.databaseUrl, { max: env.databasePoolMax });
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
  const providers = createProviders(env, log);
  // The offline TTS is the greeting voice when no cloud key is set and everyone's fallback otherwise.
  await warmUpEspeak().catch((error: unknown) => log.warn("espeak warm-up failed", { error }));
  // Every call that ends, however it ended (session, voicemail webhook, status callback): webhook, rollup mark,
  // analysis job. The worker does the rest.
  const completed = (call: { teamId: string; callId: string }) => onCallCompleted(db, call, { databaseUrl: env.databaseUrl, log });
  await warmAnalysisQueue(env.databaseUrl).catch((error: unknown) => log.warn("analysis queue warm-up failed", { error }));
  const server = createVoiceServer({
    env,
    db,
    providers,
    log,
    onLifecycle: async (event) => {
      if (event.type === "call.completed") return completed(event);
      await emitCallEvent(db, event.teamId, event.callId, event.type).catch((error: unknown) =>
        log.warn("webhook emit failed", { error, event: event.type, callId: event.callId }),
      );
    },
    onCallFinalized: completed,
  });
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

  onShutdownSignals(log, async (signal) => {
    log.info("shutting down", { signal, activeCalls: server.activeCalls, graceMs: env.shutdownGraceMs });
    await server.shutdown(env.shutdownGraceMs);
    await closeAnalysisQueue();
    await tracing.shutdown();
    await closeDb();
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`voice server failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
