import type { TLogger } from "@/voice-server/observability/log";
import type { TVoiceMetrics } from "@/voice-server/observability/metrics";
import type { TCallTrace } from "@/voice-server/observability/turn-trace";
import { percentile, type CallOutcomeTracker } from "./call-outcome";
import type { CallRecord } from "./call-record";

// The end of a call that went live, on record: the stream_ended event (end reason, outcome, what turn-taking
// did), the finalized call row (outcome, duration, voice-to-voice percentiles, recording), then the recording's
// upload and the call.completed notice once that row is written, the metric, the log line and the trace's end.

export type TCallEndDeps = {
  record: Pick<CallRecord, "event" | "finalize" | "then" | "notify" | "turns">;
  metrics: Pick<TVoiceMetrics, "callsEnded">;
  log: TLogger;
  trace: Pick<TCallTrace, "end"> | null;
  // Told once the finalized row names the call's local recording (moves it to S3 when configured).
  uploadRecording?: (call: { teamId: string; callId: string }) => void;
};

export type TCallEndFacts = {
  call: { teamId: string; callId: string };
  // The reason close() was given; the outcome tracker's first reason wins over it.
  reason: string;
  outcome: Pick<CallOutcomeTracker, "outcome" | "endReason" | "transferredTo">;
  startedAt: Date;
  endedAt: Date;
  voiceToVoiceMs: readonly number[];
  recordingPath: string | null;
  turnTaking: Record<string, unknown>;
  isLlmFallback: boolean;
};

export function recordCallEnd(deps: TCallEndDeps, facts: TCallEndFacts): void {
  const { record } = deps;
  const sorted = [...facts.voiceToVoiceMs].sort((a, b) => a - b);
  const outcome = facts.outcome.outcome();
  const endReason = facts.outcome.endReason ?? facts.reason;
  record.event("status", "stream_ended", { endReason, outcome, turnTaking: facts.turnTaking });
  record.finalize({
    status: "completed",
    outcome,
    endReason,
    endedAt: facts.endedAt,
    durationSec: (facts.endedAt.getTime() - facts.startedAt.getTime()) / 1000,
    transferredTo: facts.outcome.transferredTo,
    recordingPath: facts.recordingPath,
    voiceToVoiceP50Ms: percentile(sorted, 50),
    voiceToVoiceP95Ms: percentile(sorted, 95),
  });
  const { uploadRecording } = deps;
  if (facts.recordingPath && uploadRecording) record.then("recording upload", () => uploadRecording(facts.call));
  record.notify("call.completed");
  deps.metrics.callsEnded.inc({ outcome, reason: endReason });
  deps.log.info("call ended", { outcome, endReason, turns: record.turns, isLlmFallback: facts.isLlmFallback });
  deps.trace?.end({ outcome, endReason, turns: record.turns });
}
