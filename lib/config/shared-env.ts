import { z } from "zod";
import { zUrl } from "./parse-env";

// Variables both processes read (lib/env.ts, voice-server/env.ts), defined once so they validate alike.
export const SHARED_ENV_FIELDS = {
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  AUTH_SECRET: z.string().min(32, "must be at least 32 characters (openssl rand -base64 32)").optional(),
  // 32 bytes, base64. Encrypts stored secrets (team Twilio tokens, webhook secrets). Derived from AUTH_SECRET if unset.
  ENCRYPTION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, "base64").length === 32, "must be 32 bytes, base64 encoded")
    .optional(),
  // The base URL Twilio reaches the voice server at.
  VOICE_PUBLIC_URL: zUrl.default("http://localhost:3001"),
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
  // Where the voice server writes call recordings ({teamId}/{callId}.wav) and the web app streams them from.
  RECORDINGS_DIR: z.string().min(1).default(".data/recordings"),
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
