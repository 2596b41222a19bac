// GET /api/v1/messages/{id} - one inbox message; PATCH - change its status, assignee, callback time or notes
import { getMessageEndpoint, updateMessageEndpoint } from "@/lib/api/endpoints/callers-messages";
import { apiRoute } from "@/lib/auth/api-key";
import { getMessage } from "@/lib/inbox/list-messages";
import { toMessageOut } from "@/lib/inbox/serialize";
import { updateMessages } from "@/lib/inbox/update-messages";

export const GET = apiRoute(getMessageEndpoint, async ({ db, team }, { params }) => toMessageOut(await getMessage(db, team.id, params.id)));

export const PATCH = apiRoute(updateMessageEndpoint, async ({ db, team, actor }, { params, body }) => {
  const [updated] = await updateMessages(db, {
    teamId: team.id,
    messageIds: [params.id],
    actor,
    change: { status: body.status, assigneeId: body.assignee_id, callbackAt: body.callback_at === undefined ? undefined : body.callback_at, notes: body.notes },
  });
  return toMessageOut(updated!);
});
