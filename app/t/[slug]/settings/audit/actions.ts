"use server";
import { z } from "zod";
import { verifyAuditChain } from "@/lib/audit/chain";
import { recordAudit } from "@/lib/audit/record-audit";
import { teamAction } from "@/lib/auth/entry-points";

export const verifyAuditChainAction = teamAction("audit.view", z.object({}), async (ctx) => {
  const result = await verifyAuditChain(ctx.db, ctx.team.id);
  await recordAudit(ctx.db, {
    teamId: ctx.team.id,
    actor: ctx.actor,
    action: "audit.verified",
    targetType: "audit_log",
    metadata: { intact: result.isIntact, checked: result.checked, first_broken_seq: result.firstBroken?.seq ?? null },
  });
  if (result.isIntact) {
    return { success: `The chain is intact: ${result.checked} entries checked${result.unchained ? ` (${result.unchained} older entries predate the chain and are not covered)` : ""}.` };
  }
  const b = result.firstBroken!;
  return {
    error: `The chain is broken at entry #${b.seq}${b.createdAt ? ` (${b.createdAt.toISOString().replace("T", " ").slice(0, 19)} UTC)` : ""}: ${b.reason}. Entries before it are intact (${result.checked} checked).`,
    data: { brokenId: b.id, brokenSeq: b.seq },
  };
});
