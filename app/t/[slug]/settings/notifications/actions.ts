"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { teamAction } from "@/lib/auth/entry-points";
import { saveNotificationSettings } from "@/lib/notifications/preferences";

const ZForm = z.object({
  emailMode: z.enum(["off", "all", "urgent", "digest"], { error: "Pick when to get emails" }),
  smsMode: z.enum(["off", "all", "urgent"], { error: "Pick when to get text messages" }),
  smsPhone: z.string().max(40).default(""),
});

// Each member's own settings for this team: the signed-in member's, never anyone else's.
export const saveNotificationSettingsAction = teamAction("messages.handle", ZForm, async (ctx, input) => {
  await saveNotificationSettings(ctx.db, { teamId: ctx.team.id, userId: ctx.user.id, settings: input });
  revalidatePath(`/t/${ctx.team.slug}/settings/notifications`);
  return { success: "Notification settings saved." };
});
