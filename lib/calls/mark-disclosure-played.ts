import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { calls } from "@/db/schema";

// The agent's disclosure finished playing to the caller: kept as proof the caller heard it in full. The first
// time counts; a replay never moves it.
export async function markDisclosurePlayed(db: Db, input: { teamId: string; callId: string; playedAt: Date }): Promise<void> {
  await db
    .update(calls)
    .set({ disclosurePlayedAt: input.playedAt })
    .where(and(eq(calls.id, input.callId), eq(calls.teamId, input.teamId), isNull(calls.disclosurePlayedAt)));
}
