import type { DbOrTx } from "@/db/client";
import { auditLogs } from "@/db/schema";
import { parseIpAddress } from "@/lib/net/ip-address";

export type TAuditActor = { userId?: string; apiKeyId?: string; label: string; ip?: string | null };

export async function recordAudit(
  db: DbOrTx,
  entry: {
    teamId: string;
    actor: TAuditActor;
    action: string;
    targetType: string;
    targetId?: string | null;
    targetLabel?: string | null;
    metadata?: Record<string, unknown>;
  },
): Promise<void> {
  await db.insert(auditLogs).values({
    teamId: entry.teamId,
    actorUserId: entry.actor.userId ?? null,
    actorApiKeyId: entry.actor.apiKeyId ?? null,
    actorLabel: entry.actor.label,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId ?? null,
    targetLabel: entry.targetLabel ?? null,
    metadata: entry.metadata ?? {},
    // Validated again here: whatever a caller passes, a malformed address is stored as null, never a failed write.
    ip: parseIpAddress(entry.actor.ip),
  });
}
