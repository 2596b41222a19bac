// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text exposition
// format. Enough for /metrics without another dependency.

type TLabels = Record<string, string>;

function labelKey(labels: TLabels): string {
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}=${labels[k]}`).join(",");
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function renderLabels(labels: TLabels, extra?: [string, string]): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k] ?? "")}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return pairs.length > 0 ? `{${pairs.join(",")}}` : "";
}

function formatNumber(n: number): string {
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(12)));
}

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
  ) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`Bad metric name: ${name}`);
  }
  abstract readonly type: "counter" | "gauge" | "histogram";
  abstract renderSamples(): string[];
  render(): string {
    return [`# HELP ${this.name} ${this.help.replace(/\n/g, " ")}`, `# TYPE ${this.name} ${this.type}`, ...this.renderSamples()].join(
      "\n",
    );
  }
}

export class Counter extends Metric {
  readonly type = "counter";
  private readonly values = new Map<string, { labels: TLabels; value: number }>();

  inc(labels: TLabels = {}, by = 1): void {
    if (by < 0) throw new Error("Counters only go up");
    const key = labelKey(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels: { ...labels }, value: by });
  }

  get(labels: TLabels = {}): number {
    return this.values.get(labelKey(labels))?.value ?? 0;
  }

  renderSamples(): string[] {
    return [...this.values.values()].map((e) => `${this.name}${renderLabels(e.labels)} ${formatNumber(e.value)}`);
  }
}

export class Gauge extends Metric {
  readonly type = "gauge";
  private readonly values = new Map<string, { labels: TLabels; value: number }>();
  private collector?: () => number;

  set(value: number, labels: TLabels = {}): void {
    this.values.set(labelKey(labels), { labels: { ...labels }, value });
  }

  inc(labels: TLabels = {}, by = 1): void {
    this.set(this.get(labels) + by, labels);
  }

  dec(labels: TLabels = {}, by = 1): void {
    this.set(this.get(labels) - by, labels);
  }

  get(labels: TLabels = {}): number {
    if (this.collector && Object.keys(labels).length === 0) return this.collector();
    return this.values.get(labelKey(labels))?.value ?? 0;
  }

  // The value is read when scraped (e.g. the number of live sessions), so it can never drift.
  collect(fn: () => number): void {
    this.collector = fn;
  }

  renderSamples(): string[] {
    if (this.collector) return [`${this.name} ${formatNumber(this.collector())}`];
    return [...this.values.values()].map((e) => `${this.name}${renderLabels(e.labels)} ${formatNumber(e.value)}`);
  }
}

export class Histogram extends Metric {
  readonly type = "histogram";
  private readonly series = new Map<string, { labels: TLabels; counts: number[]; sum: number; count: number }>();

  constructor(
    name: string,
    help: string,
    readonly buckets: number[],
  ) {
    super(name, help);
    const sorted = [...buckets].sort((a, b) => a - b);
    if (sorted.some((b, i) => b !== buckets[i])) throw new Error("Histogram buckets must be sorted");
  }

  observe(value: number, labels: TLabels = {}): void {
    if (!Number.isFinite(value)) return;
    const key = labelKey(labels);
    let entry = this.series.get(key);
    if (!entry) {
      entry = { labels: { ...labels }, counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.series.set(key, entry);
    }
    for (let i = 0; i < this.buckets.length; i++) {
      if (value <= (this.buckets[i] as number)) entry.counts[i] = (entry.counts[i] ?? 0) + 1;
    }
    entry.sum += value;
    entry.count += 1;
  }

  count(labels: TLabels = {}): number {
    return this.series.get(labelKey(labels))?.count ?? 0;
  }

  renderSamples(): string[] {
    const lines: string[] = [];
    for (const e of this.series.values()) {
      this.buckets.forEach((b, i) => {
        lines.push(`${this.name}_bucket${renderLabels(e.labels, ["le", formatNumber(b)])} ${e.counts[i] ?? 0}`);
      });
      lines.push(`${this.name}_bucket${renderLabels(e.labels, ["le", "+Inf"])} ${e.count}`);
      lines.push(`${this.name}_sum${renderLabels(e.labels)} ${formatNumber(e.sum)}`);
      lines.push(`${this.name}_count${renderLabels(e.labels)} ${e.count}`);
    }
    return lines;
  }
}

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();

  private add<T extends Metric>(metric: T): T {
    if (this.metrics.has(metric.name)) throw new Error(`Metric ${metric.name} registered twice`);
    this.metrics.set(metric.name, metric);
    return metric;
  }

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }

  gauge(name: string, help: string): Gauge {
    return this.add(new Gauge(name, help));
  }

  histogram(name: string, help: string, buckets: number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }

  render(): string {
    return [...this.metrics.values()].map((m) => m.render()).join("\n\n") + "\n";
  }
}

const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000];

// The voice server's metrics, one set per server instance.
export function createVoiceMetrics() {
  const registry = new MetricsRegistry();
  return {
    registry,
    activeCalls: registry.gauge("voice_active_calls", "Calls with a live media stream on this process."),
    callsStarted: registry.counter("voice_calls_started_total", "Media streams started."),
    callsEnded: registry.counter("voice_calls_ended_total", "Calls ended, by outcome and end reason."),
    webhooks: registry.counter("voice_webhooks_total", "Twilio webhooks handled, by route and result."),
    errors: registry.counter("voice_errors_total", "Errors by stage and kind."),
    stageLatency: registry.histogram(
      "voice_stage_latency_ms",
      "Per-turn latency of each stage, measured from the end of the caller's speech (ms).",
      LATENCY_BUCKETS_MS,
    ),
    voiceToVoice: registry.histogram(
      "voice_to_voice_ms",
      "Caller speech end to the first frame of the reply sent, at the server (ms).",
      LATENCY_BUCKETS_MS,
    ),
    bargeInReaction: registry.histogram(
      "voice_barge_in_reaction_ms",
      "Caller speech onset to clear sent (ms).",
      LATENCY_BUCKETS_MS,
    ),
    greetingStart: registry.histogram(
      "voice_greeting_start_ms",
      "Stream start to the first greeting frame sent (ms).",
      LATENCY_BUCKETS_MS,
    ),
    pacerLateFrames: registry.counter("voice_pacer_late_frames_total", "Outbound frames sent after their play time."),
    dbWriteRetries: registry.counter("voice_db_write_retries_total", "Call-record writes retried after a transient error."),
    eventLoopLagP99: registry.gauge("voice_event_loop_lag_p99_ms", "Event-loop delay p99 since the last scrape (ms)."),
    eventLoopLagMax: registry.gauge("voice_event_loop_lag_max_ms", "Event-loop delay max since the last scrape (ms)."),
    admissionRefused: registry.counter("voice_admission_refused_total", "New calls refused by admission control, by reason (max_calls, loop_delay, cpu)."),
    admissionHeadroom: registry.gauge(
      "voice_admission_headroom_ratio",
      "Smallest margin left under the admission limits, as a fraction of the limit (1 idle, 0 at the limit, below 0 refusing).",
    ),
    admissionLoopDelayP99: registry.gauge("voice_admission_loop_delay_p99_ms", "Event-loop delay p99 over the admission window, beyond the 10 ms sampling interval (ms)."),
    admissionCpu: registry.gauge("voice_admission_cpu_cores", "Process CPU over the admission window, in cores."),
  };
}
export type TVoiceMetrics = ReturnType<typeof createVoiceMetrics>;
