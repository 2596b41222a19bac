import { readFile } from "node:fs/promises";
import { and, asc, eq, isNotNull, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { calls } from "@/db/schema";
import { appendCallEvent } from "@/lib/calls/append-event";
import { startPeriodic, type TPeriodic } from "@/lib/process/periodic";
import type { TLocalRecordingStore } from "./local-store";
import { isSealedRecording } from "./recording-cipher";
import type { TSealOutcome } from "./seal-recording";
import type { TRecordingStore } from "./store";

// With S3 configured the voice server records to local disk (a spool) and moves each recording to the bucket once
// its call has ended. The local file is deleted only after the upload succeeded and the row points at the object,
// so a failed upload never loses a recording: it stays playable from disk and the sweep tries again later.
// With encryption configured (`seal`), a recording is silenced and encrypted on disk first and only the encrypted
// file ever leaves the machine; the plaintext spool is never uploaded.

export type TUploadResult = "uploaded" | "failed" | "skipped" | "missing";

type TLog = {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
};

export type TRecordingUploader = {
  upload(call: { teamId: string; callId: string }): Promise<TUploadResult>;
  // Uploads ended calls whose recording is still local, oldest first; stops at the first failure (S3 is likely down).
  sweep(options?: { limit?: number }): Promise<{ uploaded: number; failed: number }>;
  startSweeping(intervalMs: number): void;
  stop(): Promise<void>;
};

export function createRecordingUploader(options: {
  db: Db;
  local: TLocalRecordingStore;
  s3: TRecordingStore;
  // lib/recordings/seal-recording.ts; null/absent only where no master key exists (development without secrets).
  seal?: ((call: { teamId: string; callId: string }) => Promise<TSealOutcome | "failed">) | null;
  log?: TLog;
}): TRecordingUploader {
  const { db, local, s3 } = options;
  const log = options.log;
  const inFlight = new Map<string, Promise<TUploadResult>>();
  // Calls whose failure is already on their timeline: one error event per call, not one per retry.
  const reported = new Set<string>();
  const missing = new Set<string>();
  let sweeper: TPeriodic | null = null;
  let isStopped = false;

  async function uploadOnce(teamId: string, callId: string): Promise<TUploadResult> {
    const seal = options.seal;
    if (seal) {
      const sealed = await seal({ teamId, callId });
      if (sealed === "failed") return "failed";
      if (sealed === "missing") return "missing";
      // Another process is sealing it right now: it uploads, or the next sweep does.
      if (sealed === "busy" || sealed === "discarded") return "skipped";
    }
    const [row] = await db
      .select({ path: calls.recordingPath, storage: calls.recordingStorage, durationSec: calls.durationSec, sealedAt: calls.recordingSealedAt })
      .from(calls)
      .where(and(eq(calls.id, callId), eq(calls.teamId, teamId)))
      .limit(1);
    if (!row?.path || row.storage !== "local") return "skipped";
    if (seal && !row.sealedAt) return "skipped";
    let bytes: Buffer;
    try {
      bytes = await readFile(local.pathOf(row.path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      if (!missing.has(callId)) log?.warn("recording file missing; cannot upload it", { callId, path: row.path });
      missing.add(callId);
      return "missing";
    }
    if (seal && !isSealedRecording(bytes)) {
      log?.warn("recording marked sealed is not encrypted on disk; not uploaded", { callId, path: row.path });
      return "failed";
    }
    const key = s3.keyFor(teamId, callId);
    const atMs = (row.durationSec ?? 0) * 1000;
    try {
      await s3.put(key, bytes);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log?.warn("recording upload failed; kept on local disk", { callId, error: message });
      if (!reported.has(callId)) {
        reported.add(callId);
        await appendCallEvent(db, {
          teamId,
          callId,
          atMs,
          kind: "error",
          name: "recording_upload_failed",
          data: { stage: "recording", kind: "upload_failed", message: message.slice(0, 500), retrying: true },
        }).catch(() => {});
      }
      return "failed";
    }
    const flipped = await db
      .update(calls)
      .set({ recordingStorage: "s3", recordingPath: key })
      .where(
        and(
          eq(calls.id, callId),
          eq(calls.teamId, teamId),
          eq(calls.recordingStorage, "local"),
          eq(calls.recordingPath, row.path),
        ),
      )
      .returning({ id: calls.id });
    if (flipped.length === 0) {
      // The row changed meanwhile: the retention purge removed the recording while it was being uploaded. The
      // object just put belongs to nothing now and must not outlive it.
      const [now] = await db.select({ path: calls.recordingPath }).from(calls).where(and(eq(calls.id, callId), eq(calls.teamId, teamId))).limit(1);
      if (now?.path !== key) await s3.remove(key).catch((error: unknown) => log?.warn("could not delete an orphaned upload", { callId, error }));
    }
    if (flipped.length > 0) {
      await local
        .remove(row.path)
        .catch((error: unknown) => log?.warn("could not delete uploaded recording", { callId, error }));
      if (reported.delete(callId)) {
        await appendCallEvent(db, {
          teamId,
          callId,
          atMs,
          kind: "status",
          name: "recording_uploaded",
          data: { storage: "s3" },
        }).catch(() => {});
      }
    }
    return "uploaded";
  }

  function upload(call: { teamId: string; callId: string }): Promise<TUploadResult> {
    const running = inFlight.get(call.callId);
    if (running) return running;
    const promise = uploadOnce(call.teamId, call.callId)
      .catch((error: unknown) => {
        log?.warn("recording upload failed", { callId: call.callId, error });
        return "failed" as const;
      })
      .finally(() => inFlight.delete(call.callId));
    inFlight.set(call.callId, promise);
    return promise;
  }

  async function sweep(sweepOptions: { limit?: number } = {}): Promise<{ uploaded: number; failed: number }> {
    const rows = await db
      .select({ teamId: calls.teamId, callId: calls.id })
      .from(calls)
      .where(and(eq(calls.recordingStorage, "local"), isNotNull(calls.recordingPath), isNotNull(calls.endedAt)))
      .orderBy(asc(calls.endedAt))
      .limit((sweepOptions.limit ?? 100) + missing.size);
    let uploaded = 0;
    let failed = 0;
    for (const row of rows) {
      if (isStopped) break;
      if (missing.has(row.callId)) continue;
      const result = await upload(row);
      if (result === "uploaded") uploaded++;
      if (result === "failed") {
        failed++;
        break;
      }
    }
    if (uploaded > 0 || failed > 0) log?.info("recording upload sweep", { uploaded, failed });
    return { uploaded, failed };
  }

  return {
    upload,
    sweep,
    startSweeping(intervalMs) {
      if (sweeper || isStopped) return;
      sweeper = startPeriodic({ intervalMs, run: () => sweep(), onError: (error) => log?.warn("recording upload sweep failed", { error }) });
    },
    async stop() {
      isStopped = true;
      await Promise.allSettled([sweeper?.stop(), ...inFlight.values()]);
    },
  };
}

// Pending uploads, for health and tests.
export async function countPendingUploads(db: Db): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(calls)
    .where(and(eq(calls.recordingStorage, "local"), isNotNull(calls.recordingPath), isNotNull(calls.endedAt)));
  return row?.n ?? 0;
}
