import { z } from "zod";
import { observabilityConfigFromEnv, OBSERVABILITY_ENV_FIELDS, refineObservability, type TObservabilityConfig } from "@/lib/config/observability-env";
import { zUrl } from "@/lib/config/parse-env";
import { parseProcessEnv } from "@/lib/config/production-env";
import { localVoiceUrl, refineS3, refineTwilioPair, SHARED_ENV_FIELDS } from "@/lib/config/shared-env";
import { masterKeyRingFromEnv, type TMasterKeyRing } from "@/lib/crypto/master-keys";
import { secretKeyFrom } from "@/lib/crypto/secret-box";
import { s3ConfigFromEnv, type TS3Config } from "@/lib/recordings/config";
import type { TAdmissionLimits } from "./admission/headroom-policy";

// The voice server's configuration. Nothing else under voice-server/ reads process.env.

// With no Twilio credentials the server runs as a local sandbox: the simulator and the browser test call sign
// with this fixed account. Never in production.
export const SANDBOX_ACCOUNT_SID = "AC00000000000000000000000000000000";
export const SANDBOX_AUTH_TOKEN = "local-dev-auth-token";

// Admission limits in production unless set. Development and tests run speech in-process (espeak, pocketsphinx)
// and test code on the server's event loop, which would trip them for reasons no caller would notice; there they are
// off unless set. The bench (npm run bench:voice) passes these to the server for its step beyond capacity.
export const ADMISSION_DEFAULTS = { VOICE_ADMISSION_MAX_LOOP_DELAY_MS: 25, VOICE_ADMISSION_MAX_CPU: 0.75 } as const;

const zMs = (fallback: number, max = 600_000) => z.coerce.number().int().min(0).max(max).default(fallback);

export const ZVoiceEnv = z
  .object({
    ...SHARED_ENV_FIELDS,
    ...OBSERVABILITY_ENV_FIELDS,
    VOICE_PORT: z.coerce.number().int().min(0).max(65535).default(3001),
    VOICE_HOST: z.string().default("0.0.0.0"),
    DATABASE_URL: zUrl,
    // Connections this process may hold (its own queries; the pg-boss sender that queues analyses holds 1 more).
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
    DEEPGRAM_API_KEY: z.string().min(1).optional(),
    DEEPGRAM_BASE_URL: zUrl.optional(),
    DEEPGRAM_MODEL: z.string().default("nova-3"),
    RECORDINGS_ENABLED: z.enum(["true", "false", "1", "0"]).default("true").transform((v) => v === "true" || v === "1"),
    SHUTDOWN_GRACE_MS: zMs(30_000, 3_600_000),
    STT_FINAL_TIMEOUT_MS: zMs(2_500),
    // The offline recognizer decodes on this machine's CPU: a long turn on a loaded machine needs longer than a
    // cloud engine's answer, and a final dropped for time is a caller turn lost.
    OFFLINE_STT_FINAL_TIMEOUT_MS: zMs(6_000),
    // The offline speech-to-text (no Deepgram key, and every call's fallback). pocketsphinx by default: on the quality
    // set's phone audio it measures better than Moonshine tiny (bench/results/quality-stt.md). "moonshine" needs
    // its model (npm run stt:moonshine-model) and falls back to pocketsphinx, saying why, when it is missing.
    OFFLINE_STT: z.enum(["moonshine", "pocketsphinx"]).default("pocketsphinx"),
    // Where the Moonshine model files are; unset, where npm run stt:moonshine-model puts them (node_modules/.cache/ai-call-agent).
    MOONSHINE_MODEL_DIR: z.string().min(1).optional(),
    LLM_FIRST_TOKEN_TIMEOUT_MS: zMs(8_000),
    TTS_FIRST_BYTE_TIMEOUT_MS: zMs(4_000),
    PACER_LEAD_MS: z.coerce.number().int().min(20).max(1_000).default(200),
    PACER_BATCH_MS: z.coerce.number().int().min(20).max(1_000).default(60),
    PACER_TICK_MS: z.coerce.number().int().min(1).max(20).default(10),
    // Admission control (voice-server/admission): 0 turns a limit off; unset, ADMISSION_DEFAULTS in production.
    VOICE_ADMISSION_MAX_LOOP_DELAY_MS: z.coerce.number().min(0).max(10_000).optional(),
    VOICE_ADMISSION_MAX_CPU: z.coerce.number().min(0).max(64).optional(),
    VOICE_MAX_CALLS: z.coerce.number().int().min(0).max(100_000).default(0),
    VOICE_ADMISSION_WINDOW_MS: z.coerce.number().int().min(500).max(60_000).default(5_000),
    VOICE_ADMISSION_REFUSE_WITH: z.enum(["busy", "unavailable"]).default("busy"),
  })
  .superRefine((env, ctx) => {
    refineTwilioPair(env, ctx);
    refineS3(env, ctx);
    refineObservability(env, ctx);
    // Production requirements (no sandbox account, https URLs, the secrets) are checked for every process by
    // lib/config/production-env.ts.
  });

