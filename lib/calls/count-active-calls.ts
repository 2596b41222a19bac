import { and, eq, gt, isNull, or, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { calls } from "@/db/schema";
import { CALL_STALE_MS } from "./heartbeat";

// A ringing call whose stream never connected (caller hung up during the webhook, Twilio error) stops holding a
// line after this long, even if its status callback never arrives.
export const RINGING_HOLDS_LINE_MS = 2 * 60_000;

// Calls holding one of the team's lines. A call whose voice server stopped sending heartbeats (a crashed
// process) stops holding one as soon as it is stale, before the recovery sweep gets to finalize it: the next
// caller is answered rather than told every line is busy. The heartbeat is dated by the database's clock, so it
// is compared with the database's clock too.
export function isHoldingLine(now: Date): SQL {
  const ringingSince = new Date(now.getTime() - RINGING_HOLDS_LINE_MS);
  return and(
    isNull(calls.endedAt),
    or(
      and(
        eq(calls.status, "in_progress"),
        sql`coalesce(${calls.heartbeatAt}, ${calls.answeredAt}, ${calls.startedAt}) > now() - make_interval(secs => ${CALL_STALE_MS / 1000})`,
      ),
      and(eq(calls.status, "ringing"), gt(calls.startedAt, ringingSince)),
    ),
  ) as SQL;
}

export async function countActiveCalls(db: DbOrTx, teamId: string, now = new Date()): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(calls)
    .where(and(eq(calls.teamId, teamId), isHoldingLine(now)));
  return row?.count ?? 0;
}
