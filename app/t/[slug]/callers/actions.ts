"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { teamAction } from "@/lib/auth/entry-points";
import { parseTagList, updateCaller } from "@/lib/callers/update-caller";

const ZCallerForm = z.object({
  callerId: z.uuid("Unknown caller"),
  name: z.string().max(200, "The name is at most 200 characters."),
  notes: z.string().max(10_000, "Notes are at most 10,000 characters."),
  tags: z.string().max(1000).default(""),
  isVip: z.enum(["on"]).optional(),
  isBlocked: z.enum(["on"]).optional(),
});

export const updateCallerAction = teamAction("callers.edit", ZCallerForm, async (ctx, input) => {
  await updateCaller(ctx.db, {
    teamId: ctx.team.id,
    callerId: input.callerId,
    actor: ctx.actor,
    update: { name: input.name, notes: input.notes, tags: parseTagList(input.tags), isVip: input.isVip === "on", isBlocked: input.isBlocked === "on" },
  });
  revalidatePath(`/t/${ctx.team.slug}/callers/${input.callerId}`);
  return { success: "Caller saved." };
});
