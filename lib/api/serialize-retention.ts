import { AUDIT_LOG_MIN_RETENTION_DAYS } from "@/lib/retention/kinds";
import { EMPTY_COUNTS, type TRetentionCounts } from "@/lib/retention/purge";
import type { TRetentionSummary } from "@/lib/retention/summary";

// A team's retention summary as the API answers it (lib/api/endpoints/retention.ts, ZRetentionPolicyOut).

function countsOut(counts: Partial<TRetentionCounts>) {
  const c = { ...EMPTY_COUNTS, ...counts };
  return {
    recordings: c.recordings,
    transcript_turns: c.turns,
    call_events: c.callEvents,
    calls: c.calls,
    messages: c.messages,
    webhook_deliveries: c.webhookDeliveries,
    test_calls: c.testCalls,
  };
}

export function toRetentionPolicyOut(summary: TRetentionSummary) {
  const { policy, lastRun } = summary;
  return {
    recordings_days: policy.recordings,
    transcripts_days: policy.transcripts,
    calls_days: policy.calls,
    messages_days: policy.messages,
    webhook_payloads_days: policy.webhookPayloads,
    test_calls_days: policy.testCalls,
    audit_log_min_days: AUDIT_LOG_MIN_RETENTION_DAYS,
    last_purge: lastRun
      ? { finished_at: lastRun.finishedAt.toISOString(), status: lastRun.status, counts: countsOut(lastRun.counts), errors: lastRun.errors }
      : null,
    next_purge: { at: summary.nextRunAt.toISOString(), counts: countsOut(summary.nextCounts) },
  };
}
