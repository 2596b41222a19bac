import { and, desc, eq, gte, isNotNull, lt, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { calls, topicClusters } from "@/db/schema";

export type TTopTopic = { clusterId: string; label: string; calls: number; share: number };

// What callers asked about most in [from, to): analyzed calls per topic cluster, test calls excluded.
// share is the fraction of the range's calls that have a topic.
export async function topTopics(db: Db, teamId: string, range: { from: Date; to: Date }, limit = 10): Promise<TTopTopic[]> {
  const rows = await db
    .select({ clusterId: calls.topicClusterId, label: topicClusters.label, calls: sql<number>`count(*)::int` })
    .from(calls)
    .innerJoin(topicClusters, and(eq(topicClusters.id, calls.topicClusterId), eq(topicClusters.teamId, calls.teamId)))
    .where(
      and(
        eq(calls.teamId, teamId),
        gte(calls.startedAt, range.from),
        lt(calls.startedAt, range.to),
        eq(calls.isTest, false),
        isNotNull(calls.topicClusterId),
      ),
    )
    .groupBy(calls.topicClusterId, topicClusters.label)
    .orderBy(desc(sql`count(*)`), topicClusters.label);
  const total = rows.reduce((n, r) => n + r.calls, 0);
  return rows
    .slice(0, Math.max(1, limit))
    .map((r) => ({ clusterId: r.clusterId!, label: r.label, calls: r.calls, share: total === 0 ? 0 : r.calls / total }));
}

// All of a team's clusters, biggest first (for filter menus).
export async function listTopicClusters(db: Db, teamId: string, limit = 50) {
  return db
    .select({ id: topicClusters.id, label: topicClusters.label, callCount: topicClusters.callCount })
    .from(topicClusters)
    .where(eq(topicClusters.teamId, teamId))
    .orderBy(desc(topicClusters.callCount), topicClusters.label)
    .limit(limit);
}
