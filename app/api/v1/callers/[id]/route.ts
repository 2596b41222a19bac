// GET /api/v1/callers/{id} - one caller; PATCH - change its name, notes, tags or flags
import { getCallerEndpoint, updateCallerEndpoint } from "@/lib/api/endpoints/callers-messages";
import { apiRoute } from "@/lib/auth/api-key";
import { getCaller } from "@/lib/callers/get-caller";
import { updateCaller } from "@/lib/callers/update-caller";
import { toCallerOut } from "@/lib/inbox/serialize";

export const GET = apiRoute(getCallerEndpoint, async ({ db, team }, { params }) => toCallerOut(await getCaller(db, team.id, params.id)));

export const PATCH = apiRoute(updateCallerEndpoint, async ({ db, team, actor }, { params, body }) => {
  const updated = await updateCaller(db, {
    teamId: team.id,
    callerId: params.id,
    actor,
    update: { name: body.name, notes: body.notes, tags: body.tags, isVip: body.is_vip, isBlocked: body.is_blocked },
  });
  return toCallerOut(updated);
});
