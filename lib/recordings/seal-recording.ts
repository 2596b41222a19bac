import { open, rename, rm, type FileHandle } from "node:fs/promises";
import { and, asc, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { agentVersions, callEvents, callTurns, calls } from "@/db/schema";
import { teamDataKey, type TDataKey } from "@/lib/crypto/data-keys";
import type { TMasterKeyRing } from "@/lib/crypto/master-keys";
import { startPeriodic, type TPeriodic } from "@/lib/process/periodic";
import type { TLocalRecordingStore } from "./local-store";
import { DEFAULT_CHUNK_BYTES, encryptChunk, isSealedRecording, SEALED_TAG_BYTES, sealedHeader } from "./recording-cipher";
import { CALL_WAV_HEADER_BYTES, callWavSpanBytes, isCallWavLayout } from "./wav-header";

// Sealing turns the recorder's plaintext spool into the stored recording: the samples over every redacted
// utterance are rewritten to silence, then the file is encrypted under the team's data key and atomically put in
// place of the spool. During the call the recorder must write plaintext (it patches slots in place every second
// and crash recovery repairs the header, so a crash loses at most the last second); sealing runs as soon as the
// call ends (the voice server, right after its last turn is written), and the worker's sweep seals whatever that
// missed (a crash, a failure, recordings from before encryption). Only then does an upload to S3 happen.

export type TSealOutcome = "sealed" | "already" | "skipped" | "missing" | "busy" | "discarded";

type TLog = { warn(message: string, fields?: Record<string, unknown>): void; info?(message: string, fields?: Record<string, unknown>): void };

export async function sealRecording(
  db: Db,
  input: { local: TLocalRecordingStore; masterKeys: TMasterKeyRing; teamId: string; callId: string },
): Promise<TSealOutcome> {
  const { teamId, callId } = input;
  // One sealer per call across processes (voice server at call end, worker sweeps): the transaction-scoped lock
  // is held while the file is rewritten, and the row is marked in the same transaction.
  return db.transaction(async (tx) => {
    const [lock] = await tx.execute<{ ok: boolean }>(sql`select pg_try_advisory_xact_lock(hashtext(${"recording_seal:" + callId})) as ok`);
    if (!lock?.ok) return "busy";
    const [row] = await tx
      .select({ path: calls.recordingPath, storage: calls.recordingStorage, sealedAt: calls.recordingSealedAt, endedAt: calls.endedAt })
      .from(calls)
      .where(and(eq(calls.id, callId), eq(calls.teamId, teamId)))
      .limit(1);
    if (!row?.path || row.storage !== "local") return "skipped";
    if (row.sealedAt) return "already";
    const file = input.local.pathOf(row.path);
    const source = await open(file, "r").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT" || error.code === "ENOTDIR") return null;
      throw error;
    });
    if (!source) return "missing";
    let wasSealed: boolean;
    try {
      const { size } = await source.stat();
      const head = Buffer.alloc(Math.min(size, CALL_WAV_HEADER_BYTES));
      await source.read(head, 0, head.length, 0);
      wasSealed = isSealedRecording(head);
      const isCallWav = !wasSealed && isCallWavLayout(head);
      // An agent set to "Do not record": the live call should not have recorded at all (voice-server/session
      // decides that); whatever the recorder still wrote is deleted here rather than kept. A voicemail the caller
      // chose to leave is not the recorder's layout and is kept.
      if (isCallWav && (await recordingModeOf(tx, teamId, callId)) === "do_not_record") {
        await rm(file, { force: true });
        await tx
          .update(calls)
          .set({ recordingPath: null, recordingSealedAt: null })
          .where(and(eq(calls.id, callId), eq(calls.teamId, teamId), eq(calls.recordingPath, row.path)));
        await tx.insert(callEvents).values({ teamId, callId, atMs: 0, kind: "status", name: "recording_discarded", data: { reason: "do_not_record" } });
        return "discarded";
      }
      if (!wasSealed) {
        // The recorder's layout gets its redacted spans silenced; other audio (a voicemail from Twilio) has no
        // turns to silence and is encrypted as it is.
        const spans = isCallWav ? await silencedSpans(tx, teamId, callId) : [];
        await encryptFile(source, size, file, await teamDataKey(db, input.masterKeys, teamId), callWavSpanBytes(size, spans));
      }
    } finally {
      await source.close();
    }
    await tx
      .update(calls)
      .set({ recordingSealedAt: new Date() })
      .where(and(eq(calls.id, callId), eq(calls.teamId, teamId), eq(calls.recordingPath, row.path), isNull(calls.recordingSealedAt)));
    return wasSealed ? "already" : "sealed";
  });
}

