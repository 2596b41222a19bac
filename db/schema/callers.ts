import { desc, sql } from "drizzle-orm";
import { boolean, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./auth";
import { teams } from "./teams";

// One entry per team and caller number (E.164), kept up to date by every call (lib/callers/). One caller phoning
// two businesses on the platform is two strangers: nothing here crosses teams.
export const callers = pgTable(
  "callers",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    e164: text("e164").notNull(),
    name: text("name").notNull().default(""),
    // A name a member typed is never overwritten by what a later caller on that number says.
    isNameEdited: boolean("is_name_edited").notNull().default(false),
    firstCallAt: timestamp("first_call_at", { withTimezone: true }),
    lastCallAt: timestamp("last_call_at", { withTimezone: true }),
    callCount: integer("call_count").notNull().default(0),
    lastCallId: uuid("last_call_id"),
    lastOutcome: text("last_outcome"),
    notes: text("notes").notNull().default(""),
    tags: text("tags").array().notNull().default(sql`'{}'::text[]`),
    isVip: boolean("is_vip").notNull().default(false),
    isBlocked: boolean("is_blocked").notNull().default(false),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    uniqueIndex("callers_team_e164_uq").on(t.teamId, t.e164),
    // The directory, most recent caller first.
    index("callers_team_last_call_idx").on(t.teamId, desc(t.lastCallAt), desc(t.id)),
    // Search by any part of a name or number (pg_trgm): "garc", "5550123". A GIN index cannot start with the team
    // id, so the planner combines it with the team filter; at one team with a million callers it stays in single
    // milliseconds because trigram matches are selective (scripts/bench-analytics.ts measures it).
    index("callers_name_trgm_idx").using("gin", sql`lower(${t.name}) gin_trgm_ops`),
    index("callers_e164_trgm_idx").using("gin", sql`${t.e164} gin_trgm_ops`),
  ],
);
export type Caller = typeof callers.$inferSelect;
export type NewCaller = typeof callers.$inferInsert;

export const notificationEmailMode = pgEnum("notification_email_mode", ["off", "all", "urgent", "digest"]);
export const notificationSmsMode = pgEnum("notification_sms_mode", ["off", "all", "urgent"]);

// Per member and team: how they hear about new messages. No row: email for urgent messages only.
export const notificationPreferences = pgTable(
  "notification_preferences",
  {
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    emailMode: notificationEmailMode("email_mode").notNull().default("urgent"),
    smsMode: notificationSmsMode("sms_mode").notNull().default("off"),
    smsPhone: text("sms_phone").notNull().default(""),
    // Daily digest: the newest message the last digest covered (the next one starts after it).
    lastDigestAt: timestamp("last_digest_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [uniqueIndex("notification_preferences_team_user_uq").on(t.teamId, t.userId), index("notification_preferences_user_idx").on(t.userId)],
);
export type NotificationPreference = typeof notificationPreferences.$inferSelect;

export const notificationChannel = pgEnum("notification_channel", ["email", "sms"]);
export const notificationStatus = pgEnum("notification_status", ["pending", "sent", "failed", "skipped"]);

// One row per notification sent (or tried) to one member: the Settings page shows them with their status.
export const notificationDeliveries = pgTable(
  "notification_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
    // Null for a digest (several messages).
    messageId: uuid("message_id"),
    kind: text("kind").notNull(), // message, digest
    channel: notificationChannel("channel").notNull(),
    recipient: text("recipient").notNull(),
    status: notificationStatus("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    sentAt: timestamp("sent_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    index("notification_deliveries_team_created_idx").on(t.teamId, desc(t.createdAt)),
    // Pending deliveries whose job may have been lost: the worker's re-queue sweep.
    index("notification_deliveries_pending_idx").on(t.updatedAt).where(sql`${t.status} = 'pending'`),
    // A retried job finds the row it made the first time instead of sending twice.
    uniqueIndex("notification_deliveries_message_user_channel_uq")
      .on(t.teamId, t.messageId, t.userId, t.channel)
      .where(sql`${t.messageId} is not null`),
  ],
);
export type NotificationDelivery = typeof notificationDeliveries.$inferSelect;
