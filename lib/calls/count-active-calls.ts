import { and, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { calls } from "@/db/schema";

// A ringing call whose stream never connected (caller hung up during the webhook, Twilio error) stops holding a
// line after this long, even if its status callback never arrives.
export const RINGING_HOLDS_LINE_MS = 2 * 60_000;

export async function countActiveCalls(db: DbOrTx, teamId: string, now = new Date()): Promise<number> {
  const ringingSince = new Date(now.getTime() - RINGING_HOLDS_LINE_MS);
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(calls)
    .where(
      and(
        eq(calls.teamId, teamId),
        isNull(calls.endedAt),
        or(eq(calls.status, "in_progress"), and(eq(calls.status, "ringing"), gt(calls.startedAt, ringingSince))),
      ),
    );
  return row?.count ?? 0;
}
