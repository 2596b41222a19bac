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
    expect(() => loadVoiceEnv({ ...base, NODE_ENV: "production", VOICE_PUBLIC_URL: "https://v.example.com" })).toThrow(/TWILIO_ACCOUNT_SID/);
    expect(() =>
      loadVoiceEnv({
        ...base,
        NODE_ENV: "production",
        TWILIO_ACCOUNT_SID: `AC${"a".repeat(32)}`,
        TWILIO_AUTH_TOKEN: "t",
        VOICE_PUBLIC_URL: "http://v.example.com",
      }),
    ).toThrow(/VOICE_PUBLIC_URL/);
    const live = loadVoiceEnv({
      ...base,
      NODE_ENV: "production",
      TWILIO_ACCOUNT_SID: `AC${"a".repeat(32)}`,
      TWILIO_AUTH_TOKEN: "t",
      VOICE_PUBLIC_URL: "https://v.example.com",
    });
    expect(live.twilio.isSandbox).toBe(false);
  });
});
