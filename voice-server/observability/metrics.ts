import { MetricsRegistry } from "@/lib/observability/metrics";

// The voice server's call metrics, through prom-client (lib/observability/metrics.ts). The names are what
// dashboards and `npm run bench:voice` read: keep them.

const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000];

// The voice server's metrics, one set per server instance.
export function createVoiceMetrics() {
  const registry = new MetricsRegistry();
  return {
    registry,
    activeCalls: registry.gauge("voice_active_calls", "Calls with a live media stream on this process."),
    callsStarted: registry.counter("voice_calls_started_total", "Media streams started."),
    callsEnded: registry.counter("voice_calls_ended_total", "Calls ended, by outcome and end reason.", ["outcome", "reason"]),
    webhooks: registry.counter("voice_webhooks_total", "Twilio webhooks handled, by route and result.", ["route", "result"]),
    errors: registry.counter("voice_errors_total", "Errors by stage and kind.", ["stage", "kind"]),
    stageLatency: registry.histogram(
      "voice_stage_latency_ms",
      "Per-turn latency of each stage, measured from the end of the caller's speech (ms).",
      LATENCY_BUCKETS_MS,
      ["stage"],
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
    preemptiveGenerations: registry.counter(
      "voice_preemptive_generations_total",
      "Replies generated before the caller's turn was over, by outcome (started; then used or discarded: each discarded one is an extra LLM request).",
      ["outcome"],
    ),
    repliesDropped: registry.counter("voice_replies_dropped_total", "Replies dropped before any audio because the caller went on speaking."),
    overlaps: registry.counter(
      "voice_overlap_verdicts_total",
      "Caller sound over the agent after a clear, by verdict (backchannel, noise, interruption) and what followed (resume, answer).",
      ["verdict", "action"],
    ),
    pacerLateFrames: registry.counter("voice_pacer_late_frames_total", "Outbound frames sent after their play time."),
    dbWriteRetries: registry.counter("voice_db_write_retries_total", "Call-record writes retried after a transient error."),
    eventLoopLagP99: registry.gauge("voice_event_loop_lag_p99_ms", "Event-loop delay p99 since the last scrape (ms)."),
    eventLoopLagMax: registry.gauge("voice_event_loop_lag_max_ms", "Event-loop delay max since the last scrape (ms)."),
    admissionRefused: registry.counter("voice_admission_refused_total", "New calls refused by admission control, by reason (max_calls, loop_delay, cpu, pace).", ["reason"]),
    admissionHeadroom: registry.gauge(
      "voice_admission_headroom_ratio",
      "Smallest margin left under the admission limits, as a fraction of the limit (1 idle, 0 at the limit, below 0 refusing).",
    ),
    admissionLoopDelayP99: registry.gauge("voice_admission_loop_delay_p99_ms", "Event-loop delay p99 over the admission window, beyond the 10 ms sampling interval (ms)."),
    admissionCpu: registry.gauge("voice_admission_cpu_cores", "Process CPU over the admission window, in cores."),
  };
}
export type TVoiceMetrics = ReturnType<typeof createVoiceMetrics>;
