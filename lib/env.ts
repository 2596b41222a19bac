import { z } from "zod";
import { zBool, zUrl } from "./config/parse-env";
import { parseProcessEnv } from "./config/production-env";
import { OBSERVABILITY_ENV_FIELDS, refineObservability } from "./config/observability-env";
import { refineS3, refineTwilioPair, SHARED_ENV_FIELDS } from "./config/shared-env";

// The web app's configuration. Nothing else in app/, components/ or lib/ reads process.env.
export const ZWebEnv = z
  .object({
    ...SHARED_ENV_FIELDS,
    ...OBSERVABILITY_ENV_FIELDS,
    // Unset in development: `npm run dev` starts embedded Postgres and passes its URL to the processes it starts.
    DATABASE_URL: zUrl.optional(),
    // Connections the web process may hold (db/client.ts reads it with DATABASE_URL; validated here).
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
    AUTH_TRUST_HOST: zBool.default(true),
    // Interface the production web server (npm run start:web) listens on; PORT is its port.
    WEB_HOST: z.string().min(1).default("0.0.0.0"),
    APP_URL: zUrl.default("http://localhost:3000"),
    // Where the web app reaches the voice server for voice lists and samples (a private address in production);
    // VOICE_PUBLIC_URL when unset.
    VOICE_INTERNAL_URL: zUrl.optional(),
    // nodemailer's URL form, e.g. smtps://user:pass@smtp.example.com:465 (zUrl would refuse the smtp schemes).
    SMTP_URL: z.url({ protocol: /^smtps?$/, error: "must be an smtp:// or smtps:// URL" }).optional(),
    SMTP_FROM: z.string().default("AI Call Agent <no-reply@localhost>"),
    // Platform caps per team (lib/teams/platform-limits.ts): how many numbers a team may hold, and the highest
    // concurrent-call limit its owners and admins may set.
    PLATFORM_MAX_NUMBERS_PER_TEAM: z.coerce.number().int().min(1).max(100_000).default(25),
    PLATFORM_MAX_CONCURRENT_CALLS_PER_TEAM: z.coerce.number().int().min(1).max(1000).default(50),
    // How many reverse proxies in front of the web app append to X-Forwarded-For (lib/auth/client-ip.ts). 0: no
    // forwarded header is believed and client IPs are unknown.
    TRUSTED_PROXY_COUNT: z.coerce.number().int("must be a whole number").min(0).max(10).default(0),
    // Read only to describe this deployment on a team's Data & privacy page (which processors receive call data,
    // whether calls are recorded): the voice server is what uses them.
    DEEPGRAM_API_KEY: z.string().min(1).optional(),
    RECORDINGS_ENABLED: zBool.default(true),
    // Lets teams register webhook URLs on localhost and private networks. Off by default, development included.
  })
  .superRefine((env, ctx) => {
    // Production requirements (secrets, https URLs, a real Twilio account): lib/config/production-env.ts.
    refineTwilioPair(env, ctx);
    refineS3(env, ctx);
    refineObservability(env, ctx);
  });
export type TWebEnv = z.infer<typeof ZWebEnv>;

let cached: TWebEnv | undefined;
export function env(): TWebEnv {
  cached ??= parseProcessEnv(ZWebEnv, process.env, "web app");
  return cached;
}
