CREATE TABLE "topic_clusters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"label" text NOT NULL,
	"key" text NOT NULL,
	"tokens" text[] NOT NULL,
	"call_count" integer DEFAULT 0 NOT NULL,
	"last_call_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "topic_clusters" ADD CONSTRAINT "topic_clusters_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "topic_clusters_team_key_uq" ON "topic_clusters" USING btree ("team_id","key");--> statement-breakpoint
CREATE INDEX "topic_clusters_team_count_idx" ON "topic_clusters" USING btree ("team_id","call_count" desc);--> statement-breakpoint
CREATE INDEX "calls_analysis_pending_idx" ON "calls" USING btree ("ended_at") WHERE "calls"."analysis_status" = 'pending' and "calls"."ended_at" is not null;