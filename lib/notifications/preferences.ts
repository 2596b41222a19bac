import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { notificationDeliveries, notificationPreferences, users, type NotificationDelivery } from "@/db/schema";
import { toE164 } from "@/lib/callers/phone";
import { AppError } from "@/lib/errors";

export type TNotificationSettings = { emailMode: "off" | "all" | "urgent" | "digest"; smsMode: "off" | "all" | "urgent"; smsPhone: string };

// A member with no saved settings is emailed about urgent messages only: nobody misses an emergency, and nobody
// gets a mail per message they did not ask for.
export const DEFAULT_NOTIFICATION_SETTINGS: TNotificationSettings = { emailMode: "urgent", smsMode: "off", smsPhone: "" };

export const ZNotificationSettings = z
  .object({
    emailMode: z.enum(["off", "all", "urgent", "digest"], { error: "Pick when to get emails" }),
    smsMode: z.enum(["off", "all", "urgent"], { error: "Pick when to get text messages" }),
    smsPhone: z.string().trim().max(40).default(""),
  })
  .transform((value, ctx) => {
    if (value.smsMode === "off" && value.smsPhone === "") return value;
    const e164 = value.smsPhone ? toE164(value.smsPhone) : null;
    if (!e164) {
      ctx.addIssue({ code: "custom", path: ["smsPhone"], message: "Enter the mobile number for text messages, e.g. +14155550123" });
      return z.NEVER;
    }
    return { ...value, smsPhone: e164 };
  });

export async function getNotificationSettings(db: Db, input: { teamId: string; userId: string }): Promise<TNotificationSettings> {
  const [row] = await db
    .select()
    .from(notificationPreferences)
    .where(and(eq(notificationPreferences.teamId, input.teamId), eq(notificationPreferences.userId, input.userId)))
    .limit(1);
  return row ? { emailMode: row.emailMode, smsMode: row.smsMode, smsPhone: row.smsPhone } : { ...DEFAULT_NOTIFICATION_SETTINGS };
}

// Each member sets their own, per team.
export async function saveNotificationSettings(db: Db, input: { teamId: string; userId: string; settings: z.input<typeof ZNotificationSettings> }) {
  const parsed = ZNotificationSettings.safeParse(input.settings);
  if (!parsed.success) throw new AppError("bad_request", parsed.error.issues.map((i) => i.message).join(" "));
  const s = parsed.data;
  await db
    .insert(notificationPreferences)
    .values({ teamId: input.teamId, userId: input.userId, emailMode: s.emailMode, smsMode: s.smsMode, smsPhone: s.smsPhone })
    .onConflictDoUpdate({
      target: [notificationPreferences.teamId, notificationPreferences.userId],
      set: { emailMode: s.emailMode, smsMode: s.smsMode, smsPhone: s.smsPhone, updatedAt: new Date() },
    });
  return s;
}

export type TDeliveryRow = NotificationDelivery & { userEmail: string | null };

// Settings › Notifications: the recent deliveries with their status. Admins see the team's; others their own.
export async function listNotificationDeliveries(db: Db, input: { teamId: string; userId?: string; limit?: number }): Promise<TDeliveryRow[]> {
  const rows = await db
    .select({ delivery: notificationDeliveries, userEmail: users.email })
    .from(notificationDeliveries)
    .leftJoin(users, eq(users.id, notificationDeliveries.userId))
    .where(
      and(
        eq(notificationDeliveries.teamId, input.teamId),
        input.userId ? eq(notificationDeliveries.userId, input.userId) : undefined,
      ),
    )
    .orderBy(desc(notificationDeliveries.createdAt))
    .limit(Math.min(input.limit ?? 50, 200));
  return rows.map((r) => ({ ...r.delivery, userEmail: r.userEmail }));
}
