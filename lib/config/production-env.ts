import { z } from "zod";
import { parseEnv, EnvError } from "./parse-env";

// What every process (web, voice, worker) needs with NODE_ENV=production. Checked against the raw environment,
// before any development default (embedded Postgres, localhost URLs, the Twilio sandbox, a derived key) fills in.

// The local Twilio sandbox account (voice-server/env.ts, lib/numbers/config.ts): never in production.
const SANDBOX_ACCOUNT_SID = "AC00000000000000000000000000000000";

// http is allowed only to this machine, so a production build can be tried locally and CI can start one.
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const zPublicUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).refine((value) => {
  const url = new URL(value);
  return url.protocol === "https:" || isLoopbackHost(url.hostname);
}, "must be https in production (http is accepted only for localhost/127.0.0.1, to try a production build on one machine)");

export const ZProductionEnv = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// URL" }),
  AUTH_SECRET: z.string().min(32, "must be at least 32 characters (openssl rand -base64 32)"),
  ENCRYPTION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, "base64").length === 32, "must be 32 random bytes, base64 encoded (openssl rand -base64 32)"),
  APP_URL: zPublicUrl,
  VOICE_PUBLIC_URL: zPublicUrl,
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, "must look like AC followed by 32 hex characters")
    .refine((sid) => sid !== SANDBOX_ACCOUNT_SID, "is the local sandbox account, for development only"),
  TWILIO_AUTH_TOKEN: z.string().min(1),
  // /metrics is never public (lib/observability/metrics-access.ts).
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters (openssl rand -hex 24)"),
});

// Throws an EnvError naming every missing or bad production variable; does nothing outside production.
export function assertProductionEnv(source: Record<string, string | undefined>, process: string): void {
  if (source.NODE_ENV !== "production") return;
  try {
    parseEnv(ZProductionEnv, source);
  } catch (error) {
    if (error instanceof EnvError) throw new EnvError(error.problems.map((p) => `${p} (required by the ${process} in production)`));
    throw error;
  }
}

// A process's own schema and the production requirements, with every problem of both in one error.
export function parseProcessEnv<T extends z.ZodType>(schema: T, source: Record<string, string | undefined>, process: string): z.infer<T> {
  const problems: string[] = [];
  try {
    assertProductionEnv(source, process);
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    problems.push(...error.problems);
  }
  try {
    const parsed = parseEnv(schema, source);
    if (problems.length > 0) throw new EnvError(problems);
    return parsed;
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    const named = new Set(problems.map((p) => p.split(/[: ]/)[0]));
    throw new EnvError([...problems, ...error.problems.filter((p) => !named.has(p.split(/[: ]/)[0]))]);
  }
}
