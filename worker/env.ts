import { z } from "zod";
import { zBool, zUrl } from "@/lib/config/parse-env";
import { parseProcessEnv } from "@/lib/config/production-env";
import { observabilityConfigFromEnv, OBSERVABILITY_ENV_FIELDS, refineObservability, type TObservabilityConfig } from "@/lib/config/observability-env";
import { refineS3, SHARED_ENV_FIELDS } from "@/lib/config/shared-env";
import { CALL_RECOVERY_SWEEP_MS } from "@/lib/calls/heartbeat";
import { masterKeyRingFromEnv, type TMasterKeyRing } from "@/lib/crypto/master-keys";
import { secretKeyFrom } from "@/lib/crypto/secret-box";
import { s3ConfigFromEnv, type TS3Config } from "@/lib/recordings/config";
import type { TTwilioCredentials } from "@/lib/twilio/client";
import { SANDBOX_TWILIO } from "@/lib/twilio/sandbox";

// The worker's configuration. Nothing else under worker/ reads process.env.

const zMs = (fallback: number, min = 1_000, max = 3_600_000) => z.coerce.number().int().min(min).max(max).default(fallback);

export const ZWorkerEnv = z
  .object({
    ...SHARED_ENV_FIELDS,
    ...OBSERVABILITY_ENV_FIELDS,
    DATABASE_URL: zUrl,
    // Connections for the worker's queries (analyses, rollups, deliveries, recovery, uploads); pg-boss holds 4 more.
    // Analyses hold a connection only for their reads and writes, not while the LLM thinks.
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
    // Analyses run at once by this process; each mostly waits on the LLM. Add workers for more.
    WORKER_ANALYSIS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
    // How often calls whose voice server stopped (no heartbeat) are looked for.
    WORKER_STALE_CALL_SWEEP_MS: zMs(CALL_RECOVERY_SWEEP_MS),
    // How often recordings whose upload to S3 failed are tried again.
    WORKER_UPLOAD_RETRY_MS: zMs(60_000),
    // The voice servers' recordings spool: the worker repairs crashed calls' files and uploads them from it, so
    // on several hosts it must be the same volume.
    RECORDINGS_ENABLED: zBool.default(true),
    // New-message emails and digests (lib/notifications/); the same variables as the web app's invitations.
    SMTP_URL: z.url({ protocol: /^smtps?$/, error: "must be an smtp:// or smtps:// URL" }).optional(),
    SMTP_FROM: z.string().default("AI Call Agent <no-reply@localhost>"),
    // Links in notification emails point here.
    APP_URL: zUrl.default("http://localhost:3000"),
    // Agent test suite runs at once by this process (each runs its scenarios one after another through a CallSession).
    WORKER_EVAL_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
    // A test scenario that has not finished in this time fails with a reason instead of holding up its run.
    WORKER_EVAL_SCENARIO_TIMEOUT_MS: zMs(90_000, 5_000, 600_000),
    // Where voice-mode test scenarios reach the voice server (a private address in production); VOICE_PUBLIC_URL
    // when unset. The voice server must hold the same ENCRYPTION_KEY (or AUTH_SECRET) to accept them.
    VOICE_INTERNAL_URL: zUrl.optional(),
  })
  .superRefine((env, ctx) => {
    refineS3(env, ctx);
    refineObservability(env, ctx);
  });

export type TWorkerEnv = {
  nodeEnv: "development" | "test" | "production";
  databaseUrl: string;
  databasePoolMax: number;
  analysisConcurrency: number;
  staleCallSweepMs: number;
  uploadRetryMs: number;
  evalConcurrency: number;
  evalScenarioTimeoutMs: number;
  // Voice-mode test scenarios call the voice server here.
  voiceInternalUrl: string;
  gemini: { apiKey: string; baseUrl?: string; model: string } | null;
  // Decrypts webhook signing secrets; null (development without secrets): outbound webhooks are off.
  secretKey: Buffer | null;
  // Wraps the teams' recording keys; null only in development without ENCRYPTION_KEY or AUTH_SECRET.
  masterKeys: TMasterKeyRing | null;
  webhooksAllowPrivateUrls: boolean;
  recordingsDir: string | null;
  // RECORDINGS_DIR even with recording off: recordings made before still expire and are removed from it.
  recordingsStoreDir: string;
  s3: TS3Config | null;
  // Twilio REST access through the platform account (parent of the teams' subaccounts; the local sandbox account
  // when TWILIO_API_BASE_URL points at the fake in development): the retention purge and caller data erasure delete
  // the voicemails Twilio keeps, and members' text-message notifications are sent from their team's numbers.
  // Null: no Twilio at all.
  twilio: { platform: TTwilioCredentials | null; apiBaseUrl?: string };
  observability: TObservabilityConfig;
  smtp: { url: string; from: string } | null;
  appUrl: string;
};

// Pure: reads only `source`, so tests can build any configuration.
export function loadWorkerEnv(source: Record<string, string | undefined>): TWorkerEnv {
  const e = parseProcessEnv(ZWorkerEnv, source, "worker");
  const hasSecret = !!(e.ENCRYPTION_KEY || e.AUTH_SECRET);
  return {
    nodeEnv: e.NODE_ENV,
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    analysisConcurrency: e.WORKER_ANALYSIS_CONCURRENCY,
    staleCallSweepMs: e.WORKER_STALE_CALL_SWEEP_MS,
    uploadRetryMs: e.WORKER_UPLOAD_RETRY_MS,
    evalConcurrency: e.WORKER_EVAL_CONCURRENCY,
    evalScenarioTimeoutMs: e.WORKER_EVAL_SCENARIO_TIMEOUT_MS,
    voiceInternalUrl: (e.VOICE_INTERNAL_URL ?? e.VOICE_PUBLIC_URL).replace(/\/+$/, ""),
    gemini: e.GEMINI_API_KEY ? { apiKey: e.GEMINI_API_KEY, baseUrl: e.GEMINI_BASE_URL, model: e.GEMINI_MODEL } : null,
    secretKey: hasSecret ? secretKeyFrom({ encryptionKey: e.ENCRYPTION_KEY, authSecret: e.AUTH_SECRET, nodeEnv: e.NODE_ENV, previousKeys: e.ENCRYPTION_KEY_PREVIOUS }) : null,
    webhooksAllowPrivateUrls: e.WEBHOOKS_ALLOW_PRIVATE_URLS,
    masterKeys: masterKeyRingFromEnv(e),
    recordingsDir: e.RECORDINGS_ENABLED ? e.RECORDINGS_DIR : null,
    recordingsStoreDir: e.RECORDINGS_DIR,
    s3: s3ConfigFromEnv(e),
    twilio: {
      platform:
        e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN
          ? { accountSid: e.TWILIO_ACCOUNT_SID, authToken: e.TWILIO_AUTH_TOKEN }
          : // Without credentials the sandbox account only works against a local fake; real Twilio would refuse it.
            e.TWILIO_API_BASE_URL && e.NODE_ENV !== "production"
            ? { ...SANDBOX_TWILIO }
            : null,
      apiBaseUrl: e.TWILIO_API_BASE_URL,
    },
    observability: observabilityConfigFromEnv(e, "worker"),
    smtp: e.SMTP_URL ? { url: e.SMTP_URL, from: e.SMTP_FROM } : null,
    appUrl: e.APP_URL,
  };
}
