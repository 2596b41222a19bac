// POST /api/v1/agents/{id}/test-runs - queue a run of the agent's test suite (text or voice mode)
import { startTestRunEndpoint } from "@/lib/api/endpoints/test-runs";
import { apiRoute } from "@/lib/auth/api-key";
import { testRunToApi } from "@/lib/evals/api-view";
import { getTestRun } from "@/lib/evals/runs";
import { startTestRun } from "@/lib/evals/web";

export const POST = apiRoute(startTestRunEndpoint, async ({ db, team, actor }, { params, body }) => {
  const run = await startTestRun(db, {
    teamId: team.id,
    agentId: params.id,
    target: body.version,
    mode: body.mode,
    startedById: actor.userId ?? null,
    startedByLabel: actor.label,
  });
  return testRunToApi(await getTestRun(db, team.id, run.id));
});
