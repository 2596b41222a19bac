CREATE TYPE "public"."recording_storage" AS ENUM('local', 's3');--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "recording_storage" "recording_storage" DEFAULT 'local' NOT NULL;--> statement-breakpoint
CREATE INDEX "calls_recording_local_idx" ON "calls" USING btree ("ended_at") WHERE "calls"."recording_storage" = 'local' and "calls"."recording_path" is not null;