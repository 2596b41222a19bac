import { createHash } from "node:crypto";
import { and, asc, eq, gt, isNotNull, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { auditChainHeads, auditLogs, type AuditLog } from "@/db/schema";

// Tamper evidence for the audit log. Each team's entries form a chain: entry n stores seq n, the hash of entry n-1
// and sha256(prev_hash + canonical content). Editing, deleting or reordering an entry breaks every link after it;
// deleting the newest entries is caught against audit_chain_heads, which moves with every insert. An attacker with
// write access to the database can rebuild the whole chain, so this proves integrity against edits made outside
// the app (a support engineer's UPDATE, a restored backup), not against a full compromise.

type TChainFields = Pick<
  AuditLog,
  "teamId" | "seq" | "actorUserId" | "actorApiKeyId" | "actorLabel" | "action" | "targetType" | "targetId" | "targetLabel" | "metadata" | "ip" | "createdAt"
>;

// JSON with object keys sorted at every level: jsonb does not keep key order, so the hash must not depend on it.
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function auditEntryHash(entry: TChainFields, prevHash: string): string {
  const content = canonicalJson({
    team_id: entry.teamId,
    seq: entry.seq,
    actor_user_id: entry.actorUserId,
    actor_api_key_id: entry.actorApiKeyId,
    actor_label: entry.actorLabel,
    action: entry.action,
    target_type: entry.targetType,
    target_id: entry.targetId,
    target_label: entry.targetLabel,
    metadata: entry.metadata,
    ip: entry.ip,
    created_at: entry.createdAt.toISOString(),
  });
  return createHash("sha256").update(prevHash).update("\n").update(content).digest("hex");
}

// Takes the team's chain head for the rest of the transaction: concurrent audit writes of one team queue here
// (other teams are not affected). Returns the last seq and hash.
export async function lockChainHead(tx: DbOrTx, teamId: string): Promise<{ seq: number; hash: string }> {
  await tx.insert(auditChainHeads).values({ teamId }).onConflictDoNothing();
  const [head] = await tx
    .select({ seq: auditChainHeads.seq, hash: auditChainHeads.hash })
    .from(auditChainHeads)
    .where(eq(auditChainHeads.teamId, teamId))
    .for("update");
  return head ?? { seq: 0, hash: "" };
}

export type TChainVerification = {
  isIntact: boolean;
  checked: number;
  // Entries written before the chain existed: not covered.
  unchained: number;
  firstBroken: { id: string | null; seq: number; createdAt: Date | null; reason: string } | null;
};

// Walks the team's chain in order and reports the first entry whose link or content does not match.
export async function verifyAuditChain(db: DbOrTx, teamId: string, options: { batchSize?: number } = {}): Promise<TChainVerification> {
  const batchSize = options.batchSize ?? 2000;
  const [unchainedRow] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(auditLogs)
    .where(and(eq(auditLogs.teamId, teamId), isNull(auditLogs.seq)));
  const unchained = unchainedRow?.n ?? 0;
  let expectedSeq = 1;
  let prevHash = "";
  let checked = 0;
  const broken = (row: AuditLog | null, seq: number, reason: string): TChainVerification => ({
    isIntact: false,
    checked,
    unchained,
    firstBroken: { id: row?.id ?? null, seq, createdAt: row?.createdAt ?? null, reason },
  });
  for (;;) {
    const rows = await db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.teamId, teamId), isNotNull(auditLogs.seq), gt(auditLogs.seq, expectedSeq - 1)))
      .orderBy(asc(auditLogs.seq))
      .limit(batchSize);
    for (const row of rows) {
      if (row.seq !== expectedSeq) return broken(row, expectedSeq, `entry ${expectedSeq} is missing (next is ${row.seq})`);
      if (row.prevHash !== prevHash) return broken(row, expectedSeq, "its link to the previous entry does not match");
      if (row.hash !== auditEntryHash(row, prevHash)) return broken(row, expectedSeq, "its content was changed after it was written");
      prevHash = row.hash;
      expectedSeq += 1;
      checked += 1;
    }
    if (rows.length < batchSize) break;
  }
  const [head] = await db.select().from(auditChainHeads).where(eq(auditChainHeads.teamId, teamId));
  const headSeq = head?.seq ?? 0;
  if (headSeq !== expectedSeq - 1 || (head?.hash ?? "") !== prevHash) {
    return broken(null, expectedSeq, `the chain ends at entry ${expectedSeq - 1} but ${headSeq} were written: the newest entries were removed`);
  }
  return { isIntact: true, checked, unchained, firstBroken: null };
}
