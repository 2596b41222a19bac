import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { callerMessages, notificationDeliveries, notificationPreferences, type CallerMessage } from "@/db/schema";
import { openMessage, openMessages } from "@/lib/crypto/team-fields";
import { toMessageOut } from "@/lib/inbox/serialize";
import { emitTeamEvent } from "@/lib/webhooks/dispatch";

const BATCH = 50;

// The messages outbox: a message whose notified_at is null has not been announced yet. Once its call has ended
// (never during the call: nothing here runs on a live call's path), one worker claims it and, in one transaction,
// queues the message.taken webhook (delivered and retried by the webhook worker, signed like every webhook) and one
// notification delivery per member who asked for it. The deliveries are then sent by durable jobs (./queue.ts).
// Messages taken on test calls are not announced, as test calls send no webhooks.
export async function claimMessageOutbox(db: Db, now = new Date()): Promise<{ messages: number; deliveryIds: string[] }> {
  return db.transaction(async (tx) => {
    const due = await tx.execute<{ id: string; is_test: boolean | null }>(sql`
      select m.id, c.is_test from caller_messages m
      left join calls c on c.id = m.call_id and c.team_id = m.team_id
      where m.notified_at is null and (m.call_id is null or c.id is null or c.ended_at is not null)
      order by m.created_at
      limit ${BATCH}
      for update of m skip locked`);
    const ids = [...due].map((r) => r.id);
    if (ids.length === 0) return { messages: 0, deliveryIds: [] };
    const claimed = await tx
      .update(callerMessages)
      .set({ notifiedAt: now })
      .where(inArray(callerMessages.id, ids))
      .returning();
    const isTest = new Map([...due].map((r) => [r.id, r.is_test === true]));
    const deliveryIds: string[] = [];
    for (const message of claimed) {
      if (isTest.get(message.id)) continue;
      // The team's endpoint gets the caller's words readable (signed, over HTTPS); the row keeps them sealed.
      await emitTeamEvent(tx, message.teamId, "message.taken", { message: toMessageOut(await openMessage(tx, message)) }, now);
      deliveryIds.push(...(await queueDeliveries(tx, message)));
    }
    return { messages: claimed.length, deliveryIds };
  });
}

type TTx = Parameters<Parameters<Db["transaction"]>[0]>[0];

async function queueDeliveries(tx: TTx, message: CallerMessage): Promise<string[]> {
  const members = await tx.execute<{ user_id: string; email: string; email_mode: string | null; sms_mode: string | null; sms_phone: string | null }>(sql`
    select u.id as user_id, u.email, p.email_mode, p.sms_mode, p.sms_phone
    from memberships ms
    join users u on u.id = ms.user_id
    left join ${notificationPreferences} p on p.team_id = ms.team_id and p.user_id = ms.user_id
    where ms.team_id = ${message.teamId} and ms.role <> 'viewer'`);
  const rows: (typeof notificationDeliveries.$inferInsert)[] = [];
  for (const m of members) {
    // No saved settings: urgent messages by email (lib/notifications/preferences.ts).
    const emailMode = m.email_mode ?? "urgent";
    const smsMode = m.sms_mode ?? "off";
    if (emailMode === "all" || (emailMode === "urgent" && message.isUrgent)) {
      rows.push({ teamId: message.teamId, userId: m.user_id, messageId: message.id, kind: "message", channel: "email", recipient: m.email });
    }
    if (m.sms_phone && (smsMode === "all" || (smsMode === "urgent" && message.isUrgent))) {
      rows.push({ teamId: message.teamId, userId: m.user_id, messageId: message.id, kind: "message", channel: "sms", recipient: m.sms_phone });
    }
  }
  if (rows.length === 0) return [];
  const inserted = await tx.insert(notificationDeliveries).values(rows).onConflictDoNothing().returning({ id: notificationDeliveries.id });
  return inserted.map((r) => r.id);
}

// Deliveries whose job was lost (the process died between the commit and the send): queued again.
export async function listStalePendingDeliveries(db: Db, olderThanMs: number, now = new Date()): Promise<string[]> {
  const rows = await db
    .select({ id: notificationDeliveries.id })
    .from(notificationDeliveries)
    .where(and(eq(notificationDeliveries.status, "pending"), sql`${notificationDeliveries.updatedAt} < ${new Date(now.getTime() - olderThanMs).toISOString()}::timestamptz`))
    .limit(500);
  return rows.map((r) => r.id);
}

// Messages of one call (for tests and callers that want to know what the outbox will announce).
export async function messagesOfCall(db: Db, teamId: string, callId: string): Promise<CallerMessage[]> {
  return openMessages(db, await db.select().from(callerMessages).where(and(eq(callerMessages.teamId, teamId), eq(callerMessages.callId, callId))));
}

