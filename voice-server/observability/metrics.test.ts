import { describe, expect, it } from "vitest";
import { MetricsRegistry, renderMetrics } from "@/lib/observability/metrics";
import { createVoiceMetrics } from "./metrics";

describe("voice metrics through prom-client", () => {
  it("keeps the call-site API: counters with labels, collected gauges, histograms with labels", async () => {
    const registry = new MetricsRegistry();
    const errors = registry.counter("errors_total", "Errors.", ["stage", "kind"]);
    errors.inc({ stage: "llm", kind: "timeout" });
    errors.inc({ kind: "timeout", stage: "llm" }, 2);
    errors.inc({ stage: "tts", kind: 'bad "quote"' });
    const live = registry.gauge("live", "Live things.");
    live.collect(() => 7);
    const latency = registry.histogram("latency_ms", "Latency.", [10, 100], ["stage"]);
    latency.observe(5, { stage: "stt" });
    latency.observe(50, { stage: "stt" });
    latency.observe(500, { stage: "stt" });
    latency.observe(Number.NaN, { stage: "stt" });
    const text = await registry.render();
    expect(text).toContain("# TYPE errors_total counter");
    expect(text).toContain('errors_total{stage="llm",kind="timeout"} 3');
    expect(text).toContain('errors_total{stage="tts",kind="bad \\"quote\\""} 1');
    expect(text).toContain("# TYPE live gauge\nlive 7");
    expect(text).toContain('latency_ms_bucket{le="10",stage="stt"} 1');
    expect(text).toContain('latency_ms_bucket{le="100",stage="stt"} 2');
    expect(text).toContain('latency_ms_bucket{le="+Inf",stage="stt"} 3');
    expect(text).toContain('latency_ms_sum{stage="stt"} 555');
    expect(text).toContain('latency_ms_count{stage="stt"} 3');
  });

  it("refuses bad names, duplicates, undeclared labels, counters going down and unsorted buckets", () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter("bad-name", "x")).toThrow();
    registry.counter("a", "x");
    expect(() => registry.gauge("a", "x")).toThrow(/already been registered/);
    expect(() => registry.counter("b", "x").inc(undefined, -1)).toThrow();
    expect(() => registry.counter("c", "x", ["stage"]).inc({ stage: "llm", kind: "x" })).toThrow(/not included/);
    expect(() => registry.histogram("h", "x", [5, 1])).toThrow(/sorted/);
  });

  it("defines the metric names dashboards and bench:voice read, next to the process metrics", async () => {
    const metrics = createVoiceMetrics();
    metrics.voiceToVoice.observe(800);
    metrics.bargeInReaction.observe(120);
    metrics.pacerLateFrames.inc();
    metrics.eventLoopLagP99.set(12.5);
    metrics.callsEnded.inc({ outcome: "completed", reason: "caller_hangup" });
    metrics.webhooks.inc({ route: "voice", result: "connected" });
    metrics.errors.inc({ stage: "llm", kind: "timeout" });
    metrics.stageLatency.observe(40, { stage: "endpointing" });
    const text = await renderMetrics([metrics.registry.registry]);
    for (const name of [
      "voice_active_calls",
      "voice_calls_started_total",
      "voice_to_voice_ms_bucket",
      "voice_barge_in_reaction_ms_count",
      "voice_greeting_start_ms",
      "voice_stage_latency_ms_bucket",
      "voice_errors_total",
      "voice_webhooks_total",
      "voice_calls_ended_total",
      "voice_db_write_retries_total",
      "voice_pacer_late_frames_total 1",
      "voice_event_loop_lag_p99_ms 12.5",
      "voice_event_loop_lag_max_ms",
      // prom-client's default metrics: process, GC, event loop
      "process_cpu_seconds_total",
      "process_resident_memory_bytes",
      "nodejs_eventloop_lag_p99_seconds",
      "nodejs_gc_duration_seconds",
      "nodejs_heap_size_used_bytes",
    ]) {
      expect(text).toContain(name);
    }
  });
});
