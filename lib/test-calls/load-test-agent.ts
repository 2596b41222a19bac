import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { memberships, teams } from "@/db/schema";
import { ZAgentSnapshot, type TAgentSnapshot } from "@/lib/agents/config";
import { buildDraftSnapshot, isSameSnapshot } from "@/lib/agents/draft-snapshot";
import { findAgent, getLiveVersion } from "@/lib/agents/get-agent";
import { can } from "@/lib/auth/roles";
import { AppError } from "@/lib/errors";

export type TTestAgent = {
  teamId: string;
  agentId: string;
  snapshot: TAgentSnapshot;
  // The live version, only when the draft is exactly it; a test of unpublished changes belongs to no version.
  agentVersionId: string | null;
};

// What a browser test call runs: the agent's draft, so changes can be tried before they are published.
// userId: the member the call is for, checked again when the ticket is used, so someone removed (or demoted) after
// the ticket was minted cannot open the call with it.
export async function loadTestAgent(db: DbOrTx, input: { teamId: string; agentId: string; userId: string }): Promise<TTestAgent> {
  const [team] = await db
    .select({ id: teams.id, name: teams.name, role: memberships.role })
    .from(teams)
    .innerJoin(memberships, and(eq(memberships.teamId, teams.id), eq(memberships.userId, input.userId)))
    .where(eq(teams.id, input.teamId))
    .limit(1);
  if (team && !can(team.role, "test_calls.start")) throw new AppError("forbidden", "Your role does not allow test calls.");
  const agent = team ? await findAgent(db, team.id, input.agentId) : null;
  if (!team || !agent || agent.archivedAt) throw new AppError("not_found", "That agent does not exist.");
  const draft = await buildDraftSnapshot(db, team, agent);
  const parsed = ZAgentSnapshot.safeParse(draft);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.filter((p) => p !== "config").join(".") || "settings";
    throw new AppError("bad_request", `Fix the agent's settings before testing it (${where}: ${issue?.message ?? "invalid"}).`);
  }
  const live = await getLiveVersion(db, team.id, agent);
  const agentVersionId = live && isSameSnapshot(live.snapshot, parsed.data) ? live.id : null;
  return { teamId: team.id, agentId: agent.id, snapshot: parsed.data, agentVersionId };
}
