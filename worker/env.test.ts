import { describe, expect, it } from "vitest";
import { EnvError } from "@/lib/config/parse-env";
import { CALL_RECOVERY_SWEEP_MS } from "@/lib/calls/heartbeat";
import { loadWorkerEnv } from "./env";

const base = { DATABASE_URL: "postgres://u:p@127.0.0.1:5432/app" };
const production = {
  ...base,
  NODE_ENV: "production",
  AUTH_SECRET: "s".repeat(40),
  ENCRYPTION_KEY: Buffer.alloc(32, 3).toString("base64"),
  APP_URL: "https://app.example.com",
  VOICE_PUBLIC_URL: "https://voice.example.com",
  TWILIO_ACCOUNT_SID: `AC${"f".repeat(32)}`,
  TWILIO_AUTH_TOKEN: "token",
  METRICS_TOKEN: "m".repeat(24),
};

describe("loadWorkerEnv", () => {
  it("runs on development defaults with only a database", () => {
    const env = loadWorkerEnv(base);
    expect(env).toMatchObject({ databasePoolMax: 10, analysisConcurrency: 8, staleCallSweepMs: CALL_RECOVERY_SWEEP_MS, recordingsDir: ".data/recordings", gemini: null, secretKey: null, s3: null });
  });

  it("reads its own knobs and refuses nonsense", () => {
    expect(loadWorkerEnv({ ...base, WORKER_ANALYSIS_CONCURRENCY: "2", DATABASE_POOL_MAX: "4", RECORDINGS_ENABLED: "false" })).toMatchObject({ analysisConcurrency: 2, databasePoolMax: 4, recordingsDir: null });
    expect(() => loadWorkerEnv({ ...base, WORKER_ANALYSIS_CONCURRENCY: "0" })).toThrow(/WORKER_ANALYSIS_CONCURRENCY/);
    expect(() => loadWorkerEnv({})).toThrow(/DATABASE_URL is required/);
    expect(loadWorkerEnv(base)).toMatchObject({ evalConcurrency: 2, evalScenarioTimeoutMs: 90_000 });
    expect(loadWorkerEnv({ ...base, WORKER_EVAL_CONCURRENCY: "4", WORKER_EVAL_SCENARIO_TIMEOUT_MS: "30000" })).toMatchObject({ evalConcurrency: 4, evalScenarioTimeoutMs: 30_000 });
    expect(() => loadWorkerEnv({ ...base, WORKER_EVAL_CONCURRENCY: "0" })).toThrow(/WORKER_EVAL_CONCURRENCY/);
    expect(() => loadWorkerEnv({ ...base, WORKER_EVAL_SCENARIO_TIMEOUT_MS: "100" })).toThrow(/WORKER_EVAL_SCENARIO_TIMEOUT_MS/);
  });

  it("in production, uses ENCRYPTION_KEY as is and refuses to start without any production variable", () => {
    expect(loadWorkerEnv(production).secretKey).toEqual(Buffer.alloc(32, 3));
    for (const name of Object.keys(production).filter((k) => k !== "NODE_ENV")) {
      const { [name]: _removed, ...rest } = production as Record<string, string>;
      let error: unknown;
      try {
        loadWorkerEnv(rest);
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(EnvError);
      expect((error as Error).message).toContain(`${name} is required but not set (required by the worker in production)`);
    }
    // A key derived from AUTH_SECRET is for development only.
    expect(loadWorkerEnv({ ...base, AUTH_SECRET: "s".repeat(40) }).secretKey).toHaveLength(32);
  });

  it("accepts http only for loopback hosts in production", () => {
    expect(() => loadWorkerEnv({ ...production, APP_URL: "http://127.0.0.1:3000", VOICE_PUBLIC_URL: "http://localhost:3001" })).not.toThrow();
    expect(() => loadWorkerEnv({ ...production, APP_URL: "http://10.0.0.5:3000" })).toThrow(/APP_URL: must be https in production/);
    expect(() => loadWorkerEnv({ ...production, VOICE_PUBLIC_URL: "http://localhost.evil.example" })).toThrow(/VOICE_PUBLIC_URL: must be https/);
  });
});
