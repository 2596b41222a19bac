// GET /api/v1/agents/{id} - one agent with its draft settings; PATCH - update the draft
import { getAgent, getLiveVersion } from "@/lib/agents/get-agent";
import { updateAgentDraft } from "@/lib/agents/update-agent-draft";
import { getAgentEndpoint, updateAgentEndpoint } from "@/lib/api/endpoints/agents";
import { toAgentDetailOut } from "@/lib/api/serialize";
import { apiRoute } from "@/lib/auth/api-key";

export const GET = apiRoute(getAgentEndpoint, async ({ db, team }, { params }) => {
  const agent = await getAgent(db, team.id, params.id);
  return toAgentDetailOut(agent, await getLiveVersion(db, team.id, agent));
});

export const PATCH = apiRoute(updateAgentEndpoint, async ({ db, team, actor }, { params, body }) => {
  const config = Object.fromEntries(Object.entries(body.config ?? {}).filter(([, v]) => v !== undefined));
  const { agent } = await updateAgentDraft(db, { teamId: team.id, agentId: params.id }, actor, { name: body.name, config });
  return toAgentDetailOut(agent, await getLiveVersion(db, team.id, agent));
});
