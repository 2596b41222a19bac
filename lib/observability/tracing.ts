import { context, trace, type Tracer } from "@opentelemetry/api";
import type { SpanExporter, TracerProvider } from "@opentelemetry/sdk-trace";

// OpenTelemetry tracing for one process, set up once at start. With no OTEL_EXPORTER_OTLP_ENDPOINT nothing is
// registered: the @opentelemetry/api calls elsewhere are no-ops, and code on the hot path asks getTracer()
// (a null check) before building anything, so tracing that is off costs nothing. Nor is the SDK and its OTLP
// exporter loaded then (about 5 MB of heap a voice server would otherwise carry through every collection).

export type TTracingConfig = {
  serviceName: string;
  // OTLP/HTTP base URL; spans go to `${endpoint}/v1/traces`.
  endpoint?: string;
  headers?: Record<string, string>;
  // Instead of OTLP (tests: an InMemorySpanExporter). Exported span by span, not in batches.
  exporter?: SpanExporter;
};

export type TTracing = {
  readonly isEnabled: boolean;
  forceFlush(): Promise<void>;
  // Exports what is buffered, then unregisters.
  shutdown(): Promise<void>;
};

let provider: TracerProvider | null = null;

const DISABLED: TTracing = { isEnabled: false, forceFlush: async () => {}, shutdown: async () => {} };

export async function initTracing(config: TTracingConfig | null): Promise<TTracing> {
  if (!config || (!config.endpoint && !config.exporter)) return DISABLED;
  const [{ AsyncLocalStorageContextManager }, { OTLPTraceExporter }, { resourceFromAttributes }, { BatchSpanProcessor, SimpleSpanProcessor, TracerProvider }, { ATTR_SERVICE_NAME }] =
    await Promise.all([
      import("@opentelemetry/context-async-hooks"),
      import("@opentelemetry/exporter-trace-otlp-http"),
      import("@opentelemetry/resources"),
      import("@opentelemetry/sdk-trace"),
      import("@opentelemetry/semantic-conventions"),
    ]);
  if (provider) throw new Error("Tracing is already initialized in this process");
  const processor = config.exporter
    ? new SimpleSpanProcessor({ exporter: config.exporter })
    : new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${(config.endpoint as string).replace(/\/+$/, "")}/v1/traces`, headers: config.headers }),
        // A collector outage must not grow memory: past this many waiting spans, new ones are dropped.
        maxQueueSize: 4096,
        scheduledDelayMillis: 2_000,
      });
  const own = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName }),
    spanProcessors: [processor],
  });
  trace.setGlobalTracerProvider(own);
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  provider = own;
  return {
    isEnabled: true,
    forceFlush: () => own.forceFlush(),
    async shutdown() {
      if (provider !== own) return;
      provider = null;
      await own.shutdown();
      trace.disable();
      context.disable();
    },
  };
}

// The tracer for `name`, or null when tracing is off: callers skip all span work on null.
export function getTracer(name: string): Tracer | null {
  return provider ? provider.getTracer(name) : null;
}
