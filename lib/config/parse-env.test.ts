import { describe, expect, it } from "vitest";
import { ZWebEnv } from "@/lib/env";
import { EnvError, parseEnv } from "./parse-env";
import { parseProcessEnv } from "./production-env";

describe("web env validation", () => {
  it("applies defaults with nothing set (embedded defaults)", () => {
    const env = parseEnv(ZWebEnv, {});
    expect(env.APP_URL).toBe("http://localhost:3000");
    expect(env.AUTH_TRUST_HOST).toBe(true);
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it("names every bad or missing variable at once", () => {
    let error: unknown;
    try {
      parseProcessEnv(ZWebEnv, {
        NODE_ENV: "production",
        DATABASE_URL: "not a url",
        TWILIO_ACCOUNT_SID: "AC123",
        ENCRYPTION_KEY: "c2hvcnQ=",
      }, "web app");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvError);
    const message = (error as EnvError).message;
    expect(message).toMatch(/DATABASE_URL: /);
    expect(message).toMatch(/TWILIO_ACCOUNT_SID: must look like AC/);
    expect(message).toMatch(/TWILIO_AUTH_TOKEN is required but not set/);
    expect(message).toMatch(/APP_URL is required but not set/);
    expect(message).toMatch(/VOICE_PUBLIC_URL is required but not set/);
    expect(message).toMatch(/ENCRYPTION_KEY: must be 32 random bytes/);
    expect(message).toMatch(/AUTH_SECRET is required but not set \(required by the web app in production\)/);
    expect(message).toMatch(/\.env\.example/);
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv(ZWebEnv, { DATABASE_URL: "", SMTP_URL: "" }).DATABASE_URL).toBeUndefined();
  });
});
