import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";

// Crash detection for live calls. The voice server marks all its live calls as alive every CALL_HEARTBEAT_MS (one
// statement per process, however many calls). A call whose mark is older than CALL_STALE_MS lost its process:
// it stops counting against the team's concurrent-call limit at once (count-active-calls.ts), and the recovery
// sweep, run every CALL_RECOVERY_SWEEP_MS by the worker, finalizes it. Worst case from a SIGKILL to a finalized
// call: stale + sweep, 20 s. The heartbeat is also the call's last sign of life, so its interval bounds how far a
// recovered call's end time can be from the truth (2 s).
export const CALL_HEARTBEAT_MS = 2_000;
// Seven missed beats: a process stalled by a slow database or a long GC pause is not mistaken for a dead one.
export const CALL_STALE_MS = 15_000;
export const CALL_RECOVERY_SWEEP_MS = 5_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Marks these calls as still running on this process (each scoped by its own team id). Two array parameters
// rather than two per call: with hundreds of live calls, building the statement itself was a stall of
// milliseconds on the voice server's event loop every heartbeat. A call stays marked until its session wrote its
// outcome, even after Twilio's status callback set ended_at: until then it is this process's to finalize.
export async function touchLiveCalls(db: Db, live: { teamId: string; callId: string }[]): Promise<void> {
  const valid = live.filter((c) => UUID.test(c.teamId) && UUID.test(c.callId));
  if (valid.length === 0) return;
  const teamIds = `{${valid.map((c) => c.teamId).join(",")}}`;
  const callIds = `{${valid.map((c) => c.callId).join(",")}}`;
  await db.execute(sql`update calls set heartbeat_at = now()
    where outcome is null and (team_id, id) in (select * from unnest(${teamIds}::uuid[], ${callIds}::uuid[]))`);
}