export type TVoiceEnv = {
  nodeEnv: "development" | "test" | "production";
  port: number;
  host: string;
  publicUrl: string; // no trailing slash
  wsPublicUrl: string; // ws(s):// form of publicUrl
  databaseUrl: string;
  databasePoolMax: number;
  twilio: { accountSid: string; authToken: string; isSandbox: boolean; apiBaseUrl?: string };
  deepgram?: { apiKey: string; baseUrl?: string; model: string };
  gemini?: { apiKey: string; baseUrl?: string; model: string };
  smallest?: { apiKey: string; baseUrl?: string; model: string };
  secretKey?: Buffer;
  // Wraps the teams' recording keys; null only in development without ENCRYPTION_KEY or AUTH_SECRET.
  masterKeys: TMasterKeyRing | null;
  // The recordings directory; a spool for uploads when `s3` is set. null: recording is off.
  recordingsDir: string | null;
  s3: TS3Config | null;
  webhooksAllowPrivateUrls: boolean;
  shutdownGraceMs: number;
  // sttFinalMs: a cloud STT engine's final; offlineSttFinalMs: the offline recognizer's (primary or fallback).
  timeouts: { sttFinalMs: number; offlineSttFinalMs: number; llmFirstTokenMs: number; ttsFirstByteMs: number };
  pacer: { leadMs: number; batchMs: number; tickMs: number };
  offlineStt: { engine: "moonshine" | "pocketsphinx"; modelDir?: string };
  observability: TObservabilityConfig;
  // "busy": a refused call hears "all lines busy" and may leave a voicemail; "unavailable": the webhook answers
  // 503, so Twilio goes to the number's fallback URL (another instance behind the load balancer).
  admission: { limits: TAdmissionLimits; refuseWith: "busy" | "unavailable" };
};

// Pure: reads only `source`, so tests can build any configuration.
export function loadVoiceEnv(source: Record<string, string | undefined>): TVoiceEnv {
  const e = parseProcessEnv(ZVoiceEnv, source, "voice server");
  // Unset: this server on this machine, whatever its port.
  const publicUrl = (source.VOICE_PUBLIC_URL ? e.VOICE_PUBLIC_URL : localVoiceUrl(e.VOICE_PORT)).replace(/\/+$/, "");
  const wsPublicUrl = publicUrl.replace(/^http(s?):\/\//, "ws$1://");
  const hasSecret = !!(e.ENCRYPTION_KEY || e.AUTH_SECRET);
  const isProduction = e.NODE_ENV === "production";
  return {
    nodeEnv: e.NODE_ENV,
    port: e.VOICE_PORT,
    host: e.VOICE_HOST,
    publicUrl,
    wsPublicUrl,
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    twilio: {
      accountSid: e.TWILIO_ACCOUNT_SID ?? SANDBOX_ACCOUNT_SID,
      authToken: e.TWILIO_AUTH_TOKEN ?? SANDBOX_AUTH_TOKEN,
      isSandbox: !e.TWILIO_ACCOUNT_SID || e.TWILIO_ACCOUNT_SID === SANDBOX_ACCOUNT_SID,
      apiBaseUrl: e.TWILIO_API_BASE_URL,
    },
    deepgram: e.DEEPGRAM_API_KEY ? { apiKey: e.DEEPGRAM_API_KEY, baseUrl: e.DEEPGRAM_BASE_URL, model: e.DEEPGRAM_MODEL } : undefined,
    gemini: e.GEMINI_API_KEY ? { apiKey: e.GEMINI_API_KEY, baseUrl: e.GEMINI_BASE_URL, model: e.GEMINI_MODEL } : undefined,
    smallest: e.SMALLEST_API_KEY ? { apiKey: e.SMALLEST_API_KEY, baseUrl: e.SMALLEST_BASE_URL, model: e.SMALLEST_MODEL } : undefined,
    secretKey: hasSecret ? secretKeyFrom({ encryptionKey: e.ENCRYPTION_KEY, authSecret: e.AUTH_SECRET, nodeEnv: e.NODE_ENV, previousKeys: e.ENCRYPTION_KEY_PREVIOUS }) : undefined,
    masterKeys: masterKeyRingFromEnv(e),
    recordingsDir: e.RECORDINGS_ENABLED ? e.RECORDINGS_DIR : null,
    s3: s3ConfigFromEnv(e),
    webhooksAllowPrivateUrls: e.WEBHOOKS_ALLOW_PRIVATE_URLS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    timeouts: {
      sttFinalMs: e.STT_FINAL_TIMEOUT_MS,
      offlineSttFinalMs: e.OFFLINE_STT_FINAL_TIMEOUT_MS,
      llmFirstTokenMs: e.LLM_FIRST_TOKEN_TIMEOUT_MS,
      ttsFirstByteMs: e.TTS_FIRST_BYTE_TIMEOUT_MS,
    },
    pacer: { leadMs: e.PACER_LEAD_MS, batchMs: e.PACER_BATCH_MS, tickMs: e.PACER_TICK_MS },
    offlineStt: { engine: e.OFFLINE_STT, modelDir: e.MOONSHINE_MODEL_DIR },
    observability: observabilityConfigFromEnv(e, "voice"),
    admission: {
      limits: {
        maxLoopDelayMs: (e.VOICE_ADMISSION_MAX_LOOP_DELAY_MS ?? (isProduction ? ADMISSION_DEFAULTS.VOICE_ADMISSION_MAX_LOOP_DELAY_MS : 0)) || null,
        maxCpu: (e.VOICE_ADMISSION_MAX_CPU ?? (isProduction ? ADMISSION_DEFAULTS.VOICE_ADMISSION_MAX_CPU : 0)) || null,
        maxCalls: e.VOICE_MAX_CALLS || null,
        windowMs: e.VOICE_ADMISSION_WINDOW_MS,
      },
      refuseWith: e.VOICE_ADMISSION_REFUSE_WITH,
    },
  };
}
