import { and, asc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "@/db/client";
import { agents } from "@/db/schema";
import { AppError } from "@/lib/errors";

export type TAssignableAgent = { id: string; name: string; isLive: boolean };

// "" from a select means "no agent".
export const zOptionalAgentId = z.preprocess((v) => (v === "" || v === null ? undefined : v), z.uuid("Pick an agent from the list").optional());

// An agent of this team that can answer calls; agents of other teams are "not found", never "forbidden".
export async function findTeamAgent(db: DbOrTx, teamId: string, agentId: string): Promise<TAssignableAgent> {
  const [agent] = await db
    .select({ id: agents.id, name: agents.name, publishedVersionId: agents.publishedVersionId })
    .from(agents)
    .where(and(eq(agents.teamId, teamId), eq(agents.id, agentId), isNull(agents.archivedAt)))
    .limit(1);
  if (!agent) throw new AppError("not_found", "That agent was not found in this team.");
  return { id: agent.id, name: agent.name, isLive: agent.publishedVersionId !== null };
}

export async function listAssignableAgents(db: DbOrTx, teamId: string): Promise<TAssignableAgent[]> {
  const rows = await db
    .select({ id: agents.id, name: agents.name, publishedVersionId: agents.publishedVersionId })
    .from(agents)
    .where(and(eq(agents.teamId, teamId), isNull(agents.archivedAt)))
    .orderBy(asc(agents.name));
  return rows.map((a) => ({ id: a.id, name: a.name, isLive: a.publishedVersionId !== null }));
}

export function notLiveNote(agent: TAssignableAgent | null): string {
  return agent && !agent.isLive ? ` ${agent.name} is not live until it is published.` : "";
}
