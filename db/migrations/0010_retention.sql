CREATE TABLE "retention_policies" (
	"team_id" uuid PRIMARY KEY NOT NULL,
	"recordings_days" integer DEFAULT 90,
	"transcripts_days" integer DEFAULT 365,
	"calls_days" integer DEFAULT 365,
	"messages_days" integer DEFAULT 365,
	"webhook_payloads_days" integer DEFAULT 365,
	"test_calls_days" integer DEFAULT 365,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "retention_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"counts" jsonb NOT NULL,
	"errors" text[] DEFAULT '{}' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "retention_state" (
	"team_id" uuid PRIMARY KEY NOT NULL,
	"recordings_after_at" timestamp with time zone,
	"recordings_after_id" uuid,
	"transcripts_after_at" timestamp with time zone,
	"transcripts_after_id" uuid,
	"test_calls_after_at" timestamp with time zone,
	"test_calls_after_id" uuid,
	"rollups_sealed_before" timestamp with time zone,
	"lease_until" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "retention_policies" ADD CONSTRAINT "retention_policies_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retention_runs" ADD CONSTRAINT "retention_runs_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retention_state" ADD CONSTRAINT "retention_state_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "retention_runs_team_started_idx" ON "retention_runs" USING btree ("team_id","started_at" desc);--> statement-breakpoint
CREATE INDEX "call_events_call_idx" ON "call_events" USING btree ("call_id");--> statement-breakpoint
CREATE INDEX "call_turns_call_idx" ON "call_turns" USING btree ("call_id");--> statement-breakpoint
CREATE INDEX "caller_messages_call_idx" ON "caller_messages" USING btree ("call_id");--> statement-breakpoint
-- teams.data_retention_days ("calls, transcripts and recordings older than this are deleted") was never enforced.
-- Each team keeps the period it was shown for every kind, so the first enforced purge removes nothing the team was
-- told it would keep; new teams get the new defaults (recordings 90 days, the rest 365).
INSERT INTO "retention_policies" ("team_id", "recordings_days", "transcripts_days", "calls_days", "messages_days", "webhook_payloads_days", "test_calls_days")
SELECT "id", "data_retention_days", "data_retention_days", "data_retention_days", "data_retention_days", "data_retention_days", "data_retention_days" FROM "teams"
ON CONFLICT ("team_id") DO NOTHING;--> statement-breakpoint
ALTER TABLE "teams" DROP COLUMN "data_retention_days";