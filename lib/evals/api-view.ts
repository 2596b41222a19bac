import type { TTestRunView } from "./runs";
import { summarizeRun } from "./runs";

// A run as the v1 API returns it (snake_case; see ZTestRunOut in lib/api/endpoints/test-runs.ts).
export function testRunToApi(run: TTestRunView) {
  const s = summarizeRun(run);
  return {
    id: s.id,
    agent_id: s.agentId,
    version: s.version,
    agent_version: s.agentVersionNumber,
    mode: s.mode,
    status: s.status,
    passed: s.passed,
    counts: s.counts,
    error: s.error,
    started_by: s.startedBy,
    queued_at: s.queuedAt,
    started_at: s.startedAt,
    finished_at: s.finishedAt,
    results: run.results.map((r) => ({
      scenario_id: r.scenarioId,
      scenario_name: r.scenarioName,
      passed: r.status === "passed",
      error: r.error,
      expectations: r.expectations.map((e) => ({ kind: e.expectation.kind, passed: e.passed, reason: e.reason, ...(e.judgedBy ? { judged_by: e.judgedBy } : {}) })),
      transcript: r.transcript.map((t) => ({
        speaker: t.speaker,
        text: t.text,
        at_ms: Math.round(t.atMs),
        ...(t.said !== undefined ? { said: t.said } : {}),
        ...(t.isInterrupted ? { interrupted: true } : {}),
      })),
      reply_latencies_ms: r.latencies.replyMs.map((ms) => (ms === null ? null : Math.round(ms))),
      greeting_ms: r.latencies.greetingMs === null ? null : Math.round(r.latencies.greetingMs),
      duration_ms: r.durationMs,
      call_id: r.callId,
      has_recording: r.hasRecording,
    })),
  };
}
