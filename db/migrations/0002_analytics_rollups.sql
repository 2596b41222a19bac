CREATE TABLE "call_stats_daily" (
	"team_id" uuid NOT NULL,
	"day" timestamp with time zone NOT NULL,
	"agent_id" uuid,
	"phone_number_id" uuid,
	"calls" integer DEFAULT 0 NOT NULL,
	"answered" integer DEFAULT 0 NOT NULL,
	"completed" integer DEFAULT 0 NOT NULL,
	"with_outcome" integer DEFAULT 0 NOT NULL,
	"resolved" integer DEFAULT 0 NOT NULL,
	"transferred" integer DEFAULT 0 NOT NULL,
	"message_taken" integer DEFAULT 0 NOT NULL,
	"abandoned" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"handle_sec_sum" integer DEFAULT 0 NOT NULL,
	"handle_count" integer DEFAULT 0 NOT NULL,
	"sentiment_positive" integer DEFAULT 0 NOT NULL,
	"sentiment_neutral" integer DEFAULT 0 NOT NULL,
	"sentiment_negative" integer DEFAULT 0 NOT NULL,
	"v2v_count" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b0" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b1" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b2" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b3" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b4" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b5" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b6" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b7" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b8" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b9" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b10" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b11" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b0" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b1" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b2" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b3" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b4" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b5" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b6" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b7" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b8" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b9" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b10" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b11" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "call_stats_hourly" (
	"team_id" uuid NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"calls" integer DEFAULT 0 NOT NULL,
	"answered" integer DEFAULT 0 NOT NULL,
	"completed" integer DEFAULT 0 NOT NULL,
	"with_outcome" integer DEFAULT 0 NOT NULL,
	"resolved" integer DEFAULT 0 NOT NULL,
	"transferred" integer DEFAULT 0 NOT NULL,
	"message_taken" integer DEFAULT 0 NOT NULL,
	"abandoned" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"handle_sec_sum" integer DEFAULT 0 NOT NULL,
	"handle_count" integer DEFAULT 0 NOT NULL,
	"sentiment_positive" integer DEFAULT 0 NOT NULL,
	"sentiment_neutral" integer DEFAULT 0 NOT NULL,
	"sentiment_negative" integer DEFAULT 0 NOT NULL,
	"v2v_count" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b0" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b1" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b2" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b3" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b4" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b5" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b6" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b7" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b8" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b9" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b10" integer DEFAULT 0 NOT NULL,
	"v2v_p50_b11" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b0" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b1" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b2" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b3" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b4" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b5" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b6" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b7" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b8" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b9" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b10" integer DEFAULT 0 NOT NULL,
	"v2v_p95_b11" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "call_topics_daily" (
	"team_id" uuid NOT NULL,
	"day" timestamp with time zone NOT NULL,
	"topic_cluster_id" uuid NOT NULL,
	"calls" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "call_transfers_daily" (
	"team_id" uuid NOT NULL,
	"day" timestamp with time zone NOT NULL,
	"department" text NOT NULL,
	"transfers" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "call_stats_daily" ADD CONSTRAINT "call_stats_daily_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_stats_hourly" ADD CONSTRAINT "call_stats_hourly_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_topics_daily" ADD CONSTRAINT "call_topics_daily_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_transfers_daily" ADD CONSTRAINT "call_transfers_daily_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "call_stats_daily_team_day_idx" ON "call_stats_daily" USING btree ("team_id","day");--> statement-breakpoint
CREATE UNIQUE INDEX "call_stats_hourly_team_hour_uq" ON "call_stats_hourly" USING btree ("team_id","hour");--> statement-breakpoint
CREATE INDEX "call_topics_daily_team_day_idx" ON "call_topics_daily" USING btree ("team_id","day");--> statement-breakpoint
CREATE INDEX "call_transfers_daily_team_day_idx" ON "call_transfers_daily" USING btree ("team_id","day");