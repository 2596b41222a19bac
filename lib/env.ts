import { z } from "zod";
import { parseEnv, zBool, zUrl } from "./config/parse-env";

// The web app's configuration. Nothing else in app/, components/ or lib/ reads process.env.
export const ZWebEnv = z
  .object({
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    // Unset in development: `npm run dev` starts embedded Postgres and passes its URL to the processes it starts.
    DATABASE_URL: zUrl.optional(),
    AUTH_SECRET: z.string().min(32, "must be at least 32 characters (openssl rand -base64 32)").optional(),
    AUTH_TRUST_HOST: zBool.default(true),
    APP_URL: zUrl.default("http://localhost:3000"),
    VOICE_PUBLIC_URL: zUrl.default("http://localhost:3001"),
    // 32 bytes, base64. Encrypts stored secrets (team Twilio tokens, webhook secrets). Derived from AUTH_SECRET if unset.
    ENCRYPTION_KEY: z
      .string()
      .refine((v) => Buffer.from(v, "base64").length === 32, "must be 32 bytes, base64 encoded")
      .optional(),
    SMTP_URL: zUrl.optional(),
    SMTP_FROM: z.string().default("AI Call Agent <no-reply@localhost>"),
    TWILIO_ACCOUNT_SID: z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, "must look like AC followed by 32 hex characters")
      .optional(),
    TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
    TWILIO_API_BASE_URL: zUrl.optional(),
    GEMINI_API_KEY: z.string().min(1).optional(),
    GEMINI_BASE_URL: zUrl.optional(),
    GEMINI_MODEL: z.string().default("gemini-2.5-flash"),
    // Voice picker and preview in the agent builder; without a key the offline eSpeak voices are offered.
    SMALLEST_API_KEY: z.string().min(1).optional(),
    SMALLEST_BASE_URL: zUrl.optional(),
    SMALLEST_MODEL: z.string().default("lightning_v3.1"),
    // Where the voice server writes call recordings ({teamId}/{callId}.wav); the web app streams them from here.
    RECORDINGS_DIR: z.string().min(1).default(".data/recordings"),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === "production" && !env.AUTH_SECRET) {
      ctx.addIssue({ code: "custom", path: ["AUTH_SECRET"], message: "is required in production" });
    }
    if (!!env.TWILIO_ACCOUNT_SID !== !!env.TWILIO_AUTH_TOKEN) {
      ctx.addIssue({
        code: "custom",
        path: [env.TWILIO_ACCOUNT_SID ? "TWILIO_AUTH_TOKEN" : "TWILIO_ACCOUNT_SID"],
        message: "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together",
      });
    }
  });
export type TWebEnv = z.infer<typeof ZWebEnv>;

let cached: TWebEnv | undefined;
export function env(): TWebEnv {
  cached ??= parseEnv(ZWebEnv, process.env);
  return cached;
}
