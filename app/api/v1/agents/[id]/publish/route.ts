// POST /api/v1/agents/{id}/publish - freeze the draft into the next live version
import { publishAgent } from "@/lib/agents/publish-agent";
import { publishAgentEndpoint } from "@/lib/api/endpoints/agents";
import { apiRoute } from "@/lib/auth/api-key";

export const POST = apiRoute(publishAgentEndpoint, async ({ db, team, actor }, { params, body }) => {
  const { version } = await publishAgent(db, team, actor, { agentId: params.id, note: body.note });
  return {
    agent_id: version.agentId,
    version: version.version,
    version_id: version.id,
    note: version.note,
    published_at: version.createdAt.toISOString(),
  };
});
