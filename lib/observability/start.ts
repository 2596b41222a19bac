import type { TObservabilityConfig } from "@/lib/config/observability-env";
import { configureLogging } from "./log";
import { processMetricsRegistry } from "./metrics";
import { initTracing, type TTracing } from "./tracing";

// What every process (web, voice, worker) runs first, with its validated env: the log level and service name on
// every line, process metrics sampling from the start, and tracing when an OTLP endpoint is configured.
// Call `tracing.shutdown()` when stopping, so the last spans are exported.
export async function startObservability(service: "web" | "voice" | "worker", config: TObservabilityConfig): Promise<{ tracing: TTracing }> {
  configureLogging({ level: config.logLevel, base: { service } });
  processMetricsRegistry();
  return { tracing: await initTracing(config.tracing) };
}
