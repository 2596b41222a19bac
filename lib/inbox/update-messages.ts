import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { callerMessages, memberships, type CallerMessage } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { openMessage } from "@/lib/crypto/team-fields";
import { AppError } from "@/lib/errors";
import { MESSAGE_STATUSES } from "./list-messages";

export const ZMessageChange = z
  .object({
    status: z.enum(MESSAGE_STATUSES).optional(),
    // A member's user id; null unassigns.
    assigneeId: z.string().trim().min(1).max(100).nullable().optional(),
    callbackAt: z.coerce.date({ error: "Give the callback time as a date and time." }).nullable().optional(),
    notes: z.string().max(10_000, "Notes are at most 10,000 characters.").optional(),
  })
  .strict()
  .refine((c) => Object.values(c).some((v) => v !== undefined), "Nothing to change.");
export type TMessageChange = z.input<typeof ZMessageChange>;

const MAX_BULK = 200;

// Triage of one or more inbox items. Every item must be the team's (else nothing changes and it is not found);
// the assignee must be a member. Assigning a new item makes it "assigned"; marking it handled records who and
// when, and reopening clears that. Each changed item gets an audit entry with what changed.
export async function updateMessages(
  db: Db,
  input: { teamId: string; messageIds: string[]; actor: TAuditActor; change: TMessageChange },
): Promise<CallerMessage[]> {
  const parsed = ZMessageChange.safeParse(input.change);
  if (!parsed.success) throw new AppError("bad_request", parsed.error.issues.map((i) => i.message).join(" "));
  const change = parsed.data;
  const ids = [...new Set(input.messageIds)];
  if (ids.length === 0) throw new AppError("bad_request", "Select at least one message.");
  if (ids.length > MAX_BULK) throw new AppError("bad_request", `Select at most ${MAX_BULK} messages at once.`);
  if (ids.some((id) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))) {
    throw new AppError("not_found", "Message not found.");
  }
  return db.transaction(async (tx) => {
    if (change.assigneeId) {
      const [member] = await tx
        .select({ userId: memberships.userId })
        .from(memberships)
        .where(and(eq(memberships.teamId, input.teamId), eq(memberships.userId, change.assigneeId)))
        .limit(1);
      if (!member) throw new AppError("bad_request", "The assignee must be a member of this team.");
    }
    const before = await tx
      .select()
      .from(callerMessages)
      .where(and(eq(callerMessages.teamId, input.teamId), inArray(callerMessages.id, ids)))
      .for("update");
    if (before.length !== ids.length) throw new AppError("not_found", "Message not found.");
    const now = new Date();
    const updated: CallerMessage[] = [];
    for (const row of before) {
      let status = change.status ?? row.status;
      // Assigning an untouched item moves it along; unassigning an "assigned" one puts it back to new.
      if (change.status === undefined && change.assigneeId && row.status === "new") status = "assigned";
      if (change.status === undefined && change.assigneeId === null && row.status === "assigned") status = "new";
      const isHandled = status === "handled";
      const next = {
        status,
        assigneeId: change.assigneeId !== undefined ? change.assigneeId : row.assigneeId,
        callbackAt: change.callbackAt !== undefined ? change.callbackAt : row.callbackAt,
        notes: change.notes ?? row.notes,
        handledById: isHandled ? (row.status === "handled" ? row.handledById : (input.actor.userId ?? null)) : null,
        handledAt: isHandled ? (row.status === "handled" ? row.handledAt : now) : null,
      };
      const [after] = await tx
        .update(callerMessages)
        .set(next)
        .where(and(eq(callerMessages.id, row.id), eq(callerMessages.teamId, input.teamId)))
        .returning();
      if (!after) throw new AppError("not_found", "Message not found.");
      // Read back as written (the caller's words are stored sealed); the audit label names no caller.
      updated.push(await openMessage(tx, after));
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      if (row.status !== after.status) changes.status = { from: row.status, to: after.status };
      if (row.assigneeId !== after.assigneeId) changes.assignee = { from: row.assigneeId, to: after.assigneeId };
      if ((row.callbackAt?.getTime() ?? null) !== (after.callbackAt?.getTime() ?? null)) {
        changes.callback_at = { from: row.callbackAt?.toISOString() ?? null, to: after.callbackAt?.toISOString() ?? null };
      }
      if (row.notes !== after.notes) changes.notes = { from: row.notes.slice(0, 200), to: after.notes.slice(0, 200) };
      if (Object.keys(changes).length === 0) continue;
      await recordAudit(tx, {
        teamId: input.teamId,
        actor: input.actor,
        action: after.status === "handled" && row.status !== "handled" ? "message.handled" : "message.update",
        targetType: "message",
        targetId: after.id,
        targetLabel: after.kind === "voicemail" ? "Voicemail" : "Message",
        metadata: { changes },
      });
    }
    return updated;
  });
}
