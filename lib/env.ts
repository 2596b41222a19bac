import { z } from "zod";
import { parseEnv, zBool, zUrl } from "./config/parse-env";
import { refineS3, refineTwilioPair, SHARED_ENV_FIELDS } from "./config/shared-env";

// The web app's configuration. Nothing else in app/, components/ or lib/ reads process.env.
export const ZWebEnv = z
  .object({
    ...SHARED_ENV_FIELDS,
    // Unset in development: `npm run dev` starts embedded Postgres and passes its URL to the processes it starts.
    DATABASE_URL: zUrl.optional(),
    AUTH_TRUST_HOST: zBool.default(true),
    APP_URL: zUrl.default("http://localhost:3000"),
    SMTP_URL: zUrl.optional(),
    SMTP_FROM: z.string().default("AI Call Agent <no-reply@localhost>"),
    // How many reverse proxies in front of the web app append to X-Forwarded-For (lib/auth/client-ip.ts). 0: no
    // forwarded header is believed and client IPs are unknown.
    TRUSTED_PROXY_COUNT: z.coerce.number().int("must be a whole number").min(0).max(10).default(0),
    // Lets teams register webhook URLs on localhost and private networks. Off by default, development included.
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === "production" && !env.AUTH_SECRET) {
      ctx.addIssue({ code: "custom", path: ["AUTH_SECRET"], message: "is required in production" });
    }
    refineTwilioPair(env, ctx);
    refineS3(env, ctx);
  });
export type TWebEnv = z.infer<typeof ZWebEnv>;

let cached: TWebEnv | undefined;
export function env(): TWebEnv {
  cached ??= parseEnv(ZWebEnv, process.env);
  return cached;
}
