import { collectDefaultMetrics, Counter as PromCounter, Gauge as PromGauge, Histogram as PromHistogram, Registry } from "prom-client";

// Prometheus metrics through prom-client. Each process exposes its process registry (CPU, memory, GC, event-loop
// delay, handles: prom-client's default metrics, registered once per process) plus the registries of what it
// runs (a voice server's call metrics, a worker's job metrics), concatenated at scrape time.
//
// The small wrappers below keep the call sites' API (`inc(labels, by)`, `observe(value, labels)`,
// `collect(fn)`): the hot path reads the same as before the move to prom-client, and label names are declared
// once where the metric is defined.

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

type TLabels = Record<string, string>;

// On globalThis: Next.js re-evaluates modules in development, and default metrics must not be registered twice.
const PROCESS_REGISTRY = Symbol.for("aica.processMetricsRegistry");
export function processMetricsRegistry(): Registry {
  const holder = globalThis as { [PROCESS_REGISTRY]?: Registry };
  if (!holder[PROCESS_REGISTRY]) {
    const registry = new Registry();
    // prom-client samples event-loop delay with a timer of its own; at its default 10 ms that wakes the process
    // 100 times a second, which bench:voice measured as about 5% more CPU per call-minute at low load. 100 ms is
    // plenty for a scraped gauge; the voice server keeps its own 10 ms histogram for admission and its gauges.
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
    holder[PROCESS_REGISTRY] = registry;
  }
  return holder[PROCESS_REGISTRY];
}

// The Prometheus text for the given registries, the process registry first.
export async function renderMetrics(registries: Registry[] = []): Promise<string> {
  const texts = await Promise.all([processMetricsRegistry(), ...registries].map((r) => r.metrics()));
  return texts.map((t) => (t.endsWith("\n") ? t : `${t}\n`)).join("\n");
}

export class Counter {
  constructor(private readonly metric: PromCounter<string>) {}
  inc(labels?: TLabels, by = 1): void {
    if (labels) this.metric.inc(labels, by);
    else this.metric.inc(by);
  }
}

export class Gauge {
  private collector: (() => number | Promise<number>) | null = null;
  readonly metric: PromGauge<string>;
  constructor(config: { name: string; help: string; labelNames: string[]; registers: Registry[] }) {
    const read = () => this.collector?.();
    this.metric = new PromGauge({
      ...config,
      // The value is read when scraped (e.g. the number of live sessions), so it can never drift.
      collect() {
        const value = read();
        if (value instanceof Promise) return value.then((v) => this.set(v));
        if (value !== undefined) this.set(value);
      },
    });
  }
  set(value: number, labels?: TLabels): void {
    if (labels) this.metric.set(labels, value);
    else this.metric.set(value);
  }
  inc(labels?: TLabels, by = 1): void {
    if (labels) this.metric.inc(labels, by);
    else this.metric.inc(by);
  }
  dec(labels?: TLabels, by = 1): void {
    if (labels) this.metric.dec(labels, by);
    else this.metric.dec(by);
  }
  // `fn` may be async (a database count): the scrape waits for it.
  collect(fn: () => number | Promise<number>): void {
    this.collector = fn;
  }
}

export class Histogram {
  constructor(private readonly metric: PromHistogram<string>) {}
  observe(value: number, labels?: TLabels): void {
    // A stage that never happened (NaN from a missing timestamp) is not a sample.
    if (!Number.isFinite(value)) return;
    if (labels) this.metric.observe(labels, value);
    else this.metric.observe(value);
  }
}

export class MetricsRegistry {
  readonly registry = new Registry();

  counter(name: string, help: string, labelNames: string[] = []): Counter {
    return new Counter(new PromCounter({ name, help, labelNames, registers: [this.registry] }));
  }

  gauge(name: string, help: string, labelNames: string[] = []): Gauge {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  histogram(name: string, help: string, buckets: number[], labelNames: string[] = []): Histogram {
    const sorted = [...buckets].sort((a, b) => a - b);
    if (sorted.some((b, i) => b !== buckets[i])) throw new Error("Histogram buckets must be sorted");
    return new Histogram(new PromHistogram({ name, help, buckets, labelNames, registers: [this.registry] }));
  }

  // This registry's metrics only (no process metrics): for tests and for merging.
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
