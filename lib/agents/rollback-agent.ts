import { and, eq, notInArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "@/db/client";
import { agents, agentVersions, departments, knowledgeEntries, type AgentVersion } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import type { TAgentSnapshot } from "./config";
import { isUuid, lockAgent } from "./get-agent";

export const ZRollbackInput = z.object({
  versionId: z.uuid("Pick a version"),
  restoreDraft: z
    .string()
    .optional()
    .transform((v) => v === "on" || v === "true"),
});

// Rolling back points the agent at an earlier version: versions stay immutable and numbered as they were, and
// the next call is answered by the old one. With restoreDraft the draft becomes that version too, so the
// builder shows what is live and a later publish starts from it.
export async function rollbackAgent(
  db: Db,
  team: { id: string },
  actor: TAuditActor,
  input: { agentId: string; versionId: string; restoreDraft: boolean },
): Promise<{ version: AgentVersion; previousVersion: number | null }> {
  return db.transaction(async (tx) => {
    const agent = await lockAgent(tx, team.id, input.agentId);
    if (!isUuid(input.versionId)) throw versionNotFound();
    const [target] = await tx
      .select()
      .from(agentVersions)
      .where(and(eq(agentVersions.id, input.versionId), eq(agentVersions.teamId, team.id), eq(agentVersions.agentId, agent.id)))
      .limit(1);
    if (!target) throw versionNotFound();
    const [current] = agent.publishedVersionId
      ? await tx
          .select({ version: agentVersions.version })
          .from(agentVersions)
          .where(and(eq(agentVersions.id, agent.publishedVersionId), eq(agentVersions.teamId, team.id)))
          .limit(1)
      : [];
    if (agent.publishedVersionId === target.id && !input.restoreDraft) {
      throw new AppError("conflict", `Version ${target.version} is already live.`);
    }
    const set: Partial<typeof agents.$inferInsert> = { publishedVersionId: target.id };
    if (input.restoreDraft) {
      set.name = target.snapshot.agentName;
      set.config = target.snapshot.config;
      set.draftUpdatedAt = new Date();
      await restoreDraftLists(tx, { teamId: team.id, agentId: agent.id }, target.snapshot);
    }
    await tx.update(agents).set(set).where(and(eq(agents.id, agent.id), eq(agents.teamId, team.id)));
    await recordAudit(tx, {
      teamId: team.id,
      actor,
      // Restoring the live version itself only throws away draft edits.
      action: agent.publishedVersionId === target.id ? "agent.draft_discarded" : "agent.rolled_back",
      targetType: "agent",
      targetId: agent.id,
      targetLabel: set.name ?? agent.name,
      metadata: {
        changes: { version: { from: current?.version ?? null, to: target.version } },
        draftRestored: input.restoreDraft,
      },
    });
    return { version: target, previousVersion: current?.version ?? null };
  });
}

function versionNotFound(): AppError {
  return new AppError("not_found", "That version does not exist.");
}

// Knowledge keeps its ids (usage counts and call records refer to them); entries added since are removed and
// deleted ones come back. created_at is rewritten to the snapshot's order, which is the order of the list.
async function restoreDraftLists(tx: DbOrTx, scope: { teamId: string; agentId: string }, snapshot: TAgentSnapshot) {
  const inScope = (table: typeof knowledgeEntries | typeof departments) =>
    and(eq(table.teamId, scope.teamId), eq(table.agentId, scope.agentId));
  const knowledgeIds = snapshot.knowledge.map((k) => k.id).filter(isUuid);
  await tx
    .delete(knowledgeEntries)
    .where(knowledgeIds.length > 0 ? and(inScope(knowledgeEntries), notInArray(knowledgeEntries.id, knowledgeIds)) : inScope(knowledgeEntries));
  const base = Date.now();
  for (const [i, item] of snapshot.knowledge.entries()) {
    const values = { kind: item.kind, title: item.title, content: item.content, createdAt: new Date(base + i) };
    await tx
      .insert(knowledgeEntries)
      .values({ ...(isUuid(item.id) ? { id: item.id } : {}), ...scope, ...values })
      .onConflictDoUpdate({
        target: knowledgeEntries.id,
        set: values,
        // An id is only ever reused within the same agent.
        setWhere: sql`${knowledgeEntries.teamId} = ${scope.teamId} and ${knowledgeEntries.agentId} = ${scope.agentId}`,
      });
  }
  // Department names are unique per agent, so the list is replaced rather than merged.
  await tx.delete(departments).where(inScope(departments));
  if (snapshot.departments.length > 0) {
    await tx.insert(departments).values(
      snapshot.departments.map((d, i) => ({
        ...(isUuid(d.id) ? { id: d.id } : {}),
        ...scope,
        name: d.name,
        phoneNumber: d.phoneNumber,
        whenToTransfer: d.whenToTransfer,
        createdAt: new Date(base + i),
      })),
    );
  }
}
