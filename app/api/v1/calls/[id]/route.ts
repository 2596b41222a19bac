// GET /api/v1/calls/{id} - one call with its transcript, events and analysis
import { getCallEndpoint } from "@/lib/api/endpoints";
import { toCallDetailOut } from "@/lib/api/serialize";
import { apiRoute } from "@/lib/auth/api-key";
import { getCall } from "@/lib/calls/get-call";

export const GET = apiRoute(getCallEndpoint, async ({ db, team }, { params }) => toCallDetailOut(await getCall(db, team.id, params.id)));
