// GET /api/v1/agents - the team's agents with their live version
import { listAgents } from "@/lib/agents/list-agents";
import { listAgentsEndpoint } from "@/lib/api/endpoints/agents";
import { toAgentOut } from "@/lib/api/serialize";
import { apiRoute } from "@/lib/auth/api-key";

export const GET = apiRoute(listAgentsEndpoint, async ({ db, team }) => {
  const agents = await listAgents(db, team);
  return { data: agents.map(toAgentOut), next_cursor: null };
});
