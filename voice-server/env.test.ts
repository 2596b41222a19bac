import { describe, expect, it } from "vitest";
import { EnvError } from "@/lib/config/parse-env";
import { loadVoiceEnv, SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN } from "./env";

const base = { DATABASE_URL: "postgres://u:p@127.0.0.1:5432/app" };

describe("loadVoiceEnv", () => {
  it("runs as a local sandbox with offline providers when no keys are set", () => {
    const env = loadVoiceEnv(base);
    expect(env.port).toBe(3001);
    expect(env.publicUrl).toBe("http://localhost:3001");
    expect(env.wsPublicUrl).toBe("ws://localhost:3001");
    expect(env.twilio).toEqual({ accountSid: SANDBOX_ACCOUNT_SID, authToken: SANDBOX_AUTH_TOKEN, isSandbox: true, apiBaseUrl: undefined });
    expect(env.deepgram).toBeUndefined();
    expect(env.gemini).toBeUndefined();
    expect(env.smallest).toBeUndefined();
    expect(env.recordingsDir).toBe(".data/recordings");
  });

  it("gives the offline recognizer a longer final budget than a cloud engine, and refuses a bad one", () => {
    expect(loadVoiceEnv(base).timeouts).toMatchObject({ sttFinalMs: 2_500, offlineSttFinalMs: 6_000 });
    expect(loadVoiceEnv({ ...base, OFFLINE_STT_FINAL_TIMEOUT_MS: "9000" }).timeouts.offlineSttFinalMs).toBe(9_000);
    expect(() => loadVoiceEnv({ ...base, OFFLINE_STT_FINAL_TIMEOUT_MS: "soon" })).toThrow(/OFFLINE_STT_FINAL_TIMEOUT_MS/);
    expect(() => loadVoiceEnv({ ...base, OFFLINE_STT_FINAL_TIMEOUT_MS: "-5" })).toThrow(/OFFLINE_STT_FINAL_TIMEOUT_MS/);
  });

  it("recognizes offline with pocketsphinx unless Moonshine is chosen, and refuses an engine it does not have", () => {
    expect(loadVoiceEnv(base).offlineStt).toEqual({ engine: "pocketsphinx", modelDir: undefined });
    expect(loadVoiceEnv({ ...base, OFFLINE_STT: "moonshine", MOONSHINE_MODEL_DIR: "/models/moonshine" }).offlineStt).toEqual({
      engine: "moonshine",
      modelDir: "/models/moonshine",
    });
    expect(() => loadVoiceEnv({ ...base, OFFLINE_STT: "whisper" })).toThrow(/OFFLINE_STT/);
  });

  it("without VOICE_PUBLIC_URL, points Twilio and test calls at this server's own port", () => {
    const env = loadVoiceEnv({ ...base, VOICE_PORT: "3101" });
    expect(env.publicUrl).toBe("http://localhost:3101");
    expect(env.wsPublicUrl).toBe("ws://localhost:3101");
  });

  it("derives the wss:// URL from an https public URL and picks up provider keys", () => {
    const env = loadVoiceEnv({
      ...base,
      VOICE_PUBLIC_URL: "https://voice.example.com/",
      GEMINI_API_KEY: "g",
      GEMINI_BASE_URL: "http://127.0.0.1:9000",
      DEEPGRAM_API_KEY: "d",
      SMALLEST_API_KEY: "s",
      RECORDINGS_ENABLED: "false",
      AUTH_SECRET: "x".repeat(40),
    });
    expect(env.publicUrl).toBe("https://voice.example.com");
    expect(env.wsPublicUrl).toBe("wss://voice.example.com");
    expect(env.gemini).toEqual({ apiKey: "g", baseUrl: "http://127.0.0.1:9000", model: "gemini-2.5-flash" });
    expect(env.deepgram?.model).toBe("nova-3");
    expect(env.smallest?.apiKey).toBe("s");
    expect(env.recordingsDir).toBeNull();
    expect(env.secretKey).toHaveLength(32);
  });

  it("turns admission control on by default in production only, each limit off with 0, and refuses nonsense", () => {
    const production = {
      ...base,
      NODE_ENV: "production",
      VOICE_PUBLIC_URL: "https://v.example.com",
      TWILIO_ACCOUNT_SID: `AC${"1".repeat(32)}`,
      TWILIO_AUTH_TOKEN: "t",
      AUTH_SECRET: "x".repeat(32),
      ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
      APP_URL: "https://app.example.com",
      METRICS_TOKEN: "m".repeat(24),
    };
    expect(loadVoiceEnv(production).admission).toEqual({
      limits: { maxLoopDelayMs: 25, maxCpu: 0.75, maxCalls: null, windowMs: 5_000 },
      refuseWith: "busy",
    });
    expect(loadVoiceEnv(base).admission.limits).toEqual({ maxLoopDelayMs: null, maxCpu: null, maxCalls: null, windowMs: 5_000 });
    expect(loadVoiceEnv({ ...base, VOICE_ADMISSION_MAX_LOOP_DELAY_MS: "30" }).admission.limits.maxLoopDelayMs).toBe(30);
    const tuned = loadVoiceEnv({
      ...base,
      VOICE_ADMISSION_MAX_LOOP_DELAY_MS: "0",
      VOICE_ADMISSION_MAX_CPU: "0.6",
      VOICE_MAX_CALLS: "180",
      VOICE_ADMISSION_WINDOW_MS: "3000",
      VOICE_ADMISSION_REFUSE_WITH: "unavailable",
    });
    expect(tuned.admission).toEqual({ limits: { maxLoopDelayMs: null, maxCpu: 0.6, maxCalls: 180, windowMs: 3_000 }, refuseWith: "unavailable" });
    expect(() => loadVoiceEnv({ ...base, VOICE_ADMISSION_REFUSE_WITH: "hangup", VOICE_MAX_CALLS: "-1" })).toThrow(
      /VOICE_ADMISSION_REFUSE_WITH[\s\S]*VOICE_MAX_CALLS|VOICE_MAX_CALLS[\s\S]*VOICE_ADMISSION_REFUSE_WITH/,
    );
  });

  it("names every bad variable at once", () => {
    try {
      loadVoiceEnv({ VOICE_PORT: "abc", TWILIO_ACCOUNT_SID: "AC123" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      const message = (error as Error).message;
      expect(message).toContain("DATABASE_URL is required");
      expect(message).toContain("VOICE_PORT");
      expect(message).toContain("TWILIO_ACCOUNT_SID");
    }
  });

  it("refuses the sandbox account and plain http in production", () => {
    const secrets = { AUTH_SECRET: "x".repeat(32), ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"), APP_URL: "https://app.example.com" };
    expect(() => loadVoiceEnv({ ...base, ...secrets, NODE_ENV: "production", VOICE_PUBLIC_URL: "https://v.example.com" })).toThrow(/TWILIO_ACCOUNT_SID/);
    expect(() =>
      loadVoiceEnv({
        ...base,
        ...secrets,
        NODE_ENV: "production",
        TWILIO_ACCOUNT_SID: `AC${"a".repeat(32)}`,
        TWILIO_AUTH_TOKEN: "t",
        VOICE_PUBLIC_URL: "http://v.example.com",
      }),
    ).toThrow(/VOICE_PUBLIC_URL/);
    const live = loadVoiceEnv({
      ...base,
      ...secrets,
      NODE_ENV: "production",
      TWILIO_ACCOUNT_SID: `AC${"a".repeat(32)}`,
      TWILIO_AUTH_TOKEN: "t",
      VOICE_PUBLIC_URL: "https://v.example.com",
      METRICS_TOKEN: "m".repeat(24),
    });
    expect(live.twilio.isSandbox).toBe(false);
  });

  it("reads the observability settings and requires a metrics token in production", () => {
    const dev = loadVoiceEnv(base);
    expect(dev.observability).toEqual({
      logLevel: "info",
      metrics: { token: null, port: null, host: "0.0.0.0", isProduction: false },
      tracing: null,
    });
    const traced = loadVoiceEnv({
      ...base,
      LOG_LEVEL: "debug",
      METRICS_PORT: "9464",
      METRICS_HOST: "10.0.0.5",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
      OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=abc,tenant=ops",
    });
    expect(traced.observability.logLevel).toBe("debug");
    expect(traced.observability.metrics).toMatchObject({ port: 9464, host: "10.0.0.5" });
    expect(traced.observability.tracing).toEqual({
      endpoint: "http://collector:4318",
      headers: { "x-api-key": "abc", tenant: "ops" },
      serviceName: "voice",
    });
    expect(() => loadVoiceEnv({ ...base, LOG_LEVEL: "loud", METRICS_TOKEN: "short", OTEL_EXPORTER_OTLP_ENDPOINT: "grpc://x" })).toThrow(
      /LOG_LEVEL[\s\S]*METRICS_TOKEN: must be at least 16[\s\S]*OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
    expect(() =>
      loadVoiceEnv({
        ...base,
        NODE_ENV: "production",
        TWILIO_ACCOUNT_SID: `AC${"a".repeat(32)}`,
        TWILIO_AUTH_TOKEN: "t",
        VOICE_PUBLIC_URL: "https://v.example.com",
      }),
    ).toThrow(/METRICS_TOKEN is required/);
  });

  it("keeps recordings on local disk unless S3 is configured, and reads S3 settings when it is", () => {
    expect(loadVoiceEnv(base).s3).toBeNull();
    const env = loadVoiceEnv({
      ...base,
      S3_BUCKET: "call-recordings",
      S3_ACCESS_KEY_ID: "AKIAEXAMPLE",
      S3_SECRET_ACCESS_KEY: "secret",
      S3_ENDPOINT: "http://127.0.0.1:9000/",
      S3_FORCE_PATH_STYLE: "true",
      S3_PREFIX: "prod",
    });
    expect(env.s3).toEqual({
      bucket: "call-recordings",
      region: "us-east-1",
      endpoint: "http://127.0.0.1:9000",
      accessKeyId: "AKIAEXAMPLE",
      secretAccessKey: "secret",
      forcePathStyle: true,
      prefix: "prod/",
    });
    expect(env.recordingsDir).toBe(".data/recordings");
    const aws = loadVoiceEnv({ ...base, S3_BUCKET: "b-1", S3_ACCESS_KEY_ID: "k", S3_SECRET_ACCESS_KEY: "s", S3_REGION: "eu-central-1" });
    expect(aws.s3).toMatchObject({ region: "eu-central-1", endpoint: undefined, forcePathStyle: false, prefix: "" });
  });

  it("refuses a half-configured S3 with a message naming what is missing", () => {
    const message = (source: Record<string, string>) => {
      try {
        loadVoiceEnv({ ...base, ...source });
      } catch (error) {
        expect(error).toBeInstanceOf(EnvError);
        return (error as Error).message;
      }
      throw new Error("expected the env to be refused");
    };
    const bucketOnly = message({ S3_BUCKET: "recordings" });
    expect(bucketOnly).toContain("S3_ACCESS_KEY_ID: S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together");
    expect(bucketOnly).toContain("S3_SECRET_ACCESS_KEY: S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together");
    const keysOnly = message({ S3_ACCESS_KEY_ID: "k", S3_SECRET_ACCESS_KEY: "s" });
    expect(keysOnly).toContain("S3_BUCKET: S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together");
    expect(keysOnly).not.toContain("S3_ACCESS_KEY_ID:");
    expect(message({ S3_ENDPOINT: "http://127.0.0.1:9000" })).toContain("S3_ENDPOINT: is set but S3_BUCKET is not");
    const bad = message({ S3_BUCKET: "Bad_Bucket", S3_ACCESS_KEY_ID: "k", S3_SECRET_ACCESS_KEY: "s", S3_ENDPOINT: "ftp://x", S3_FORCE_PATH_STYLE: "yes" });
    expect(bad).toContain("S3_BUCKET: must be a bucket name");
    expect(bad).toContain("S3_ENDPOINT: must be an http(s) URL");
    expect(bad).toContain("S3_FORCE_PATH_STYLE");
  });
});
