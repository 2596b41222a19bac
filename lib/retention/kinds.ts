// The kinds of data a retention policy covers, with their labels: no server imports, so client components use it.

export const RETENTION_KINDS = ["recordings", "transcripts", "calls", "messages", "webhookPayloads", "testCalls"] as const;
export type TRetentionKind = (typeof RETENTION_KINDS)[number];
export type TRetentionPolicy = Record<TRetentionKind, number | null>;

export const RETENTION_DEFAULTS: TRetentionPolicy = {
  recordings: 90,
  transcripts: 365,
  calls: 365,
  messages: 365,
  webhookPayloads: 365,
  testCalls: 365,
};

export const RETENTION_LABELS: Record<TRetentionKind, { label: string; description: string }> = {
  recordings: { label: "Recordings", description: "Call audio on disk or in S3, and voicemails Twilio still holds." },
  transcripts: { label: "Transcripts", description: "What was said in each call (turns) and the call's timeline. The call itself stays." },
  calls: { label: "Calls and analysis", description: "The call records with summaries, sentiment and captured fields. Dashboard totals stay." },
  messages: { label: "Messages", description: "Messages the agent took for the team." },
  webhookPayloads: { label: "Webhook deliveries", description: "Delivered or failed webhook requests with their payloads." },
  testCalls: { label: "Test calls", description: "Calls made from the agent builder in the browser, with everything they hold." },
};

// The audit log is never removed by a purge: it is kept at least this long whatever the policy says.
export const AUDIT_LOG_MIN_RETENTION_DAYS = 365;
export const COUNT_UNITS: Record<TRetentionKind, [string, string]> = {
  recordings: ["recording", "recordings"],
  transcripts: ["transcript turn", "transcript turns"],
  calls: ["call", "calls"],
  messages: ["message", "messages"],
  webhookPayloads: ["webhook delivery", "webhook deliveries"],
  testCalls: ["test call", "test calls"],
};

export function describeCount(kind: TRetentionKind, n: number): string {
  const [one, many] = COUNT_UNITS[kind];
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}
