import { createDb } from "@/db/client";
import { encryptExistingFields } from "@/lib/crypto/encrypt-existing-fields";
import { configureFieldEncryption } from "@/lib/crypto/team-fields";
import { closeAnalysisQueue, startAnalysisWorker } from "@/lib/analysis/queue";
import { markCallRollupDirty, startRollupFlusher } from "@/lib/analytics/rollup";
import { onCallCompleted } from "@/lib/calls/call-completed";
import { syncCallerForCall } from "@/lib/callers/sync-caller";
import { recoverStaleCalls } from "@/lib/calls/recover-stale-calls";
import { createRecordingStores } from "@/lib/recordings/create-stores";
import { createRecordingSealer } from "@/lib/recordings/seal-recording";
import { createRecordingUploader } from "@/lib/recordings/upload-recordings";
import { startRetentionSchedule, type TRetentionSchedule } from "@/lib/retention/schedule";
import { createTwilioRecordingDeleter } from "@/lib/retention/twilio-recordings";
import { startPrivacyWorker } from "@/lib/privacy/queue";
import { createTwilioRecordingEraser } from "@/lib/privacy/twilio-recordings";
import { startNotificationWorker } from "@/lib/notifications/queue";
import { startWebhookWorker } from "@/lib/webhooks/deliver";
import { closeTestRunQueue, startTestRunWorker } from "@/lib/evals/queue";
import { createGeminiJudge } from "@/lib/evals/judge";
import { createEvalServices, runScenario } from "@/voice-server/evals/run-scenario";
import { createVoiceEvalServices, runVoiceScenario } from "@/voice-server/evals/run-voice-scenario";
import { createGeminiLlm } from "@/voice-server/providers/llm/gemini";
import { createOfflineLlm } from "@/voice-server/providers/llm/offline";
import { createPocketsphinxStt } from "@/voice-server/providers/stt/pocketsphinx";
import { createEspeakTts } from "@/voice-server/providers/tts/espeak";
import { emitCallEvent } from "@/lib/webhooks/emit-call-event";
import { createLogger } from "@/lib/observability/log";
import { startPeriodic } from "@/lib/process/periodic";
import type { TWorkerEnv } from "./env";

// Everything that is not a live call: post-call analysis, dashboard rollups, outbound webhook deliveries,
// recording upload retries and crash recovery. Any number of workers may run on one database: pg-boss hands each
// job to one of them, the rollup flush locks per team-day, deliveries and recovery claim rows with SKIP LOCKED.

type TLog = {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
};

export type TWorker = { retention: TRetentionSchedule; stop(): Promise<void> };

