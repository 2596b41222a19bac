CREATE TYPE "public"."privacy_law" AS ENUM('gdpr', 'ccpa');--> statement-breakpoint
CREATE TYPE "public"."privacy_request_kind" AS ENUM('export', 'erasure');--> statement-breakpoint
CREATE TYPE "public"."privacy_request_status" AS ENUM('received', 'processing', 'waiting_for_call', 'completed', 'failed');--> statement-breakpoint
CREATE TABLE "audit_chain_heads" (
	"team_id" uuid PRIMARY KEY NOT NULL,
	"seq" bigint DEFAULT 0 NOT NULL,
	"hash" text DEFAULT '' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "erased_call_stats" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"agent_id" uuid,
	"phone_number_id" uuid,
	"started_at" timestamp with time zone NOT NULL,
	"answered_at" timestamp with time zone,
	"status" text NOT NULL,
	"outcome" text,
	"duration_sec" integer,
	"sentiment" text,
	"transferred_to" text,
	"topic_cluster_id" uuid,
	"voice_to_voice_p50_ms" integer,
	"voice_to_voice_p95_ms" integer,
	"erased_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "privacy_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"kind" "privacy_request_kind" NOT NULL,
	"law" "privacy_law" NOT NULL,
	"status" "privacy_request_status" DEFAULT 'received' NOT NULL,
	"subject_hash" text NOT NULL,
	"subject_hint" text NOT NULL,
	"subject_enc" text,
	"note" text DEFAULT '' NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone,
	"requested_by_id" text,
	"requested_by_label" text NOT NULL,
	"counts" text DEFAULT '{}' NOT NULL,
	"error" text,
	"export_storage" text,
	"export_key" text,
	"export_bytes" bigint,
	"export_expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sign_in_failures" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email_hash" text NOT NULL,
	"ip" text,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_logs" ADD COLUMN "seq" bigint;--> statement-breakpoint
ALTER TABLE "audit_logs" ADD COLUMN "prev_hash" text;--> statement-breakpoint
ALTER TABLE "audit_logs" ADD COLUMN "hash" text;--> statement-breakpoint
ALTER TABLE "audit_chain_heads" ADD CONSTRAINT "audit_chain_heads_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "erased_call_stats" ADD CONSTRAINT "erased_call_stats_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_requests" ADD CONSTRAINT "privacy_requests_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_requests" ADD CONSTRAINT "privacy_requests_requested_by_id_users_id_fk" FOREIGN KEY ("requested_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "erased_call_stats_team_started_idx" ON "erased_call_stats" USING btree ("team_id","started_at");--> statement-breakpoint
CREATE INDEX "privacy_requests_team_received_idx" ON "privacy_requests" USING btree ("team_id","received_at" desc);--> statement-breakpoint
CREATE INDEX "privacy_requests_team_subject_idx" ON "privacy_requests" USING btree ("team_id","subject_hash");--> statement-breakpoint
CREATE INDEX "privacy_requests_open_idx" ON "privacy_requests" USING btree ("status") WHERE "privacy_requests"."status" in ('received', 'processing', 'waiting_for_call');--> statement-breakpoint
CREATE INDEX "sign_in_failures_created_idx" ON "sign_in_failures" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "sign_in_failures_email_idx" ON "sign_in_failures" USING btree ("email_hash","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "audit_logs_team_seq_uq" ON "audit_logs" USING btree ("team_id","seq");