"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { teamAction } from "@/lib/auth/entry-points";
import { MESSAGE_STATUSES } from "@/lib/inbox/list-messages";
import { updateMessages } from "@/lib/inbox/update-messages";
import { teamTimeZone } from "@/lib/teams/time-zone";
import { fromLocalInputValue } from "@/lib/time/zone";

const ZMessageForm = z.object({
  messageId: z.uuid("Unknown message"),
  status: z.enum(MESSAGE_STATUSES),
  assigneeId: z.string().max(100).default(""),
  // A datetime-local value on the team's clocks (the form says which zone).
  callbackAt: z.string().max(40).default(""),
  notes: z.string().max(10_000, "Notes are at most 10,000 characters.").default(""),
});

export const updateMessageAction = teamAction("messages.handle", ZMessageForm, async (ctx, input) => {
  const callbackAt = input.callbackAt ? fromLocalInputValue(await teamTimeZone(ctx.db, ctx.team), input.callbackAt) : null;
  if (input.callbackAt && !callbackAt) return { error: "Please fix the highlighted fields.", fieldErrors: { callbackAt: "Give a valid date and time." } };
  await updateMessages(ctx.db, {
    teamId: ctx.team.id,
    messageIds: [input.messageId],
    actor: ctx.actor,
    change: { status: input.status, assigneeId: input.assigneeId || null, callbackAt, notes: input.notes },
  });
  revalidatePath(`/t/${ctx.team.slug}`, "layout");
  return { success: "Saved." };
});

const ZBulkForm = z.object({
  messageIds: z
    .string()
    .min(1, "Select at least one message.")
    .transform((v) => v.split(",").filter(Boolean)),
  operation: z.enum(["assign", "handled", "spam", "new"]),
  assigneeId: z.string().max(100).default(""),
});

export const bulkMessagesAction = teamAction("messages.handle", ZBulkForm, async (ctx, input) => {
  if (input.operation === "assign" && !input.assigneeId) return { error: "Choose a member to assign to." };
  const change =
    input.operation === "assign" ? { assigneeId: input.assigneeId } : { status: input.operation === "new" ? ("new" as const) : input.operation };
  const updated = await updateMessages(ctx.db, { teamId: ctx.team.id, messageIds: input.messageIds, actor: ctx.actor, change });
  revalidatePath(`/t/${ctx.team.slug}`, "layout");
  return { success: `${updated.length} message${updated.length === 1 ? "" : "s"} updated.` };
});
