CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE TYPE "public"."message_kind" AS ENUM('message', 'voicemail');--> statement-breakpoint
CREATE TYPE "public"."notification_channel" AS ENUM('email', 'sms');--> statement-breakpoint
CREATE TYPE "public"."notification_email_mode" AS ENUM('off', 'all', 'urgent', 'digest');--> statement-breakpoint
CREATE TYPE "public"."notification_sms_mode" AS ENUM('off', 'all', 'urgent');--> statement-breakpoint
CREATE TYPE "public"."notification_status" AS ENUM('pending', 'sent', 'failed', 'skipped');--> statement-breakpoint
ALTER TYPE "public"."message_status" ADD VALUE 'assigned';--> statement-breakpoint
ALTER TYPE "public"."message_status" ADD VALUE 'spam';--> statement-breakpoint
CREATE TABLE "callers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"e164" text NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"is_name_edited" boolean DEFAULT false NOT NULL,
	"first_call_at" timestamp with time zone,
	"last_call_at" timestamp with time zone,
	"call_count" integer DEFAULT 0 NOT NULL,
	"last_call_id" uuid,
	"last_outcome" text,
	"notes" text DEFAULT '' NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"is_vip" boolean DEFAULT false NOT NULL,
	"is_blocked" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notification_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"user_id" text,
	"message_id" uuid,
	"kind" text NOT NULL,
	"channel" "notification_channel" NOT NULL,
	"recipient" text NOT NULL,
	"status" "notification_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notification_preferences" (
	"team_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"email_mode" "notification_email_mode" DEFAULT 'urgent' NOT NULL,
	"sms_mode" "notification_sms_mode" DEFAULT 'off' NOT NULL,
	"sms_phone" text DEFAULT '' NOT NULL,
	"last_digest_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "caller_messages" ADD COLUMN "caller_id" uuid;--> statement-breakpoint
ALTER TABLE "caller_messages" ADD COLUMN "kind" "message_kind" DEFAULT 'message' NOT NULL;--> statement-breakpoint
ALTER TABLE "caller_messages" ADD COLUMN "department" text;--> statement-breakpoint
ALTER TABLE "caller_messages" ADD COLUMN "is_urgent" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "caller_messages" ADD COLUMN "assignee_id" text;--> statement-breakpoint
ALTER TABLE "caller_messages" ADD COLUMN "callback_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "caller_messages" ADD COLUMN "notes" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "caller_messages" ADD COLUMN "notified_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "caller_messages" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "callers" ADD CONSTRAINT "callers_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "notification_deliveries_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "notification_deliveries_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_preferences" ADD CONSTRAINT "notification_preferences_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_preferences" ADD CONSTRAINT "notification_preferences_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "callers_team_e164_uq" ON "callers" USING btree ("team_id","e164");--> statement-breakpoint
CREATE INDEX "callers_team_last_call_idx" ON "callers" USING btree ("team_id","last_call_at" desc,"id" desc);--> statement-breakpoint
CREATE INDEX "callers_name_trgm_idx" ON "callers" USING gin (lower("name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "callers_e164_trgm_idx" ON "callers" USING gin ("e164" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "notification_deliveries_team_created_idx" ON "notification_deliveries" USING btree ("team_id","created_at" desc);--> statement-breakpoint
CREATE INDEX "notification_deliveries_pending_idx" ON "notification_deliveries" USING btree ("updated_at") WHERE "notification_deliveries"."status" = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "notification_deliveries_message_user_channel_uq" ON "notification_deliveries" USING btree ("team_id","message_id","user_id","channel") WHERE "notification_deliveries"."message_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "notification_preferences_team_user_uq" ON "notification_preferences" USING btree ("team_id","user_id");--> statement-breakpoint
CREATE INDEX "notification_preferences_user_idx" ON "notification_preferences" USING btree ("user_id");--> statement-breakpoint
ALTER TABLE "caller_messages" ADD CONSTRAINT "caller_messages_caller_id_callers_id_fk" FOREIGN KEY ("caller_id") REFERENCES "public"."callers"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "caller_messages" ADD CONSTRAINT "caller_messages_assignee_id_users_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "caller_messages_team_status_idx" ON "caller_messages" USING btree ("team_id","status","is_urgent" desc,"created_at" desc);--> statement-breakpoint
CREATE INDEX "caller_messages_team_assignee_idx" ON "caller_messages" USING btree ("team_id","assignee_id","created_at" desc);--> statement-breakpoint
CREATE INDEX "caller_messages_team_caller_idx" ON "caller_messages" USING btree ("team_id","caller_id","created_at" desc);--> statement-breakpoint
CREATE INDEX "caller_messages_team_call_idx" ON "caller_messages" USING btree ("team_id","call_id");--> statement-breakpoint
CREATE INDEX "caller_messages_outbox_idx" ON "caller_messages" USING btree ("created_at") WHERE "caller_messages"."notified_at" is null;--> statement-breakpoint
-- Backfill: one caller per team and inbound number from the calls so far (test calls and withheld numbers excluded).
INSERT INTO "callers" ("team_id", "e164", "first_call_at", "last_call_at", "call_count", "last_call_id", "last_outcome")
SELECT "team_id", "from_number", min("started_at"), max("started_at"), count(*)::int,
       (array_agg("id" ORDER BY "started_at" DESC))[1], (array_agg("outcome"::text ORDER BY "started_at" DESC))[1]
FROM "calls"
WHERE "direction" = 'inbound' AND NOT "is_test" AND "from_number" ~ '^\+[1-9][0-9]{6,14}$'
GROUP BY "team_id", "from_number";--> statement-breakpoint
UPDATE "caller_messages" m SET "caller_id" = cr."id"
FROM "calls" c, "callers" cr
WHERE c."id" = m."call_id" AND c."team_id" = m."team_id" AND cr."team_id" = c."team_id" AND cr."e164" = c."from_number";--> statement-breakpoint
UPDATE "callers" cr SET "name" = latest."caller_name"
FROM (
  SELECT DISTINCT ON ("caller_id") "caller_id", "caller_name" FROM "caller_messages"
  WHERE "caller_id" IS NOT NULL AND "caller_name" <> '' ORDER BY "caller_id", "created_at" DESC
) latest
WHERE latest."caller_id" = cr."id";--> statement-breakpoint
UPDATE "caller_messages" SET "kind" = 'voicemail' WHERE "message" LIKE 'Voicemail (%';--> statement-breakpoint
-- Messages taken before the inbox existed are not announced now.
UPDATE "caller_messages" SET "notified_at" = "created_at";
