// GET /api/v1/analytics/summary - call counts, outcomes and sentiment for a period
import { analyticsSummary, resolveRange } from "@/lib/api/analytics";
import { analyticsSummaryEndpoint } from "@/lib/api/endpoints/analytics";
import { apiRoute } from "@/lib/auth/api-key";

export const GET = apiRoute(analyticsSummaryEndpoint, async ({ db, team }, { query }) => analyticsSummary(db, team.id, resolveRange(query)));
