import type { Db } from "@/db/client";
import { salvageRecordings } from "@/lib/recordings/salvage-recordings";
import { finalizeOpenCalls } from "./finalize-open-calls";
import { CALL_STALE_MS } from "./heartbeat";

type TLog = { warn(message: string, fields?: Record<string, unknown>): void };

// Crash recovery, run by the worker on a timer: calls whose voice server stopped sending heartbeats (it crashed or
// was killed, on any instance) are finalized with what was captured, and their partly written recordings repaired
// and linked. Returns the calls it closed, for the completion side effects (webhook, rollup, analysis).
// The recordings are on the voice servers' spool (RECORDINGS_DIR): with several hosts, the worker must mount the
// same volume, or a crashed call's audio stays unlinked until a process that sees the file runs this.
export async function recoverStaleCalls(
  db: Db,
  options: { recordingsDir: string | null; now?: Date; staleMs?: number; log?: TLog },
): Promise<{ teamId: string; callId: string }[]> {
  const now = options.now ?? new Date();
  const recovered = await finalizeOpenCalls(db, {
    startedBefore: now,
    staleBefore: new Date(now.getTime() - (options.staleMs ?? CALL_STALE_MS)),
    endReason: "server_restart",
  });
  if (recovered.calls.length === 0) return [];
  options.log?.warn("finalized calls whose voice server stopped", { count: recovered.calls.length });
  // Made playable before the rollups, the analysis and the upload sweep see them.
  if (options.recordingsDir) {
    const salvaged = await salvageRecordings(db, { recordingsDir: options.recordingsDir, calls: recovered.calls, log: options.log });
    if (salvaged.recovered.length > 0) options.log?.warn("recovered recordings of calls cut off by a crash", { count: salvaged.recovered.length });
  }
  return recovered.calls;
}
