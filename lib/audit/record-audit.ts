import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { auditChainHeads, auditLogs } from "@/db/schema";
import { parseIpAddress } from "@/lib/net/ip-address";
import { auditEntryHash, lockChainHead } from "./chain";

export type TAuditActor = { userId?: string; apiKeyId?: string; label: string; ip?: string | null };

export type TAuditEntry = {
  teamId: string;
  actor: TAuditActor;
  action: string;
  targetType: string;
  targetId?: string | null;
  targetLabel?: string | null;
  metadata?: Record<string, unknown>;
};

// Appends one entry to the team's hash chain (lib/audit/chain.ts). Inside a caller's transaction it becomes a
// savepoint and the chain head stays locked until that transaction ends.
export async function recordAudit(db: DbOrTx, entry: TAuditEntry): Promise<void> {
  await db.transaction(async (tx) => {
    const head = await lockChainHead(tx, entry.teamId);
    const seq = head.seq + 1;
    // The row is hashed as Postgres returns it (inet and jsonb normalize what they store), so verify recomputes
    // exactly the same content.
    const [row] = await tx
      .insert(auditLogs)
      .values({
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
        seq,
        prevHash: head.hash,
      })
      .returning();
    if (!row) throw new Error("audit insert returned no row");
    const hash = auditEntryHash(row, head.hash);
    await tx.update(auditLogs).set({ hash }).where(eq(auditLogs.id, row.id));
    await tx.update(auditChainHeads).set({ seq, hash, updatedAt: new Date() }).where(eq(auditChainHeads.teamId, entry.teamId));
  });
}
