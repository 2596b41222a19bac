import { desc } from "drizzle-orm";
import { index, integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { teams } from "./teams";

// Data retention (lib/retention/). Every period is in days; null keeps that kind forever. A team without a policy
// row has the defaults of these columns.
export const retentionPolicies = pgTable("retention_policies", {
  teamId: uuid("team_id")
    .primaryKey()
    .references(() => teams.id, { onDelete: "cascade" }),
  recordingsDays: integer("recordings_days").default(90),
  transcriptsDays: integer("transcripts_days").default(365),
  callsDays: integer("calls_days").default(365),
  messagesDays: integer("messages_days").default(365),
  webhookPayloadsDays: integer("webhook_payloads_days").default(365),
  testCallsDays: integer("test_calls_days").default(365),
  updatedAt: timestamp("updated_at", { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
});
export type RetentionPolicyRow = typeof retentionPolicies.$inferSelect;

// Where each purge walk stopped, per team. Recordings, transcripts and test calls are walked over `calls` in
// (started_at, id) order from the last position, so an hourly run reads only calls that expired since the last one.
// Days before `rollups_sealed_before` lost calls to the purge: their dashboard rollups are final and never
// recomputed from `calls` again (lib/analytics/rollup.ts).
export const retentionState = pgTable("retention_state", {
  teamId: uuid("team_id")
    .primaryKey()
    .references(() => teams.id, { onDelete: "cascade" }),
  recordingsAfterAt: timestamp("recordings_after_at", { withTimezone: true }),
  recordingsAfterId: uuid("recordings_after_id"),
  transcriptsAfterAt: timestamp("transcripts_after_at", { withTimezone: true }),
  transcriptsAfterId: uuid("transcripts_after_id"),
  testCallsAfterAt: timestamp("test_calls_after_at", { withTimezone: true }),
  testCallsAfterId: uuid("test_calls_after_id"),
  rollupsSealedBefore: timestamp("rollups_sealed_before", { withTimezone: true }),
  // A run holds the team until then, so two workers (or a run that outlived its schedule) never purge one team at once.
  leaseUntil: timestamp("lease_until", { withTimezone: true }),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
export type RetentionState = typeof retentionState.$inferSelect;

// One row per team per purge run: when, what it removed of each kind (counts only), and what went wrong.
export const retentionRuns = pgTable(
  "retention_runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    finishedAt: timestamp("finished_at", { withTimezone: true }).notNull(),
    // "succeeded", or "partial" when some kind stopped on an error and resumes on the next run.
    status: text("status").$type<"succeeded" | "partial">().notNull(),
    counts: jsonb("counts").$type<Record<string, number>>().notNull(),
    errors: text("errors").array().notNull().default([]),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("retention_runs_team_started_idx").on(t.teamId, desc(t.startedAt))],
);
export type RetentionRun = typeof retentionRuns.$inferSelect;
