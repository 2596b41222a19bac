// GET /api/v1/messages - the inbox: urgent first, then newest, with the inbox page's filters
import { listMessagesEndpoint } from "@/lib/api/endpoints/callers-messages";
import { apiRoute } from "@/lib/auth/api-key";
import { listMessages } from "@/lib/inbox/list-messages";
import { toMessageOut } from "@/lib/inbox/serialize";

export const GET = apiRoute(listMessagesEndpoint, async ({ db, team }, { query }) => {
  const page = await listMessages(
    db,
    team.id,
    {
      status: query.status,
      assignee: query.assignee_id,
      department: query.department,
      from: query.from,
      to: query.to,
      isUrgent: query.urgent === undefined ? undefined : query.urgent === "true",
      callerId: query.caller_id,
    },
    query.page,
    query.limit,
  );
  return { data: page.items.map(toMessageOut), total: page.total, page: page.page };
});
