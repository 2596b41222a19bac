// GET /api/teams/:slug/members - the team's members (session auth).
import { teamRoute } from "@/lib/auth/entry-points";
import { listMembers } from "@/lib/members/members";

export const GET = teamRoute("team.view", async ({ db, team }) => Response.json({ members: await listMembers(db, team.id) }));
