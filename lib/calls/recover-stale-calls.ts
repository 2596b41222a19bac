import type { Db } from "@/db/client";
import { salvageRecordings } from "@/lib/recordings/salvage-recordings";
import { finalizeOpenCalls } from "./finalize-open-calls";
import { CALL_STALE_MS } from "./heartbeat";

type TLog = { warn(message: string, fields?: Record<string, unknown>): void };

// One crash-recovery sweep (run every CALL_RECOVERY_SWEEP_MS by the process that owns scheduled work): calls
// whose voice server stopped sending heartbeats are finalized from their last sign of life, and their partly
// written recordings repaired and linked, before the caller's follow-up work (webhooks, rollups, analysis) sees
// them. Returns the calls it finalized, for that follow-up work. Safe to run from several processes at once:
// finalizeOpenCalls skips rows another sweep holds, and the salvage only links a recording to a call without one.
export async function recoverStaleCalls(
  db: Db,
  options: { recordingsDir: string | null; log?: TLog; now?: Date; startedBefore?: Date },
): Promise<{ teamId: string; callId: string }[]> {
  const now = options.now ?? new Date();
  const recovered = await finalizeOpenCalls(db, {
    startedBefore: options.startedBefore ?? now,
    staleBefore: new Date(now.getTime() - CALL_STALE_MS),
  });
  if (recovered.calls.length > 0) options.log?.warn("finalized calls whose voice server stopped", { count: recovered.calls.length });
  // Their recordings were cut off mid-write: made playable before the rollups, analysis and upload sweep see them.
  // The recordings directory must be the one the voice servers write (a volume they share with this process).
  if (options.recordingsDir && recovered.calls.length > 0) {
    const salvaged = await salvageRecordings(db, { recordingsDir: options.recordingsDir, calls: recovered.calls, log: options.log });
    if (salvaged.recovered.length > 0) options.log?.warn("recovered recordings of calls cut off by a crash", { count: salvaged.recovered.length });
  }
  return recovered.calls;
}
