import { z } from "zod";
import { zBool, zUrl } from "./parse-env";

// Where a voice server on this machine is reached when VOICE_PUBLIC_URL is unset: its own VOICE_PORT, else 3001.
// npm run dev, npm run voice and npm run simulate must agree on it.
export function localVoiceUrl(port: string | number | undefined): string {
  return `http://localhost:${port ?? 3001}`;
}

// Variables both processes read (lib/env.ts, voice-server/env.ts), defined once so they validate alike.
export const SHARED_ENV_FIELDS = {
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  AUTH_SECRET: z.string().min(32, "must be at least 32 characters (openssl rand -base64 32)").optional(),
  // 32 bytes, base64. Encrypts stored secrets (team Twilio tokens, webhook secrets). Derived from AUTH_SECRET if unset.
  ENCRYPTION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, "base64").length === 32, "must be 32 bytes, base64 encoded")
    .optional(),
  // Former ENCRYPTION_KEY values (comma separated), kept while `npm run keys:rotate` re-wraps the teams' data keys
  // under the new one (lib/crypto/master-keys.ts). They only unwrap; remove them once the rotation has run.
  ENCRYPTION_KEY_PREVIOUS: z
    .string()
    .optional()
    .transform((v) => (v ?? "").split(",").map((k) => k.trim()).filter((k) => k !== ""))
    .pipe(z.array(z.string().refine((v) => Buffer.from(v, "base64").length === 32, "each key must be 32 bytes, base64 encoded"))),
  // The base URL Twilio reaches the voice server at.
  VOICE_PUBLIC_URL: zUrl.default(localVoiceUrl(undefined)),
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, "must look like AC followed by 32 hex characters")
    .optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  TWILIO_API_BASE_URL: zUrl.optional(),
  GEMINI_API_KEY: z.string().min(1).optional(),
  GEMINI_BASE_URL: zUrl.optional(),
  GEMINI_MODEL: z.string().default("gemini-2.5-flash"),
  SMALLEST_API_KEY: z.string().min(1).optional(),
  SMALLEST_BASE_URL: zUrl.optional(),
  SMALLEST_MODEL: z.string().default("lightning_v3.1"),
  // Lets outbound webhooks register and deliver to private addresses (localhost, 10.x, ...): local development only.
  WEBHOOKS_ALLOW_PRIVATE_URLS: zBool.default(false),
  // Where the voice server writes call recordings ({teamId}/{callId}.wav) and the web app streams them from.
  RECORDINGS_DIR: z.string().min(1).default(".data/recordings"),
  // S3-compatible storage for recordings (AWS S3, MinIO, R2 ...). When set, RECORDINGS_DIR is only the voice
  // server's spool: each recording is uploaded after its call and the local copy removed.
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a bucket name: 3-63 lowercase letters, digits, dots or hyphens")
    .optional(),
  S3_REGION: z.string().min(1).default("us-east-1"),
  // Only for non-AWS services, e.g. http://127.0.0.1:9000 (MinIO) or https://<account>.r2.cloudflarestorage.com.
  S3_ENDPOINT: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  // MinIO and most self-hosted services need path-style URLs (endpoint/bucket/key).
  S3_FORCE_PATH_STYLE: zBool.default(false),
  S3_PREFIX: z
    .string()
    .regex(/^[^/].*$/, "must not start with /")
    .max(512)
    .optional(),
};

export function refineTwilioPair(
  env: { TWILIO_ACCOUNT_SID?: string; TWILIO_AUTH_TOKEN?: string },
  ctx: z.RefinementCtx,
): void {
  if (!!env.TWILIO_ACCOUNT_SID !== !!env.TWILIO_AUTH_TOKEN) {
    ctx.addIssue({
      code: "custom",
      path: [env.TWILIO_ACCOUNT_SID ? "TWILIO_AUTH_TOKEN" : "TWILIO_ACCOUNT_SID"],
      message: "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together",
    });
  }
}

const S3_REQUIRED = ["S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"] as const;

// S3 is all or nothing: a bucket without keys (or keys without a bucket) would silently keep recordings on disk.
export function refineS3(
  env: { S3_BUCKET?: string; S3_ACCESS_KEY_ID?: string; S3_SECRET_ACCESS_KEY?: string; S3_ENDPOINT?: string; S3_PREFIX?: string },
  ctx: z.RefinementCtx,
): void {
  const missing = S3_REQUIRED.filter((name) => !env[name]);
  if (missing.length > 0 && missing.length < S3_REQUIRED.length) {
    for (const name of missing) {
      ctx.addIssue({ code: "custom", path: [name], message: "S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together" });
    }
  }
  if (missing.length === S3_REQUIRED.length) {
    for (const name of ["S3_ENDPOINT", "S3_PREFIX"] as const) {
      if (env[name]) ctx.addIssue({ code: "custom", path: [name], message: "is set but S3_BUCKET is not (S3 storage stays off)" });
    }
  }
}
