import { desc } from "drizzle-orm";
import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { teams } from "./teams";

// Groups of calls about the same thing, so the dashboard can say what callers ask about most. calls.topic_cluster_id
// points here; call_count moves with every (re)analysis that joins or leaves a cluster.
export const topicClusters = pgTable(
  "topic_clusters",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    label: text("label").notNull(),
    // Normalized, sorted content words of the label: the identity of the cluster and what new topics are compared to.
    key: text("key").notNull(),
    tokens: text("tokens").array().notNull(),
    callCount: integer("call_count").notNull().default(0),
    lastCallAt: timestamp("last_call_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    uniqueIndex("topic_clusters_team_key_uq").on(t.teamId, t.key),
    index("topic_clusters_team_count_idx").on(t.teamId, desc(t.callCount)),
  ],
);
export type TopicCluster = typeof topicClusters.$inferSelect;