// The plaintext in `source` (`size` bytes) encrypted chunk by chunk into a file beside `file`, the byte ranges in
// `silence` zeroed on the way, then renamed over it: memory stays at one chunk whatever the call's length, and a
// reader sees the plaintext or the finished encrypted file, never half of one.
async function encryptFile(source: FileHandle, size: number, file: string, key: TDataKey, silence: { start: number; end: number }[]): Promise<void> {
  const header = sealedHeader(size, key);
  const temp = `${file}.${process.pid}.${Date.now()}.seal`;
  const plain = Buffer.alloc(DEFAULT_CHUNK_BYTES);
  const sealed = Buffer.alloc(DEFAULT_CHUNK_BYTES + SEALED_TAG_BYTES);
  try {
    const out = await open(temp, "w");
    try {
      await out.write(header, 0, header.length, 0);
      let at = header.length;
      for (let index = 0, from = 0; from < size; index++, from += DEFAULT_CHUNK_BYTES) {
        const n = Math.min(DEFAULT_CHUNK_BYTES, size - from);
        const { bytesRead } = await source.read(plain, 0, n, from);
        if (bytesRead !== n) throw new Error("the recording changed while it was being encrypted");
        for (const range of silence) {
          const start = Math.max(range.start, from);
          const end = Math.min(range.end, from + n);
          if (end > start) plain.fill(0, start - from, end - from);
        }
        const written = encryptChunk(header, key, index, plain.subarray(0, n), sealed, 0);
        await out.write(sealed, 0, written, at);
        at += written;
      }
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

// Where the recording must be silent: redacted utterances, and the tones of keys typed while sensitive data was
// collected (masked dtmf events name the span; voice-server/session/keypad-privacy.ts).
async function silencedSpans(db: Pick<Db, "select">, teamId: string, callId: string): Promise<{ startMs: number; endMs: number }[]> {
  const turns = await db
    .select({ startMs: callTurns.startMs, endMs: callTurns.endMs })
    .from(callTurns)
    .where(and(eq(callTurns.teamId, teamId), eq(callTurns.callId, callId), isNotNull(callTurns.redactedKinds), sql`cardinality(${callTurns.redactedKinds}) > 0`))
    .orderBy(asc(callTurns.startMs));
  const keys = await db
    .select({ startMs: sql<number>`(${callEvents.data}->>'silenceFromMs')::int`, endMs: sql<number>`(${callEvents.data}->>'silenceToMs')::int` })
    .from(callEvents)
    .where(
      and(
        eq(callEvents.teamId, teamId),
        eq(callEvents.callId, callId),
        eq(callEvents.kind, "dtmf"),
        sql`jsonb_typeof(${callEvents.data}->'silenceFromMs') = 'number' and jsonb_typeof(${callEvents.data}->'silenceToMs') = 'number'`,
      ),
    );
  return [...turns, ...keys];
}

async function recordingModeOf(db: Pick<Db, "select">, teamId: string, callId: string): Promise<string | null> {
  const [row] = await db
    .select({ mode: sql<string | null>`${agentVersions.snapshot}->'config'->>'recordingMode'` })
    .from(calls)
    .innerJoin(agentVersions, and(eq(agentVersions.id, calls.agentVersionId), eq(agentVersions.teamId, calls.teamId)))
    .where(and(eq(calls.id, callId), eq(calls.teamId, teamId)))
    .limit(1);
  return row?.mode ?? null;
}

export type TRecordingSealer = {
  seal(call: { teamId: string; callId: string }): Promise<TSealOutcome | "failed">;
  // Seals ended calls' local recordings not sealed yet, oldest first.
  sweep(options?: { limit?: number }): Promise<{ sealed: number; failed: number }>;
  startSweeping(intervalMs: number): void;
  stop(): Promise<void>;
};

export function createRecordingSealer(options: { db: Db; local: TLocalRecordingStore; masterKeys: TMasterKeyRing; log?: TLog }): TRecordingSealer {
  const { db, local, masterKeys, log } = options;
  const inFlight = new Map<string, Promise<TSealOutcome | "failed">>();
  // Calls whose file is gone: not looked for again by this process's sweeps.
  const missing = new Set<string>();
  let sweeper: TPeriodic | null = null;
  let isStopped = false;

  function seal(call: { teamId: string; callId: string }): Promise<TSealOutcome | "failed"> {
    const running = inFlight.get(call.callId);
    if (running) return running;
    const promise = sealRecording(db, { local, masterKeys, ...call })
      .then((outcome) => {
        if (outcome === "missing") missing.add(call.callId);
        return outcome;
      })
      .catch((error: unknown) => {
        log?.warn("recording seal failed; the plaintext spool is kept and retried", { callId: call.callId, error });
        return "failed" as const;
      })
      .finally(() => inFlight.delete(call.callId));
    inFlight.set(call.callId, promise);
    return promise;
  }

  async function sweep(sweepOptions: { limit?: number } = {}) {
    const rows = await db
      .select({ teamId: calls.teamId, callId: calls.id })
      .from(calls)
      .where(and(eq(calls.recordingStorage, "local"), isNotNull(calls.recordingPath), isNull(calls.recordingSealedAt), isNotNull(calls.endedAt)))
      .orderBy(asc(calls.endedAt))
      .limit((sweepOptions.limit ?? 100) + missing.size);
    let sealed = 0;
    let failed = 0;
    for (const row of rows) {
      if (isStopped) break;
      if (missing.has(row.callId)) continue;
      const outcome = await seal(row);
      if (outcome === "sealed" || outcome === "already" || outcome === "discarded") sealed++;
      if (outcome === "failed") failed++;
    }
    if (sealed > 0 || failed > 0) log?.info?.("recording seal sweep", { sealed, failed });
    return { sealed, failed };
  }

  return {
    seal,
    sweep,
    startSweeping(intervalMs) {
      if (sweeper || isStopped) return;
      sweeper = startPeriodic({ intervalMs, run: () => sweep(), onError: (error) => log?.warn("recording seal sweep failed", { error }) });
    },
    async stop() {
      isStopped = true;
      await Promise.allSettled([sweeper?.stop(), ...inFlight.values()]);
    },
  };
}
