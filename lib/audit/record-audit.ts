import type { DbOrTx } from "@/db/client";
import { auditLogs } from "@/db/schema";

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
    ip: normaliseIp(entry.actor.ip),
  });
}

// Keeps the inet column valid: the first address of X-Forwarded-For, without an IPv4 port.
export function normaliseIp(raw: string | null | undefined): string | null {
  const first = raw?.split(",")[0]?.trim();
  if (!first) return null;
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(first);
  const candidate = v4WithPort?.[1] ?? first.replace(/^\[|\]$/g, "");
  return /^[0-9a-fA-F:.]+$/.test(candidate) ? candidate : null;
}
