import { aliasedTable, and, count, desc, eq, gte, inArray, isNull, lt, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { callerMessages, callers, calls, users, type CallerMessage } from "@/db/schema";
import { openMessage, openMessages } from "@/lib/crypto/team-fields";
import { AppError } from "@/lib/errors";

export const MESSAGE_STATUSES = ["new", "assigned", "handled", "spam"] as const;
export type TMessageStatus = (typeof MESSAGE_STATUSES)[number];

const ZDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date like 2026-12-01.");

export const ZMessageFilters = z.object({
  // "open": new and assigned (the inbox's default view); "all": every status.
  status: z.enum([...MESSAGE_STATUSES, "open", "all"]).default("open"),
  // A member's user id, or "none" for unassigned.
  assignee: z.string().trim().min(1).max(100).optional(),
  department: z.string().trim().min(1).max(200).optional(),
  from: ZDay.optional(),
  to: ZDay.optional(),
  isUrgent: z.boolean().optional(),
  callerId: z.uuid().optional(),
});
export type TMessageFilters = z.input<typeof ZMessageFilters>;

export type TInboxItem = CallerMessage & {
  assigneeName: string | null;
  assigneeEmail: string | null;
  handledByEmail: string | null;
  callerEntryName: string | null;
  callerE164: string | null;
  callFromNumber: string | null;
  hasRecording: boolean;
};
export type TInboxPage = { items: TInboxItem[]; total: number; page: number; pageSize: number };

function conditionsFor(teamId: string, raw: TMessageFilters): SQL[] {
  const parsed = ZMessageFilters.safeParse(raw);
  if (!parsed.success) throw new AppError("bad_request", parsed.error.issues.map((i) => i.message).join(" "));
  const f = parsed.data;
  const where: SQL[] = [eq(callerMessages.teamId, teamId)];
  if (f.status === "open") where.push(inArray(callerMessages.status, ["new", "assigned"]));
  else if (f.status !== "all") where.push(eq(callerMessages.status, f.status));
  if (f.assignee === "none") where.push(isNull(callerMessages.assigneeId));
  else if (f.assignee) where.push(eq(callerMessages.assigneeId, f.assignee));
  if (f.department) where.push(eq(callerMessages.department, f.department));
  // Whole days, the "to" day included.
  if (f.from) where.push(gte(callerMessages.createdAt, new Date(`${f.from}T00:00:00Z`)));
  if (f.to) where.push(lt(callerMessages.createdAt, new Date(Date.parse(`${f.to}T00:00:00Z`) + 86_400_000)));
  if (f.isUrgent !== undefined) where.push(eq(callerMessages.isUrgent, f.isUrgent));
  if (f.callerId) where.push(eq(callerMessages.callerId, f.callerId));
  return where;
}

const assignee = aliasedTable(users, "assignee");
const handler = aliasedTable(users, "handler");

// The inbox: urgent first, then newest first. Pages by number (an owner triages the first pages; the total says
// how many are left).
export async function listMessages(db: Db, teamId: string, filters: TMessageFilters, page = 1, pageSize = 50): Promise<TInboxPage> {
  const where = and(...conditionsFor(teamId, filters));
  const size = Math.min(Math.max(Math.trunc(pageSize) || 50, 1), 200);
  const current = Math.min(Math.max(Math.trunc(page) || 1, 1), 10_000);
  const order = [desc(callerMessages.isUrgent), desc(callerMessages.createdAt), desc(callerMessages.id)];
  // The page's ids first (an index walk in the inbox's order), then the joins for those rows only: joined before
  // the sort, the planner hashed whole tables of calls and callers to show 50 items (bench:analytics).
  const pageIds = db
    .select({ id: callerMessages.id })
    .from(callerMessages)
    .where(where)
    .orderBy(...order)
    .limit(size)
    .offset((current - 1) * size)
    .as("page");
  const [rows, [total]] = await Promise.all([
    db
      .select({
        message: callerMessages,
        assigneeName: assignee.name,
        assigneeEmail: assignee.email,
        handledByEmail: handler.email,
        callerEntryName: callers.name,
        callerE164: callers.e164,
        callFromNumber: calls.fromNumber,
        recordingPath: calls.recordingPath,
      })
      .from(pageIds)
      .innerJoin(callerMessages, and(eq(callerMessages.id, pageIds.id), eq(callerMessages.teamId, teamId)))
      .leftJoin(assignee, eq(assignee.id, callerMessages.assigneeId))
      .leftJoin(handler, eq(handler.id, callerMessages.handledById))
      .leftJoin(callers, and(eq(callers.id, callerMessages.callerId), eq(callers.teamId, callerMessages.teamId)))
      .leftJoin(calls, and(eq(calls.id, callerMessages.callId), eq(calls.teamId, callerMessages.teamId)))
      .orderBy(...order),
    db.select({ n: count() }).from(callerMessages).where(where),
  ]);
  return {
    items: await openMessages(db, rows.map((r) => ({
      ...r.message,
      assigneeName: r.assigneeName,
      assigneeEmail: r.assigneeEmail,
      handledByEmail: r.handledByEmail,
      callerEntryName: r.callerEntryName,
      callerE164: r.callerE164,
      callFromNumber: r.callFromNumber,
      hasRecording: !!r.recordingPath,
    }))),
    total: total?.n ?? 0,
    page: current,
    pageSize: size,
  };
}

export async function getMessage(db: Db, teamId: string, messageId: string): Promise<TInboxItem> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(messageId)) throw new AppError("not_found", "Message not found.");
  const [row] = await db
    .select({
      message: callerMessages,
      assigneeName: assignee.name,
      assigneeEmail: assignee.email,
      handledByEmail: handler.email,
      callerEntryName: callers.name,
      callerE164: callers.e164,
      callFromNumber: calls.fromNumber,
      recordingPath: calls.recordingPath,
    })
    .from(callerMessages)
    .leftJoin(assignee, eq(assignee.id, callerMessages.assigneeId))
    .leftJoin(handler, eq(handler.id, callerMessages.handledById))
    .leftJoin(callers, and(eq(callers.id, callerMessages.callerId), eq(callers.teamId, callerMessages.teamId)))
    .leftJoin(calls, and(eq(calls.id, callerMessages.callId), eq(calls.teamId, callerMessages.teamId)))
    .where(and(eq(callerMessages.id, messageId), eq(callerMessages.teamId, teamId)))
    .limit(1);
  if (!row) throw new AppError("not_found", "Message not found.");
  return openMessage(db, {
    ...row.message,
    assigneeName: row.assigneeName,
    assigneeEmail: row.assigneeEmail,
    handledByEmail: row.handledByEmail,
    callerEntryName: row.callerEntryName,
    callerE164: row.callerE164,
    callFromNumber: row.callFromNumber,
    hasRecording: !!row.recordingPath,
  });
}

// The navigation's badge: new items waiting for someone.
export async function countNewMessages(db: Db, teamId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(callerMessages)
    .where(and(eq(callerMessages.teamId, teamId), eq(callerMessages.status, "new")));
  return row?.n ?? 0;
}

// Departments messages were left for, for the filter. A loose index scan (one index probe per distinct department
// on caller_messages_team_department_idx): reading every message of a team to find its five departments took
// tens of milliseconds on every inbox page at a million calls (bench:analytics).
export async function listMessageDepartments(db: Db, teamId: string): Promise<string[]> {
  const rows = await db.execute<{ department: string }>(sql`
    with recursive d(department, n) as (
      (select department, 1 from caller_messages
        where team_id = ${teamId} and department is not null order by department limit 1)
      union all
      select (select m.department from caller_messages m
               where m.team_id = ${teamId} and m.department > d.department order by m.department limit 1), d.n + 1
      from d where d.department is not null and d.n < 100
    )
    select department from d where department is not null`);
  return rows.map((r) => r.department).sort();
}
