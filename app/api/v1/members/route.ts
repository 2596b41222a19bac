// GET /api/v1/members - the team's members; POST - invite someone and get the invitation link
import { inviteMemberEndpoint, listMembersEndpoint } from "@/lib/api/endpoints/members";
import { toMemberOut } from "@/lib/api/serialize";
import { apiRoute } from "@/lib/auth/api-key";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { createInvitation } from "@/lib/members/invitations";
import { listMembers } from "@/lib/members/members";

export const GET = apiRoute(listMembersEndpoint, async ({ db, team }) => {
  const members = await listMembers(db, team.id);
  return { data: members.map(toMemberOut), next_cursor: null };
});

export const POST = apiRoute(inviteMemberEndpoint, async ({ db, team, actor, role, apiKey }, { body }) => {
  // Invitations name who invited; for a key that is the member who created it.
  if (!apiKey.createdById) throw new AppError("forbidden", "The member who created this API key has left the team. Create a new key.");
  const { token, invitationId } = await createInvitation(db, team, { ...actor, userId: apiKey.createdById, role }, body);
  return { invitation_id: invitationId, email: body.email, role: body.role, invite_url: `${env().APP_URL}/invite/${token}` };
});
