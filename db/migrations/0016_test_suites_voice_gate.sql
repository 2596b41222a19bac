ALTER TYPE "public"."test_run_mode" ADD VALUE 'voice';--> statement-breakpoint
ALTER TABLE "teams" ADD COLUMN "tests_required_to_publish" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "agent_test_runs" ADD COLUMN "snapshot" jsonb;