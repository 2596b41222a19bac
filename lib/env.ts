import { z } from "zod";
import { zBool, zUrl } from "./config/parse-env";
import { parseProcessEnv } from "./config/production-env";
import { refineS3, refineTwilioPair, SHARED_ENV_FIELDS } from "./config/shared-env";

// The web app's configuration. Nothing else in app/, components/ or lib/ reads process.env.
export const ZWebEnv = z
  .object({
    ...SHARED_ENV_FIELDS,
    // Unset in development: `npm run dev` starts embedded Postgres and passes its URL to the processes it starts.
    DATABASE_URL: zUrl.optional(),
    // Connections the web process may hold (db/client.ts reads it with DATABASE_URL; validated here).
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
    AUTH_TRUST_HOST: zBool.default(true),
    // Interface the production web server (npm run start:web) listens on; PORT is its port.
    WEB_HOST: z.string().min(1).default("0.0.0.0"),
    APP_URL: zUrl.default("http://localhost:3000"),
    SMTP_URL: zUrl.optional(),
    SMTP_FROM: z.string().default("AI Call Agent <no-reply@localhost>"),
    // Lets teams register webhook URLs on localhost and private networks. Off by default, development included.
  })
  .superRefine((env, ctx) => {
    // Production requirements (secrets, https URLs, a real Twilio account): lib/config/production-env.ts.
    refineTwilioPair(env, ctx);
    refineS3(env, ctx);
  });
export type TWebEnv = z.infer<typeof ZWebEnv>;

let cached: TWebEnv | undefined;
export function env(): TWebEnv {
  cached ??= parseProcessEnv(ZWebEnv, process.env, "web app");
  return cached;
}
