// GET /api/v1/calls - the team's calls, newest first, with the calls page's filters and cursor pagination (audited)
import { listCallsEndpoint } from "@/lib/api/endpoints/calls";
import { toCallOut } from "@/lib/api/serialize";
import { recordAudit } from "@/lib/audit/record-audit";
import { apiRoute } from "@/lib/auth/api-key";
import { listCalls } from "@/lib/calls/list-calls";

export const GET = apiRoute(listCallsEndpoint, async ({ db, team, actor }, { query }) => {
  const filters = {
    from: query.from,
    to: query.to,
    agentId: query.agent_id,
    phoneNumberId: query.phone_number_id,
    outcome: query.outcome,
    sentiment: query.sentiment,
    topic: query.topic,
    topicClusterId: query.topic_cluster_id,
    q: query.q,
    testCalls: query.test_calls,
  };
  const { calls, nextCursor } = await listCalls(db, team.id, filters, query.cursor, query.limit);
  // Which filters were used and how many calls left, never the transcript search text itself.
  await recordAudit(db, {
    teamId: team.id,
    actor,
    action: "api.calls_listed",
    targetType: "call",
    metadata: { count: calls.length, filters: Object.keys(filters).filter((k) => filters[k as keyof typeof filters] !== undefined) },
  });
  return { data: calls.map(toCallOut), next_cursor: nextCursor };
});
