import { describe, expect, it } from "vitest";
import { createVoiceMetrics, MetricsRegistry } from "./metrics";

describe("MetricsRegistry", () => {
  it("renders counters, gauges and histograms in the Prometheus text format", () => {
    const registry = new MetricsRegistry();
    const errors = registry.counter("errors_total", "Errors.");
    errors.inc({ stage: "llm", kind: "timeout" });
    errors.inc({ kind: "timeout", stage: "llm" }, 2);
    errors.inc({ stage: "tts", kind: 'bad "quote"' });
    const live = registry.gauge("live", "Live things.");
    live.collect(() => 7);
    const latency = registry.histogram("latency_ms", "Latency.", [10, 100]);
    latency.observe(5, { stage: "stt" });
    latency.observe(50, { stage: "stt" });
    latency.observe(500, { stage: "stt" });
    const text = registry.render();
    expect(text).toContain("# TYPE errors_total counter");
    expect(text).toContain('errors_total{kind="timeout",stage="llm"} 3');
    expect(text).toContain('errors_total{kind="bad \\"quote\\"",stage="tts"} 1');
    expect(text).toContain("# TYPE live gauge\nlive 7");
    expect(text).toContain('latency_ms_bucket{stage="stt",le="10"} 1');
    expect(text).toContain('latency_ms_bucket{stage="stt",le="100"} 2');
    expect(text).toContain('latency_ms_bucket{stage="stt",le="+Inf"} 3');
    expect(text).toContain('latency_ms_sum{stage="stt"} 555');
    expect(text).toContain('latency_ms_count{stage="stt"} 3');
    expect(text.endsWith("\n")).toBe(true);
  });

  it("refuses bad names, duplicate metrics and counters going down", () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter("bad-name", "x")).toThrow();
    registry.counter("a", "x");
    expect(() => registry.gauge("a", "x")).toThrow(/twice/);
    expect(() => registry.counter("b", "x").inc({}, -1)).toThrow();
    expect(() => registry.histogram("h", "x", [5, 1])).toThrow(/sorted/);
  });

  it("defines the voice server's metric set", () => {
    const metrics = createVoiceMetrics();
    metrics.voiceToVoice.observe(800);
    metrics.bargeInReaction.observe(120);
    const text = metrics.registry.render();
    for (const name of ["voice_active_calls", "voice_to_voice_ms_bucket", "voice_barge_in_reaction_ms_count", "voice_errors_total", "voice_calls_ended_total"]) {
      expect(text).toContain(name);
    }
  });
});
