CREATE TABLE "call_rollups_dirty" (
	"team_id" uuid NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"marked_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "call_rollups_dirty_team_id_hour_pk" PRIMARY KEY("team_id","hour")
);
--> statement-breakpoint
ALTER TABLE "call_rollups_dirty" ADD CONSTRAINT "call_rollups_dirty_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;