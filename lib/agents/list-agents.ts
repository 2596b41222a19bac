import { and, asc, count, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { agents, agentVersions, calls, departments, knowledgeEntries, users, type Agent, type AgentVersion } from "@/db/schema";
import { snapshotFingerprint } from "./draft-snapshot";

export type TAgentListItem = {
  id: string;
  name: string;
  templateKey: string | null;
  liveVersion: number | null;
  hasUnpublishedChanges: boolean;
  callCount: number;
  draftUpdatedAt: Date;
};

// The team's agents with their live version and whether the draft differs from it. Drafts are compared by
// fingerprint with document texts hashed in Postgres, so the list never loads the documents themselves.
export async function listAgents(db: DbOrTx, team: { id: string; name: string }): Promise<TAgentListItem[]> {
  const rows = await db
    .select({ agent: agents, live: { version: agentVersions.version, snapshot: agentVersions.snapshot } })
    .from(agents)
    .leftJoin(agentVersions, and(eq(agentVersions.id, agents.publishedVersionId), eq(agentVersions.teamId, agents.teamId)))
    .where(and(eq(agents.teamId, team.id), isNull(agents.archivedAt)))
    .orderBy(desc(agents.createdAt));
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.agent.id);
  const [knowledge, depts, callCounts] = await Promise.all([
    db
      .select({
        agentId: knowledgeEntries.agentId,
        id: knowledgeEntries.id,
        kind: knowledgeEntries.kind,
        title: knowledgeEntries.title,
        contentMd5: sql<string>`md5(${knowledgeEntries.content})`,
      })
      .from(knowledgeEntries)
      .where(and(eq(knowledgeEntries.teamId, team.id), inArray(knowledgeEntries.agentId, ids)))
      .orderBy(asc(knowledgeEntries.createdAt), asc(knowledgeEntries.id)),
    db
      .select()
      .from(departments)
      .where(and(eq(departments.teamId, team.id), inArray(departments.agentId, ids)))
      .orderBy(asc(departments.createdAt), asc(departments.id)),
    db
      .select({ agentId: calls.agentId, n: count() })
      .from(calls)
      .where(and(eq(calls.teamId, team.id), inArray(calls.agentId, ids), eq(calls.isTest, false)))
      .groupBy(calls.agentId),
  ]);
  return rows.map(({ agent, live }) => {
    let hasUnpublishedChanges = true;
    if (live?.snapshot) {
      const draft = snapshotFingerprint({
        agentName: agent.name,
        teamName: team.name,
        config: agent.config,
        knowledge: knowledge.filter((k) => k.agentId === agent.id),
        departments: depts.filter((d) => d.agentId === agent.id),
      });
      hasUnpublishedChanges = draft !== snapshotFingerprint(live.snapshot);
    }
    return {
      id: agent.id,
      name: agent.name,
      templateKey: agent.templateKey,
      liveVersion: live?.version ?? null,
      hasUnpublishedChanges,
      callCount: callCounts.find((c) => c.agentId === agent.id)?.n ?? 0,
      draftUpdatedAt: agent.draftUpdatedAt,
    };
  });
}

export type TVersionListItem = Pick<AgentVersion, "id" | "version" | "note" | "createdAt"> & {
  publishedBy: string | null;
  isLive: boolean;
  callCount: number;
};

export async function listVersions(db: DbOrTx, teamId: string, agent: Pick<Agent, "id" | "publishedVersionId">): Promise<TVersionListItem[]> {
  const [rows, callCounts] = await Promise.all([
    db
      .select({
        id: agentVersions.id,
        version: agentVersions.version,
        note: agentVersions.note,
        createdAt: agentVersions.createdAt,
        publishedBy: users.email,
      })
      .from(agentVersions)
      .leftJoin(users, eq(users.id, agentVersions.publishedById))
      .where(and(eq(agentVersions.teamId, teamId), eq(agentVersions.agentId, agent.id)))
      .orderBy(desc(agentVersions.version)),
    db
      .select({ versionId: calls.agentVersionId, n: count() })
      .from(calls)
      .where(and(eq(calls.teamId, teamId), eq(calls.agentId, agent.id)))
      .groupBy(calls.agentVersionId),
  ]);
  return rows.map((r) => ({
    ...r,
    isLive: r.id === agent.publishedVersionId,
    callCount: callCounts.find((c) => c.versionId === r.id)?.n ?? 0,
  }));
}
