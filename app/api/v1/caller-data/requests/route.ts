// GET /api/v1/caller-data/requests - the team's register of caller data requests
import { listPrivacyRequestsEndpoint } from "@/lib/api/endpoints/caller-data";
import { apiRoute } from "@/lib/auth/api-key";
import { listPrivacyRequests, toPrivacyRequestOut } from "@/lib/privacy/requests";

export const GET = apiRoute(listPrivacyRequestsEndpoint, async ({ db, team }) => ({
  data: (await listPrivacyRequests(db, team.id, { limit: 200 })).map((r) => toPrivacyRequestOut(r)),
  next_cursor: null,
}));