export async function startWorker(env: TWorkerEnv, options: { log: TLog; pollingIntervalSeconds?: number }): Promise<TWorker> {
  const { log } = options;
  // Captured fields and messages are sealed under the team's data key (lib/crypto/team-fields.ts).
  configureFieldEncryption(env.masterKeys);
  const { db, sql: connection } = createDb(env.databaseUrl, { max: env.databasePoolMax });
  const completed = (call: { teamId: string; callId: string }) => onCallCompleted(db, call, { databaseUrl: env.databaseUrl, log });

  // Crash recovery first, so the calls it closes are analyzed, rolled up and announced like any other.
  const recover = async () => {
    for (const call of await recoverStaleCalls(db, { recordingsDir: env.recordingsDir, log })) await completed(call);
  };
  await recover().catch((error: unknown) => log.warn("stale call recovery failed", { error }));
  const recovery = startPeriodic({
    intervalMs: env.staleCallSweepMs,
    runAtStart: false,
    run: recover,
    onError: (error) => log.warn("stale call recovery failed", { error }),
  });

  // Dashboard rollups: calls that end or are analyzed mark their hour; this recomputes the marked buckets.
  const rollups = startRollupFlusher(db, { onError: (error) => log.warn("rollup flush failed", { error }) });
  const analysis = await startAnalysisWorker({
    databaseUrl: env.databaseUrl,
    db,
    gemini: env.gemini,
    concurrency: env.analysisConcurrency,
    pollingIntervalSeconds: options.pollingIntervalSeconds,
    onAnalyzed: async (job) => {
      // Analysis may have changed outcome, sentiment or topic: the dashboard rollups follow within a flush.
      await markCallRollupDirty(db, job.teamId, job.callId).catch((error: unknown) => log.warn("rollup mark failed", { error, callId: job.callId }));
      // A name the analysis captured names the caller's entry (unless a message or a member already did).
      await syncCallerForCall(db, job).catch((error: unknown) => log.warn("caller entry not updated", { error, callId: job.callId }));
      await emitCallEvent(db, job.teamId, job.callId, "call.analyzed").catch((error: unknown) => log.warn("call.analyzed webhook failed", { error }));
    },
  });
  // New-message notifications: the outbox of messages whose call ended, then one durable job per email or SMS.
  const notifications = await startNotificationWorker({
    databaseUrl: env.databaseUrl,
    db,
    log,
    deps: {
      smtp: env.smtp,
      appUrl: env.appUrl,
      twilio: { platform: env.twilio.platform ?? undefined, secretKey: env.secretKey ?? undefined, apiBaseUrl: env.twilio.apiBaseUrl },
    },
  });
  if (!env.smtp) log.warn("notification emails disabled: set SMTP_URL (deliveries are recorded as skipped)");
  // Outbound webhooks need the key that decrypts their signing secrets.
  const webhooks = env.secretKey
    ? startWebhookWorker({ databaseUrl: env.databaseUrl, db, secretKey: env.secretKey, allowPrivateAddresses: env.webhooksAllowPrivateUrls })
    : null;
  if (!webhooks) log.warn("outbound webhooks disabled: set ENCRYPTION_KEY (or AUTH_SECRET in development)");
  // Recordings whose upload after the call failed (S3 down, a voice server that stopped first) are moved from the
  // shared spool to the bucket here.
  // Recordings not yet encrypted (a voice server that died before sealing, a failed seal, recordings from before
  // encryption) are sealed here; with S3 the uploader seals each one before it uploads it.
  const stores = createRecordingStores({ recordingsDir: env.recordingsDir, s3: env.recordingsDir ? env.s3 : null });
  const sealer = stores.local && env.masterKeys ? createRecordingSealer({ db, local: stores.local, masterKeys: env.masterKeys, log }) : null;
  const uploads = stores.local && stores.s3 ? createRecordingUploader({ db, local: stores.local, s3: stores.s3, seal: sealer?.seal ?? null, log }) : null;
  if (uploads) uploads.startSweeping(env.uploadRetryMs);
  else sealer?.startSweeping(env.uploadRetryMs);
  // Retention: every hour, what each team's policy says has expired is removed (lib/retention/).
  const retention = await startRetentionSchedule({
    databaseUrl: env.databaseUrl,
    db,
    log,
    pollingIntervalSeconds: options.pollingIntervalSeconds,
    deps: {
      stores: createRecordingStores({ recordingsDir: env.recordingsStoreDir, s3: env.s3 }),
      twilio:
        env.twilio.platform || env.secretKey
          ? createTwilioRecordingDeleter(db, { platform: env.twilio.platform ?? undefined, secretKey: env.secretKey ?? undefined, apiBaseUrl: env.twilio.apiBaseUrl })
          : null,
    },
  });

  // Caller data requests (exports too large for a web request, erasures waiting for a live call to end) need the
  // key that unseals the caller's number in the register.
  const privacy = env.secretKey
    ? await startPrivacyWorker({
        databaseUrl: env.databaseUrl,
        db,
        log,
        pollingIntervalSeconds: options.pollingIntervalSeconds,
        deps: {
          stores: createRecordingStores({ recordingsDir: env.recordingsStoreDir, s3: env.s3 }),
          s3Prefix: env.s3?.prefix ?? "",
          secretKey: env.secretKey,
          twilio: createTwilioRecordingEraser(db, {
            platform: env.twilio.platform ?? undefined,
            secretKey: env.secretKey,
            apiBaseUrl: env.twilio.apiBaseUrl,
          }),
        },
      })
    : null;
  if (!privacy) log.warn("caller data requests disabled in the worker: set ENCRYPTION_KEY (or AUTH_SECRET in development)");

  // Agent test suites (text mode): each scenario is a CallSession in this process, with the LLM the voice server
  // uses (Gemini with a key, the offline engine otherwise). Speech is synthesized offline and thrown away: text
  // mode checks what the agent says and does, not how it sounds.
  // Voice mode: the caller's lines are synthesized here (offline eSpeak) and
  // streamed to the voice server at VOICE_INTERNAL_URL, which runs the call with its own speech-to-text.
  // Judge instructions: Gemini with a key, the deterministic rules otherwise.
  const offline = { stt: createPocketsphinxStt(), llm: createOfflineLlm(), tts: createEspeakTts() };
  const judge = env.gemini ? createGeminiJudge(env.gemini) : null;
  const evalServices = createEvalServices({
    db,
    providers: { stt: offline.stt, llm: env.gemini ? createGeminiLlm(env.gemini) : offline.llm, tts: offline.tts, offline },
    log: createLogger({ component: "test-suites" }),
    judge,
  });
  const voiceEvalServices = env.secretKey
    ? createVoiceEvalServices({ db, voiceUrl: env.voiceInternalUrl, secretKey: env.secretKey, tts: offline.tts, judge })
    : null;
  const testRuns = await startTestRunWorker({
    databaseUrl: env.databaseUrl,
    db,
    concurrency: env.evalConcurrency,
    log,
    pollingIntervalSeconds: options.pollingIntervalSeconds,
    runScenario: (input) => {
      if (input.mode === "text") return runScenario(evalServices, { ...input, timeoutMs: env.evalScenarioTimeoutMs });
      if (!voiceEvalServices) throw new Error("voice mode needs ENCRYPTION_KEY (or AUTH_SECRET in development) on the worker and the voice server");
      return runVoiceScenario(voiceEvalServices, { ...input, timeoutMs: env.evalScenarioTimeoutMs });
    },
  });

  // Messages and captured fields stored as plain text before field encryption are sealed once, in the background.
  let isStoppingFields = false;
  const sealingFields = env.masterKeys
    ? encryptExistingFields(db, env.masterKeys, { shouldStop: () => isStoppingFields })
        .then((sealed) => {
          if (sealed.messages + sealed.calls > 0) log.info("sealed fields stored before encryption", sealed);
        })
        .catch((error: unknown) => log.warn("sealing fields stored before encryption failed; retried at the next start", { error }))
    : Promise.resolve();

  log.info("worker started", {
    analysisConcurrency: env.analysisConcurrency,
    evalConcurrency: env.evalConcurrency,
    analyzer: env.gemini ? "gemini" : "local",
    webhooks: !!webhooks,
    recordings: !env.recordingsDir ? "off" : env.s3 ? `s3 (${env.s3.bucket})` : "local",
  });

  let stopping: Promise<void> | null = null;
  return {
    retention,
    stop: () =>
      (stopping ??= (async () => {
        const recoveryStopped = recovery.stop();
        isStoppingFields = true;
        await sealingFields;
        await recoveryStopped;
        await notifications.stop();
        await Promise.all([analysis.stop(), webhooks?.stop(), uploads?.stop(), sealer?.stop(), retention.stop(), privacy?.stop(), testRuns.stop()]);
        evalServices.close();
        await closeTestRunQueue();
        await rollups.stop();
        await closeAnalysisQueue();
        await connection.end({ timeout: 5 });
      })()),
  };
}
