import { z } from "zod";
import { LOG_LEVELS, type TLogLevel } from "@/lib/observability/log";

// Logging, metrics and tracing variables, the same for every process (web, voice, worker): spread into each
// process's env schema, checked by refineObservability, read through observabilityConfigFromEnv.
export const OBSERVABILITY_ENV_FIELDS = {
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  // Bearer token for /metrics. Required in production; in development /metrics is open to loopback without it.
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters (openssl rand -hex 24)").optional(),
  // A separate listener for /metrics (e.g. on a private interface). Unset: /metrics is served on the process's
  // own port (voice, web); the worker has no other port, so it listens only when this is set.
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default("0.0.0.0"),
  // OTLP/HTTP collector base URL (e.g. http://otel-collector:4318). Unset: tracing is off and costs nothing.
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  OTEL_EXPORTER_OTLP_HEADERS: z
    .string()
    .regex(/^[^=,]+=[^,]*(,[^=,]+=[^,]*)*$/, "must be key=value pairs separated by commas")
    .optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
};

type TObservabilityEnv = {
  NODE_ENV: "development" | "test" | "production";
  LOG_LEVEL: TLogLevel;
  METRICS_TOKEN?: string;
  METRICS_PORT?: number;
  METRICS_HOST: string;
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  OTEL_EXPORTER_OTLP_HEADERS?: string;
  OTEL_SERVICE_NAME?: string;
};

export function refineObservability(env: Pick<TObservabilityEnv, "NODE_ENV" | "METRICS_TOKEN">, ctx: z.RefinementCtx): void {
  if (env.NODE_ENV === "production" && !env.METRICS_TOKEN) {
    ctx.addIssue({ code: "custom", path: ["METRICS_TOKEN"], message: "is required in production (/metrics is never public)" });
  }
}

export type TObservabilityConfig = {
  logLevel: TLogLevel;
  metrics: { token: string | null; port: number | null; host: string; isProduction: boolean };
  tracing: { endpoint: string; headers: Record<string, string>; serviceName: string } | null;
};

export function observabilityConfigFromEnv(env: TObservabilityEnv, defaultServiceName: string): TObservabilityConfig {
  return {
    logLevel: env.LOG_LEVEL,
    metrics: {
      token: env.METRICS_TOKEN ?? null,
      port: env.METRICS_PORT ?? null,
      host: env.METRICS_HOST,
      isProduction: env.NODE_ENV === "production",
    },
    tracing: env.OTEL_EXPORTER_OTLP_ENDPOINT
      ? {
          endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
          headers: parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS),
          serviceName: env.OTEL_SERVICE_NAME ?? defaultServiceName,
        }
      : null,
  };
}

function parseHeaders(value: string | undefined): Record<string, string> {
  if (!value) return {};
  return Object.fromEntries(
    value.split(",").map((pair) => {
      const i = pair.indexOf("=");
      return [decodeURIComponent(pair.slice(0, i).trim()), decodeURIComponent(pair.slice(i + 1).trim())];
    }),
  );
}
