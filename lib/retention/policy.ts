import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "@/db/client";
import { retentionPolicies } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { RETENTION_DEFAULTS, RETENTION_KINDS, RETENTION_LABELS, type TRetentionKind, type TRetentionPolicy } from "./kinds";

// A team's retention policy: one period per kind of data, in days, null to keep that kind forever.

export {
  AUDIT_LOG_MIN_RETENTION_DAYS,
  RETENTION_DEFAULTS,
  RETENTION_KINDS,
  RETENTION_LABELS,
  type TRetentionKind,
  type TRetentionPolicy,
} from "./kinds";
export const MAX_RETENTION_DAYS = 3650;

const ZDays = z
  .number({ error: "Enter a number of days, or null to keep forever" })
  .int("Use a whole number of days")
  .min(1, "At least 1 day")
  .max(MAX_RETENTION_DAYS, `At most ${MAX_RETENTION_DAYS} days (10 years); choose keep forever for longer`)
  .nullable();

// A recording or a transcript cannot outlive the call it belongs to: deleting the call deletes them.
function refineNesting(policy: Partial<TRetentionPolicy>, ctx: z.RefinementCtx, merged: TRetentionPolicy): void {
  for (const kind of ["recordings", "transcripts"] as const) {
    const own = merged[kind];
    const calls = merged.calls;
    if (calls !== null && (own === null || own > calls)) {
      ctx.addIssue({
        code: "custom",
        path: [kind in policy ? kind : "calls"],
        message: `${RETENTION_LABELS[kind].label} can't be kept longer than the calls they belong to (${calls} days). Shorten them or keep calls longer.`,
      });
    }
  }
}

export const ZRetentionPolicy = z
  .object(Object.fromEntries(RETENTION_KINDS.map((k) => [k, ZDays])) as Record<TRetentionKind, typeof ZDays>)
  .strict()
  .superRefine((policy, ctx) => refineNesting(policy, ctx, policy));

// A change of some kinds, applied over the current policy; validated as the result.
export function parsePolicyPatch(current: TRetentionPolicy, patch: unknown): z.ZodSafeParseResult<TRetentionPolicy> {
  const partial = z
    .object(Object.fromEntries(RETENTION_KINDS.map((k) => [k, ZDays.optional()])) as Record<TRetentionKind, z.ZodOptional<typeof ZDays>>)
    .strict()
    .superRefine((p, ctx) => refineNesting(p, ctx, { ...current, ...definedOnly(p) }))
    .safeParse(patch);
  if (!partial.success) return partial as z.ZodSafeParseResult<TRetentionPolicy>;
  return { success: true, data: { ...current, ...definedOnly(partial.data) } } as z.ZodSafeParseResult<TRetentionPolicy>;
}

function definedOnly(p: Partial<Record<TRetentionKind, number | null | undefined>>): Partial<TRetentionPolicy> {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as Partial<TRetentionPolicy>;
}

export async function loadRetentionPolicy(db: DbOrTx, teamId: string): Promise<TRetentionPolicy> {
  const [row] = await db.select().from(retentionPolicies).where(eq(retentionPolicies.teamId, teamId)).limit(1);
  if (!row) return { ...RETENTION_DEFAULTS };
  return {
    recordings: row.recordingsDays,
    transcripts: row.transcriptsDays,
    calls: row.callsDays,
    messages: row.messagesDays,
    webhookPayloads: row.webhookPayloadsDays,
    testCalls: row.testCallsDays,
  };
}

function toRow(policy: TRetentionPolicy) {
  return {
    recordingsDays: policy.recordings,
    transcriptsDays: policy.transcripts,
    callsDays: policy.calls,
    messagesDays: policy.messages,
    webhookPayloadsDays: policy.webhookPayloads,
    testCallsDays: policy.testCalls,
  };
}

// Saves a validated policy and records what changed in the audit log. Returns the saved policy.
export async function saveRetentionPolicy(db: Db, teamId: string, actor: TAuditActor, policy: TRetentionPolicy): Promise<TRetentionPolicy> {
  const parsed = ZRetentionPolicy.parse(policy);
  return db.transaction(async (tx) => {
    const current = await loadRetentionPolicy(tx, teamId);
    const changes = Object.fromEntries(
      RETENTION_KINDS.filter((k) => current[k] !== parsed[k]).map((k) => [k, { from: current[k], to: parsed[k] }]),
    );
    if (Object.keys(changes).length === 0) return current;
    const row = toRow(parsed);
    await tx.insert(retentionPolicies).values({ teamId, ...row }).onConflictDoUpdate({ target: retentionPolicies.teamId, set: row });
    await recordAudit(tx, {
      teamId,
      actor,
      action: "retention.policy_changed",
      targetType: "team",
      targetId: teamId,
      metadata: { changes },
    });
    return parsed;
  });
}

// Kinds whose period gets shorter (forever -> days counts as shorter).
export function shortenedKinds(current: TRetentionPolicy, next: TRetentionPolicy): TRetentionKind[] {
  return RETENTION_KINDS.filter((k) => next[k] !== null && (current[k] === null || (next[k] as number) < (current[k] as number)));
}
