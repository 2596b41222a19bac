// GET /api/v1/callers - the team's callers, most recent first; search by number in any format or by name
import { listCallersEndpoint } from "@/lib/api/endpoints/callers-messages";
import { apiRoute } from "@/lib/auth/api-key";
import { listCallers } from "@/lib/callers/list-callers";
import { toCallerOut } from "@/lib/inbox/serialize";

export const GET = apiRoute(listCallersEndpoint, async ({ db, team }, { query }) => {
  const page = await listCallers(db, team.id, { q: query.q, flag: query.flag, tag: query.tag?.toLowerCase() }, query.cursor ?? null, query.limit);
  return { data: page.callers.map(toCallerOut), next_cursor: page.nextCursor };
});
