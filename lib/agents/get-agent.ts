import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { agents, agentVersions, type Agent, type AgentVersion } from "@/db/schema";
import { AppError } from "@/lib/errors";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

// The agent, only if it belongs to the team. Another team's id answers exactly like an unknown one.
export async function findAgent(db: DbOrTx, teamId: string, agentId: string): Promise<Agent | null> {
  if (!isUuid(agentId)) return null;
  const [agent] = await db
    .select()
    .from(agents)
    .where(and(eq(agents.id, agentId), eq(agents.teamId, teamId)))
    .limit(1);
  return agent ?? null;
}

export async function getAgent(db: DbOrTx, teamId: string, agentId: string): Promise<Agent> {
  const agent = await findAgent(db, teamId, agentId);
  if (!agent || agent.archivedAt) throw new AppError("not_found", "That agent does not exist.");
  return agent;
}

// Row lock for changes that read then write the agent (publish, rollback), so two admins cannot interleave.
export async function lockAgent(db: DbOrTx, teamId: string, agentId: string): Promise<Agent> {
  if (!isUuid(agentId)) throw new AppError("not_found", "That agent does not exist.");
  const [agent] = await db
    .select()
    .from(agents)
    .where(and(eq(agents.id, agentId), eq(agents.teamId, teamId)))
    .for("update")
    .limit(1);
  if (!agent || agent.archivedAt) throw new AppError("not_found", "That agent does not exist.");
  return agent;
}

// Knowledge and department edits change the draft as much as config edits do.
export async function touchDraft(db: DbOrTx, scope: { teamId: string; agentId: string }): Promise<void> {
  await db
    .update(agents)
    .set({ draftUpdatedAt: new Date() })
    .where(and(eq(agents.id, scope.agentId), eq(agents.teamId, scope.teamId)));
}

// The version live calls use now, or null before the first publish.
export async function getLiveVersion(
  db: DbOrTx,
  teamId: string,
  agent: Pick<Agent, "publishedVersionId">,
): Promise<AgentVersion | null> {
  if (!agent.publishedVersionId) return null;
  const [row] = await db
    .select()
    .from(agentVersions)
    .where(and(eq(agentVersions.id, agent.publishedVersionId), eq(agentVersions.teamId, teamId)))
    .limit(1);
  return row ?? null;
}
