// GET /api/v1/test-runs/{id} - a suite run's status, counts and results (poll until done or failed)
import { getTestRunEndpoint } from "@/lib/api/endpoints/test-runs";
import { apiRoute } from "@/lib/auth/api-key";
import { testRunToApi } from "@/lib/evals/api-view";
import { getTestRun } from "@/lib/evals/runs";

export const GET = apiRoute(getTestRunEndpoint, async ({ db, team }, { params }) => testRunToApi(await getTestRun(db, team.id, params.id)));
