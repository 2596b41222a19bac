import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/lib/config/parse-env";
import { ZWebEnv } from "@/lib/env";
import { s3ConfigFromEnv } from "./config";

// The web app validates the same S3_* variables as the voice server (SHARED_ENV_FIELDS + refineS3).
describe("S3 settings in the web app's env", () => {
  it("is off with nothing set, so the rest of the app runs as before", () => {
    const env = parseEnv(ZWebEnv, {});
    expect(env.S3_REGION).toBe("us-east-1");
    expect(env.S3_FORCE_PATH_STYLE).toBe(false);
    expect(s3ConfigFromEnv(env)).toBeNull();
  });

  it("builds the store config, adding the prefix's trailing slash", () => {
    const env = parseEnv(ZWebEnv, {
      S3_BUCKET: "recs",
      S3_ACCESS_KEY_ID: "k",
      S3_SECRET_ACCESS_KEY: "s",
      S3_PREFIX: "a/b/",
      S3_REGION: "auto",
    });
    expect(s3ConfigFromEnv(env)).toMatchObject({
      bucket: "recs",
      region: "auto",
      prefix: "a/b/",
      forcePathStyle: false,
    });
  });

  it("names the missing half of the configuration", () => {
    expect(() => parseEnv(ZWebEnv, { S3_SECRET_ACCESS_KEY: "s" })).toThrow(EnvError);
    expect(() => parseEnv(ZWebEnv, { S3_SECRET_ACCESS_KEY: "s" })).toThrow(
      /S3_BUCKET: S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together/,
    );
    expect(() =>
      parseEnv(ZWebEnv, { S3_BUCKET: "recs", S3_ACCESS_KEY_ID: "k", S3_SECRET_ACCESS_KEY: "s", S3_PREFIX: "/abs" }),
    ).toThrow(/S3_PREFIX: must not start with \//);
  });
});
