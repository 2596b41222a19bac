import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";

// How often the voice server marks its live calls as alive, and how long without a mark means the process died.
export const CALL_HEARTBEAT_MS = 15_000;
export const CALL_STALE_MS = 60_000;

// Marks these calls as still running on this process (each scoped by its own team id).
export async function touchLiveCalls(db: Db, live: { teamId: string; callId: string }[]): Promise<void> {
  if (live.length === 0) return;
  const pairs = sql.join(
    live.map((c) => sql`(${c.teamId}::uuid, ${c.callId}::uuid)`),
    sql`, `,
  );
  await db.execute(sql`update calls set heartbeat_at = now() where ended_at is null and (team_id, id) in (${pairs})`);
}
