import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { callers, type Caller } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import { getCaller } from "./get-caller";

const ZTag = z
  .string()
  .trim()
  .min(1)
  .max(40, "Tags are at most 40 characters.")
  .regex(/^[\p{L}\p{N} _.-]+$/u, "Tags use letters, digits, spaces, dots, dashes and underscores.")
  .transform((t) => t.toLowerCase());

export const ZCallerUpdate = z
  .object({
    name: z.string().trim().max(200, "The name is at most 200 characters.").optional(),
    notes: z.string().max(10_000, "Notes are at most 10,000 characters.").optional(),
    tags: z.array(ZTag).max(20, "At most 20 tags.").optional(),
    isVip: z.boolean().optional(),
    isBlocked: z.boolean().optional(),
  })
  .strict();
export type TCallerUpdate = z.infer<typeof ZCallerUpdate>;

// "a, b ,c" from a form field.
export function parseTagList(raw: string): string[] {
  return [...new Set(raw.split(",").map((t) => t.trim()).filter(Boolean))];
}

// A member edits a caller: name, notes, tags and the flags. Flag changes are audited (blocking a number turns its
// callers away), as are name changes; notes and tags are not, they are working notes.
export async function updateCaller(db: Db, input: { teamId: string; callerId: string; actor: TAuditActor; update: TCallerUpdate }): Promise<Caller> {
  const parsed = ZCallerUpdate.safeParse(input.update);
  if (!parsed.success) throw new AppError("bad_request", parsed.error.issues.map((i) => i.message).join(" "));
  const update = parsed.data;
  const before = await getCaller(db, input.teamId, input.callerId);
  const tags = update.tags ? [...new Set(update.tags)] : undefined;
  const [after] = await db
    .update(callers)
    .set({
      ...(update.name !== undefined ? { name: update.name, isNameEdited: true } : {}),
      ...(update.notes !== undefined ? { notes: update.notes } : {}),
      ...(tags !== undefined ? { tags } : {}),
      ...(update.isVip !== undefined ? { isVip: update.isVip } : {}),
      ...(update.isBlocked !== undefined ? { isBlocked: update.isBlocked } : {}),
    })
    .where(and(eq(callers.id, before.id), eq(callers.teamId, input.teamId)))
    .returning();
  if (!after) throw new AppError("not_found", "Caller not found.");
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  if (before.name !== after.name) changes.name = { from: before.name, to: after.name };
  if (before.isVip !== after.isVip) changes.vip = { from: before.isVip, to: after.isVip };
  if (before.isBlocked !== after.isBlocked) changes.blocked = { from: before.isBlocked, to: after.isBlocked };
  if (Object.keys(changes).length > 0) {
    await recordAudit(db, {
      teamId: input.teamId,
      actor: input.actor,
      action: "caller.update",
      targetType: "caller",
      targetId: after.id,
      targetLabel: after.name || after.e164,
      metadata: { changes },
    });
  }
  return after;
}
