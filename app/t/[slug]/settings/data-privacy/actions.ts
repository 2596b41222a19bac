"use server";
import { revalidatePath } from "next/cache";
import { teamAction } from "@/lib/auth/entry-points";
import { updateRedactionSettings, ZRedactionSettings } from "@/lib/redaction/redaction-settings";

export const updateRedactionAction = teamAction("team.update_settings", ZRedactionSettings, async (ctx, input) => {
  await updateRedactionSettings(ctx.db, ctx.team, ctx.actor, input);
  revalidatePath(`/t/${ctx.team.slug}/settings/data-privacy`);
  return { success: "Redaction settings saved. They apply to new turns within 15 seconds." };
});
