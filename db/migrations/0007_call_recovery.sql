CREATE TABLE "test_call_ticket_uses" (
	"nonce" text PRIMARY KEY NOT NULL,
	"team_id" uuid NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "test_call_ticket_uses" ADD CONSTRAINT "test_call_ticket_uses_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "test_call_ticket_uses_team_idx" ON "test_call_ticket_uses" USING btree ("team_id","used_at");--> statement-breakpoint
CREATE INDEX "test_call_ticket_uses_expires_idx" ON "test_call_ticket_uses" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "calls_unfinalized_idx" ON "calls" USING btree ("team_id","started_at") WHERE "calls"."outcome" is null and "calls"."answered_at" is not null;