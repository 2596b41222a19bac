import type { Db } from "@/db/client";
import type { RetentionRun } from "@/db/schema";
import { RETENTION_KINDS, type TRetentionKind, type TRetentionPolicy } from "./kinds";
import { loadRetentionPolicy } from "./policy";
import { EMPTY_COUNTS, previewPurge, type TRetentionCounts } from "./purge";
import { lastRetentionRun } from "./run-retention";
import { nextRetentionRun } from "./schedule";

// What Settings and the API show about a team's retention: the policy, the last run and what the next one removes.

// The dry run touches no store and no Twilio: it only counts rows.
const COUNT_ONLY = { stores: { local: null, s3: null }, twilio: null } as const;

// How many of each kind a count set holds, by policy kind (transcripts are counted in turns).
export function countsByKind(counts: Partial<TRetentionCounts>): Record<TRetentionKind, number> {
  const c = { ...EMPTY_COUNTS, ...counts };
  return {
    recordings: c.recordings,
    transcripts: c.turns,
    calls: c.calls,
    messages: c.messages,
    webhookPayloads: c.webhookDeliveries,
    testCalls: c.testCalls,
  };
}

export type TRetentionSummary = {
  policy: TRetentionPolicy;
  lastRun: RetentionRun | null;
  nextRunAt: Date;
  next: Record<TRetentionKind, number>;
  nextCounts: TRetentionCounts;
};

// The count of the next scheduled run, by the purge's own dry run at that time.
export async function previewNextRun(db: Db, teamId: string, policy?: TRetentionPolicy, now = new Date()) {
  const at = nextRetentionRun(now);
  const { counts } = await previewPurge(db, teamId, COUNT_ONLY, { now: at, policy });
  return { at, counts, byKind: countsByKind(counts) };
}

export async function loadRetentionSummary(db: Db, teamId: string, now = new Date()): Promise<TRetentionSummary> {
  const policy = await loadRetentionPolicy(db, teamId);
  const [lastRun, next] = await Promise.all([lastRetentionRun(db, teamId), previewNextRun(db, teamId, policy, now)]);
  return { policy, lastRun, nextRunAt: next.at, next: next.byKind, nextCounts: next.counts };
}

export { RETENTION_KINDS };
