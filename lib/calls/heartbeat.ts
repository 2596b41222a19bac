import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";

// How often the voice server marks its live calls as alive, and how long without a mark means the process died.
export const CALL_HEARTBEAT_MS = 15_000;
export const CALL_STALE_MS = 60_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Marks these calls as still running on this process (each scoped by its own team id). Two array parameters
// rather than two per call: with hundreds of live calls, building the statement itself was a stall of
// milliseconds on the voice server's event loop every heartbeat.
export async function touchLiveCalls(db: Db, live: { teamId: string; callId: string }[]): Promise<void> {
  const valid = live.filter((c) => UUID.test(c.teamId) && UUID.test(c.callId));
  if (valid.length === 0) return;
  const teamIds = `{${valid.map((c) => c.teamId).join(",")}}`;
  const callIds = `{${valid.map((c) => c.callId).join(",")}}`;
  await db.execute(sql`update calls set heartbeat_at = now()
    where ended_at is null and (team_id, id) in (select * from unnest(${teamIds}::uuid[], ${callIds}::uuid[]))`);
}
