import { index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { teams } from "./teams";

// Dashboard rollups, kept current by lib/analytics/rollup.ts as calls finish and are (re)analyzed. Every bucket is
// recomputed from `calls` rather than incremented, so retries and re-analysis never drift. Test calls never count.
// Hours and days are UTC.

// Upper bounds (exclusive) of the voice-to-voice latency histogram buckets; the last bucket is everything above.
// Sums of these counts over any range give p50/p95 to within one bucket.
export const LATENCY_BUCKET_BOUNDS_MS = [300, 500, 700, 900, 1100, 1300, 1500, 2000, 2500, 3000, 5000] as const;
export const LATENCY_BUCKET_COUNT = LATENCY_BUCKET_BOUNDS_MS.length + 1;

// The counters both stats tables carry.
function statsColumns() {
  return {
    calls: integer("calls").notNull().default(0),
    answered: integer("answered").notNull().default(0),
    completed: integer("completed").notNull().default(0),
    withOutcome: integer("with_outcome").notNull().default(0),
    resolved: integer("resolved").notNull().default(0),
    transferred: integer("transferred").notNull().default(0),
    messageTaken: integer("message_taken").notNull().default(0),
    abandoned: integer("abandoned").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    // Sum and count of duration_sec over calls that have one: average handle time over any range.
    handleSecSum: integer("handle_sec_sum").notNull().default(0),
    handleCount: integer("handle_count").notNull().default(0),
    sentimentPositive: integer("sentiment_positive").notNull().default(0),
    sentimentNeutral: integer("sentiment_neutral").notNull().default(0),
    sentimentNegative: integer("sentiment_negative").notNull().default(0),
    // Histograms of each call's voice-to-voice p50 and p95 (calls.voice_to_voice_p50_ms / _p95_ms).
    v2vCount: integer("v2v_count").notNull().default(0),
    v2vP50B0: integer("v2v_p50_b0").notNull().default(0),
    v2vP50B1: integer("v2v_p50_b1").notNull().default(0),
    v2vP50B2: integer("v2v_p50_b2").notNull().default(0),
    v2vP50B3: integer("v2v_p50_b3").notNull().default(0),
    v2vP50B4: integer("v2v_p50_b4").notNull().default(0),
    v2vP50B5: integer("v2v_p50_b5").notNull().default(0),
    v2vP50B6: integer("v2v_p50_b6").notNull().default(0),
    v2vP50B7: integer("v2v_p50_b7").notNull().default(0),
    v2vP50B8: integer("v2v_p50_b8").notNull().default(0),
    v2vP50B9: integer("v2v_p50_b9").notNull().default(0),
    v2vP50B10: integer("v2v_p50_b10").notNull().default(0),
    v2vP50B11: integer("v2v_p50_b11").notNull().default(0),
    v2vP95B0: integer("v2v_p95_b0").notNull().default(0),
    v2vP95B1: integer("v2v_p95_b1").notNull().default(0),
    v2vP95B2: integer("v2v_p95_b2").notNull().default(0),
    v2vP95B3: integer("v2v_p95_b3").notNull().default(0),
    v2vP95B4: integer("v2v_p95_b4").notNull().default(0),
    v2vP95B5: integer("v2v_p95_b5").notNull().default(0),
    v2vP95B6: integer("v2v_p95_b6").notNull().default(0),
    v2vP95B7: integer("v2v_p95_b7").notNull().default(0),
    v2vP95B8: integer("v2v_p95_b8").notNull().default(0),
    v2vP95B9: integer("v2v_p95_b9").notNull().default(0),
    v2vP95B10: integer("v2v_p95_b10").notNull().default(0),
    v2vP95B11: integer("v2v_p95_b11").notNull().default(0),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  };
}

// One row per (team, UTC hour) that had calls: the hour-of-week heatmap and hourly series.
export const callStatsHourly = pgTable(
  "call_stats_hourly",
  {
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    hour: timestamp("hour", { withTimezone: true }).notNull(),
    ...statsColumns(),
  },
  (t) => [uniqueIndex("call_stats_hourly_team_hour_uq").on(t.teamId, t.hour)],
);
export type CallStatsHourly = typeof callStatsHourly.$inferSelect;

// One row per (team, UTC day, agent, number) that had calls: totals, daily series and busiest agents/numbers.
// agent/number are null when unknown or deleted.
export const callStatsDaily = pgTable(
  "call_stats_daily",
  {
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    day: timestamp("day", { withTimezone: true }).notNull(),
    agentId: uuid("agent_id"),
    phoneNumberId: uuid("phone_number_id"),
    ...statsColumns(),
  },
  (t) => [index("call_stats_daily_team_day_idx").on(t.teamId, t.day)],
);
export type CallStatsDaily = typeof callStatsDaily.$inferSelect;

// Transferred calls per department per UTC day (the transfer event's department name, else calls.transferred_to;
// "" when neither was recorded).
export const callTransfersDaily = pgTable(
  "call_transfers_daily",
  {
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    day: timestamp("day", { withTimezone: true }).notNull(),
    department: text("department").notNull(),
    transfers: integer("transfers").notNull(),
  },
  (t) => [index("call_transfers_daily_team_day_idx").on(t.teamId, t.day)],
);
export type CallTransfersDaily = typeof callTransfersDaily.$inferSelect;

// Analyzed calls per topic cluster per UTC day.
export const callTopicsDaily = pgTable(
  "call_topics_daily",
  {
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    day: timestamp("day", { withTimezone: true }).notNull(),
    topicClusterId: uuid("topic_cluster_id").notNull(),
    calls: integer("calls").notNull(),
  },
  (t) => [index("call_topics_daily_team_day_idx").on(t.teamId, t.day)],
);
export type CallTopicsDaily = typeof callTopicsDaily.$inferSelect;

// Hours whose rollups are behind `calls`: marked as calls end or are analyzed, recomputed in batches by the rollup
// flusher (lib/analytics/rollup.ts). `version` grows with every mark, so a flush that started before a newer mark
// leaves the row for the next one.
export const callRollupsDirty = pgTable(
  "call_rollups_dirty",
  {
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    hour: timestamp("hour", { withTimezone: true }).notNull(),
    version: integer("version").notNull().default(1),
    markedAt: timestamp("marked_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.hour] })],
);
