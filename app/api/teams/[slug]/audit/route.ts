// GET /api/teams/:slug/audit - newest audit entries (owners and admins).
import { listAuditLogs } from "@/lib/audit/list-audit";
import { teamRoute } from "@/lib/auth/entry-points";

export const GET = teamRoute("audit.view", async ({ db, team }) => Response.json(await listAuditLogs(db, team.id, { limit: 100 })));
