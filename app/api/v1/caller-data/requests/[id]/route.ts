// GET /api/v1/caller-data/requests/{id} - one request of the register (poll it while an export is built)
import { getPrivacyRequestEndpoint } from "@/lib/api/endpoints/caller-data";
import { apiRoute } from "@/lib/auth/api-key";
import { getPrivacyRequest, toPrivacyRequestOut } from "@/lib/privacy/requests";

export const GET = apiRoute(getPrivacyRequestEndpoint, async ({ db, team }, { params }) => toPrivacyRequestOut(await getPrivacyRequest(db, team.id, params.id)));
