import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { knowledgeEntries } from "@/db/schema";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// The agent answered from these entries. Ids come from a published snapshot, so entries deleted since are skipped.
export async function recordKnowledgeUsage(db: Db, input: { teamId: string; knowledgeIds: string[]; at: Date }): Promise<void> {
  const ids = [...new Set(input.knowledgeIds.filter((id) => UUID.test(id)))];
  if (ids.length === 0) return;
  await db
    .update(knowledgeEntries)
    .set({ usageCount: sql`${knowledgeEntries.usageCount} + 1`, lastUsedAt: input.at })
    .where(and(eq(knowledgeEntries.teamId, input.teamId), inArray(knowledgeEntries.id, ids)));
}
