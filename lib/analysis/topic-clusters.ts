import { and, arrayOverlaps, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { topicClusters } from "@/db/schema";
import { contentTokens, jaccard } from "./text";

// Topics that share most of their content words are one cluster: "Booking an appointment", "appointment
// bookings" and "Book appointment" all land in the cluster first named "Booking an appointment".
export const CLUSTER_SIMILARITY = 0.5;

export function topicKey(topic: string): { key: string; tokens: string[] } {
  const tokens = [...new Set(contentTokens(topic))].sort();
  return { key: tokens.join(" "), tokens };
}

// Picks (or creates) the team's cluster for `topic` and moves the call's count from its previous cluster.
// Run inside the transaction that writes the call's analysis.
export async function assignTopicCluster(
  tx: DbOrTx,
  input: { teamId: string; topic: string | null; previousClusterId: string | null; at: Date },
): Promise<string | null> {
  const clusterId = input.topic ? await findOrCreateCluster(tx, input.teamId, input.topic) : null;
  if (clusterId === input.previousClusterId) return clusterId;
  if (input.previousClusterId) {
    await tx
      .update(topicClusters)
      .set({ callCount: sql`greatest(${topicClusters.callCount} - 1, 0)` })
      .where(and(eq(topicClusters.id, input.previousClusterId), eq(topicClusters.teamId, input.teamId)));
  }
  if (clusterId) {
    await tx
      .update(topicClusters)
      .set({
        callCount: sql`${topicClusters.callCount} + 1`,
        lastCallAt: sql`greatest(${topicClusters.lastCallAt}, ${input.at.toISOString()}::timestamptz)`,
      })
      .where(and(eq(topicClusters.id, clusterId), eq(topicClusters.teamId, input.teamId)));
  }
  return clusterId;
}

async function findOrCreateCluster(tx: DbOrTx, teamId: string, topic: string): Promise<string | null> {
  const { key, tokens } = topicKey(topic);
  if (tokens.length === 0) return null;
  const candidates = await tx
    .select({ id: topicClusters.id, key: topicClusters.key, tokens: topicClusters.tokens, callCount: topicClusters.callCount })
    .from(topicClusters)
    .where(and(eq(topicClusters.teamId, teamId), arrayOverlaps(topicClusters.tokens, tokens)));
  let best: { id: string; score: number; callCount: number } | null = null;
  for (const c of candidates) {
    const score = c.key === key ? 1 : jaccard(tokens, c.tokens);
    if (score >= CLUSTER_SIMILARITY && (!best || score > best.score || (score === best.score && c.callCount > best.callCount))) {
      best = { id: c.id, score, callCount: c.callCount };
    }
  }
  if (best) return best.id;
  const label = topic.trim().replace(/\s+/g, " ").slice(0, 120);
  const [created] = await tx
    .insert(topicClusters)
    .values({ teamId, label: label.charAt(0).toUpperCase() + label.slice(1), key, tokens })
    .onConflictDoNothing({ target: [topicClusters.teamId, topicClusters.key] })
    .returning({ id: topicClusters.id });
  if (created) return created.id;
  // Another worker created it a moment ago.
  const [existing] = await tx
    .select({ id: topicClusters.id })
    .from(topicClusters)
    .where(and(eq(topicClusters.teamId, teamId), eq(topicClusters.key, key)))
    .limit(1);
  return existing?.id ?? null;
}
