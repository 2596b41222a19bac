// DELETE /api/v1/members/{user_id} - remove a member; needs members.remove (owners), which no API key has today
import { removeMemberEndpoint } from "@/lib/api/endpoints/members";
import { apiRoute } from "@/lib/auth/api-key";
import { AppError } from "@/lib/errors";
import { listMembers, removeMember } from "@/lib/members/members";

export const DELETE = apiRoute(removeMemberEndpoint, async ({ db, team, actor }, { params }) => {
  const member = (await listMembers(db, team.id)).find((m) => m.userId === params.user_id);
  if (!member) throw new AppError("not_found", "Member not found.");
  await removeMember(db, team.id, member.userId, actor);
  return null;
});
