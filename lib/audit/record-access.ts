import { and, desc, eq, gt, isNull } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { auditLogs } from "@/db/schema";
import { recordAudit, type TAuditEntry } from "./record-audit";

// Access events (a call's page viewed, a recording played): one entry per actor, target and action within
// `windowMs`, so a player's range requests or a live call page refreshing every few seconds leave one line, not
// hundreds. Fails closed like every audit write: a read whose trace cannot be written is not served.
export async function recordAccessOnce(db: DbOrTx, entry: TAuditEntry & { targetId: string }, windowMs = 10 * 60_000): Promise<void> {
  const actorMatch = entry.actor.apiKeyId
    ? eq(auditLogs.actorApiKeyId, entry.actor.apiKeyId)
    : entry.actor.userId
      ? and(eq(auditLogs.actorUserId, entry.actor.userId), isNull(auditLogs.actorApiKeyId))
      : eq(auditLogs.actorLabel, entry.actor.label);
  const [recent] = await db
    .select({ id: auditLogs.id })
    .from(auditLogs)
    .where(
      and(
        eq(auditLogs.teamId, entry.teamId),
        gt(auditLogs.createdAt, new Date(Date.now() - windowMs)),
        eq(auditLogs.action, entry.action),
        eq(auditLogs.targetId, entry.targetId),
        actorMatch,
      ),
    )
    .orderBy(desc(auditLogs.createdAt))
    .limit(1);
  if (recent) return;
  await recordAudit(db, entry);
}
