// GET /api/v1/analytics/timeseries - one metric per hour, day or week
import { analyticsTimeseries, resolveRange } from "@/lib/api/analytics";
import { analyticsTimeseriesEndpoint } from "@/lib/api/endpoints/analytics";
import { apiRoute } from "@/lib/auth/api-key";

export const GET = apiRoute(analyticsTimeseriesEndpoint, async ({ db, team }, { query }) =>
  analyticsTimeseries(db, team.id, { ...resolveRange(query), metric: query.metric, interval: query.interval }),
);
