CREATE TABLE "team_data_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"wrapped_key" text NOT NULL,
	"master_key_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"rewrapped_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "team_redaction_settings" (
	"team_id" uuid PRIMARY KEY NOT NULL,
	"card_numbers" boolean DEFAULT true NOT NULL,
	"ssns" boolean DEFAULT true NOT NULL,
	"emails" boolean DEFAULT false NOT NULL,
	"phone_numbers" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "call_turns" ADD COLUMN "redacted_kinds" text[];--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "recording_sealed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "team_data_keys" ADD CONSTRAINT "team_data_keys_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "team_redaction_settings" ADD CONSTRAINT "team_redaction_settings_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "team_data_keys_team_idx" ON "team_data_keys" USING btree ("team_id","created_at");--> statement-breakpoint
CREATE INDEX "team_data_keys_master_idx" ON "team_data_keys" USING btree ("master_key_id");--> statement-breakpoint
CREATE INDEX "calls_recording_unsealed_idx" ON "calls" USING btree ("ended_at") WHERE "calls"."recording_storage" = 'local' and "calls"."recording_path" is not null and "calls"."recording_sealed_at" is null;