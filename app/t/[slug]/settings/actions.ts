"use server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { teamAction } from "@/lib/auth/entry-points";
import { env } from "@/lib/env";
import { isAppError } from "@/lib/errors";
import { setTestsRequiredToPublish } from "@/lib/evals/publish-gate";
import { createInvitation, revokeInvitation, ZInvite } from "@/lib/members/invitations";
import { changeMemberRole, removeMember } from "@/lib/members/members";
import { sendInvitationEmail } from "@/lib/members/send-invitation-email";
import { webRecordingStores } from "@/lib/recordings/web-stores";
import { deleteTeam, ZDeleteTeam } from "@/lib/teams/delete-team";
import { updateTeamSettings, ZTeamSettings } from "@/lib/teams/update-team-settings";
import { updateTransferCountries, ZTransferCountries } from "@/lib/telephony/transfer-policy";

export const updateTeamSettingsAction = teamAction("team.update_settings", ZTeamSettings, async (ctx, input) => {
  try {
    await updateTeamSettings(ctx.db, ctx.team, ctx.actor, input, env().PLATFORM_MAX_CONCURRENT_CALLS_PER_TEAM);
  } catch (error) {
    const field = isAppError(error) ? String(error.details?.field ?? "") : "";
    if (isAppError(error) && (field === "concurrentCallLimit" || field === "timeZone")) {
      return {
        error: error.message,
        fieldErrors: { [field]: error.message },
        values: { ...input, concurrentCallLimit: String(input.concurrentCallLimit), timeZone: input.timeZone ?? "" },
      };
    }
    throw error;
  }
  revalidatePath(`/t/${ctx.team.slug}`, "layout");
  return { success: "Settings saved." };
});

export const updateTransferCountriesAction = teamAction(
  "team.update_settings",
  z.object({ transferCountries: ZTransferCountries }),
  async (ctx, input) => {
    await updateTransferCountries(ctx.db, ctx.team, ctx.actor, input.transferCountries);
    revalidatePath(`/t/${ctx.team.slug}/settings`);
    return { success: input.transferCountries ? "Transfer countries saved." : "Transfer countries reset to the default." };
  },
);

export const updatePublishGateAction = teamAction(
  "team.update_settings",
  z.object({ publishGate: z.enum(["optional", "required"], { error: "Pick whether tests are required." }) }),
  async (ctx, input) => {
    await setTestsRequiredToPublish(ctx.db, ctx.team, ctx.actor, input.publishGate === "required");
    revalidatePath(`/t/${ctx.team.slug}`, "layout");
    return {
      success:
        input.publishGate === "required"
          ? "Publishing now requires every test scenario to pass on the draft being published."
          : "Publishing offers the test suite but no longer requires it.",
    };
  },
);

export const inviteMemberAction = teamAction("members.invite", ZInvite, async (ctx, input) => {
  const { token } = await createInvitation(ctx.db, ctx.team, { ...ctx.actor, userId: ctx.user.id, role: ctx.role }, input);
  const link = `${env().APP_URL}/invite/${token}`;
  const mail = await sendInvitationEmail({ to: input.email, teamName: ctx.team.name, inviterEmail: ctx.user.email, link });
  revalidatePath(`/t/${ctx.team.slug}/settings/members`);
  return {
    success: mail.isSent ? `Invitation emailed to ${input.email}.` : `Invitation created for ${input.email}. Copy the link and send it to them.`,
    data: { link },
  };
});

const ZMemberTarget = z.object({ userId: z.string().min(1) });

export const changeRoleAction = teamAction(
  "members.change_role",
  ZMemberTarget.extend({ role: z.enum(["owner", "admin", "member", "viewer"]) }),
  async (ctx, input) => {
    await changeMemberRole(ctx.db, ctx.team.id, input.userId, input.role, ctx.actor);
    revalidatePath(`/t/${ctx.team.slug}/settings/members`);
    return { success: "Role updated." };
  },
);

export const removeMemberAction = teamAction("members.remove", ZMemberTarget, async (ctx, input) => {
  await removeMember(ctx.db, ctx.team.id, input.userId, ctx.actor);
  revalidatePath(`/t/${ctx.team.slug}/settings/members`);
  return { success: "Member removed." };
});

export const revokeInvitationAction = teamAction("members.invite", z.object({ invitationId: z.uuid() }), async (ctx, input) => {
  await revokeInvitation(ctx.db, ctx.team.id, input.invitationId, ctx.actor);
  revalidatePath(`/t/${ctx.team.slug}/settings/members`);
  return { success: "Invitation revoked." };
});

export const deleteTeamAction = teamAction("team.delete", ZDeleteTeam, async (ctx, input) => {
  await deleteTeam(ctx.db, { team: ctx.team, confirmation: input.confirmation, stores: webRecordingStores() });
  revalidatePath("/", "layout");
  // The member's next team, or creating one.
  redirect("/dashboard");
});
