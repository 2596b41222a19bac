import { open, readFile, rename, rm } from "node:fs/promises";
import { and, asc, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { agentVersions, callEvents, callTurns, calls } from "@/db/schema";
import { teamDataKey } from "@/lib/crypto/data-keys";
import type { TMasterKeyRing } from "@/lib/crypto/master-keys";
import type { TLocalRecordingStore } from "./local-store";
import { encryptRecording, isSealedRecording } from "./recording-cipher";
import { isCallWavLayout, silenceCallWav } from "./wav-header";

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
    const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT" || error.code === "ENOTDIR") return null;
      throw error;
    });
    if (!bytes) return "missing";
    // An agent set to "Do not record": the live call should not have recorded at all (voice-server/session decides
    // that); whatever the recorder still wrote is deleted here rather than kept. A voicemail the caller chose to
    // leave is not the recorder's layout and is kept.
    if (!isSealedRecording(bytes) && isCallWavLayout(bytes) && (await recordingModeOf(tx, teamId, callId)) === "do_not_record") {
      await rm(file, { force: true });
      await tx
        .update(calls)
        .set({ recordingPath: null, recordingSealedAt: null })
        .where(and(eq(calls.id, callId), eq(calls.teamId, teamId), eq(calls.recordingPath, row.path)));
      await tx.insert(callEvents).values({ teamId, callId, atMs: 0, kind: "status", name: "recording_discarded", data: { reason: "do_not_record" } });
      return "discarded";
    }
    if (!isSealedRecording(bytes)) {
      // The recorder's layout gets its redacted spans silenced; any other audio (a voicemail from Twilio) has no
      // turns to silence and is encrypted as it is.
      if (isCallWavLayout(bytes)) {
        const spans = await tx
          .select({ startMs: callTurns.startMs, endMs: callTurns.endMs })
          .from(callTurns)
          .where(and(eq(callTurns.teamId, teamId), eq(callTurns.callId, callId), isNotNull(callTurns.redactedKinds), sql`cardinality(${callTurns.redactedKinds}) > 0`))
          .orderBy(asc(callTurns.startMs));
        silenceCallWav(bytes, spans);
      }
      const key = await teamDataKey(db, input.masterKeys, teamId);
      const sealed = encryptRecording(bytes, key);
      const temp = `${file}.${process.pid}.${Date.now()}.seal`;
      try {
        const handle = await open(temp, "w");
        try {
          await handle.writeFile(sealed);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, file);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    }
    await tx
      .update(calls)
      .set({ recordingSealedAt: new Date() })
      .where(and(eq(calls.id, callId), eq(calls.teamId, teamId), eq(calls.recordingPath, row.path), isNull(calls.recordingSealedAt)));
    return isSealedRecording(bytes) ? "already" : "sealed";
  });
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
  let timer: NodeJS.Timeout | null = null;
  let sweeping: Promise<unknown> | null = null;
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
      if (timer || isStopped) return;
      const run = () => {
        sweeping ??= sweep()
          .catch((error: unknown) => log?.warn("recording seal sweep failed", { error }))
          .finally(() => {
            sweeping = null;
          });
      };
      run();
      timer = setInterval(run, intervalMs);
      timer.unref();
    },
    async stop() {
      isStopped = true;
      if (timer) clearInterval(timer);
      timer = null;
      await Promise.allSettled([sweeping, ...inFlight.values()]);
    },
  };
}
