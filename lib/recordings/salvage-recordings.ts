import { open, rm } from "node:fs/promises";
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { callEvents, calls } from "@/db/schema";
import { createLocalRecordingStore } from "./local-store";
import { recordingKey } from "./store";
import { CALL_WAV_HEADER_BYTES, callWavDurationMs, repairCallWav } from "./wav-header";

// Crash recovery, after finalizeOpenCalls: the recorder of a call the dead process was handling wrote its audio
// as the call went but never patched the header sizes, and the call row never got its recording_path. The audio
// up to the crash is on disk; this makes it a valid WAV and points the call at it, so the call page plays it
// (and, with S3 configured, the uploader's sweep moves it like any other local recording).

export type TSalvageOutcome =
  // The file was repaired (or already whole) and the call now points at it.
  | "recovered"
  // The call already pointed at this file (a run that stopped halfway): made whole, nothing else to do.
  | "kept"
  // No audio in it (empty or header only): deleted.
  | "removed"
  // No file, no such call in that team, a recording elsewhere, or a file that is not the recorder's: untouched.
  | "skipped";

type TLog = { warn(message: string, fields?: Record<string, unknown>): void };

export async function salvageRecordings(
  db: Db,
  input: { recordingsDir: string; calls: { teamId: string; callId: string }[]; log?: TLog },
): Promise<{ recovered: string[]; removed: string[] }> {
  const recovered: string[] = [];
  const removed: string[] = [];
  for (const call of input.calls) {
    let outcome: TSalvageOutcome;
    try {
      outcome = await salvageRecording(db, { recordingsDir: input.recordingsDir, ...call, log: input.log });
    } catch (error) {
      // One unreadable file must not keep the server from starting or the other calls from being salvaged.
      input.log?.warn("recording salvage failed", { callId: call.callId, error });
      continue;
    }
    if (outcome === "recovered") recovered.push(call.callId);
    if (outcome === "removed") removed.push(call.callId);
  }
  return { recovered, removed };
}

export async function salvageRecording(
  db: Db,
  input: { recordingsDir: string; teamId: string; callId: string; log?: TLog },
): Promise<TSalvageOutcome> {
  const { teamId, callId } = input;
  const [row] = await db
    .select({ path: calls.recordingPath, storage: calls.recordingStorage })
    .from(calls)
    .where(and(eq(calls.id, callId), eq(calls.teamId, teamId)))
    .limit(1);
  if (!row) return "skipped";
  const key = recordingKey(teamId, callId);
  // A call whose recording is already somewhere else: the file at its key, if any, is not what it plays.
  if (row.path !== null && !(row.storage === "local" && row.path === key)) return "skipped";
  const file = createLocalRecordingStore(input.recordingsDir).pathOf(key);

  const handle = await open(file, "r+").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT" || error.code === "ENOTDIR") return null;
    throw error;
  });
  if (!handle) return "skipped";
  let dataBytes = 0;
  try {
    const { size } = await handle.stat();
    const head = new Uint8Array(Math.min(size, CALL_WAV_HEADER_BYTES));
    await handle.read(head, 0, head.length, 0);
    const repair = repairCallWav(head, size);
    if (repair.kind === "unrecognised") {
      input.log?.warn("recording left by a previous run is not a call WAV; left as is", { callId, bytes: size });
      return "skipped";
    }
    if (repair.kind === "repaired") {
      if (repair.isChanged) {
        await handle.truncate(repair.fileBytes);
        await handle.write(repair.header, 0, repair.header.length, 0);
        await handle.datasync();
      }
      dataBytes = repair.dataBytes;
    }
  } finally {
    await handle.close();
  }
  if (dataBytes === 0) {
    // A call already pointing at this key keeps its (broken) file rather than a dangling path.
    if (row.path !== null) return "skipped";
    await rm(file, { force: true });
    return "removed";
  }

  const durationMs = callWavDurationMs(dataBytes);
  const isPointed = await db.transaction(async (tx) => {
    const updated = await tx
      .update(calls)
      .set({ recordingPath: key, recordingStorage: "local" })
      .where(and(eq(calls.id, callId), eq(calls.teamId, teamId), isNull(calls.recordingPath)))
      .returning({ id: calls.id });
    if (updated.length === 0) return false;
    await tx.insert(callEvents).values({
      teamId,
      callId,
      atMs: durationMs,
      kind: "status",
      name: "recording_recovered",
      data: { reason: "voice_server_lost", durationMs, bytes: CALL_WAV_HEADER_BYTES + dataBytes },
    });
    return true;
  });
  return isPointed ? "recovered" : "kept";
}
