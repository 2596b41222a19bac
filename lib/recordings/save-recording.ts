import type { Db } from "@/db/client";
import { appendCallEvent } from "@/lib/calls/append-event";
import { teamDataKey } from "@/lib/crypto/data-keys";
import type { TMasterKeyRing } from "@/lib/crypto/master-keys";
import type { TRecordingStoreSet } from "./create-stores";
import { encryptRecording } from "./recording-cipher";
import type { TRecordingStorage } from "./store";

export type TSavedRecording = { path: string; storage: TRecordingStorage };

// A whole recording received at once (a voicemail): into S3 when configured, else on local disk. When S3 refuses
// it, it is kept on disk and the call gets an error event; the voice server's upload sweep moves it later.
export async function saveCallRecording(
  db: Db,
  stores: TRecordingStoreSet,
  input: { teamId: string; callId: string; bytes: Uint8Array; atMs: number; masterKeys?: TMasterKeyRing | null },
): Promise<TSavedRecording> {
  const { s3, local } = stores;
  // Encrypted under the team's data key before it is stored anywhere (a voicemail has no turns to silence); the
  // seal sweep then only marks a local one as sealed.
  const bytes = input.masterKeys ? encryptRecording(input.bytes, await teamDataKey(db, input.masterKeys, input.teamId)) : input.bytes;
  if (s3) {
    const key = s3.keyFor(input.teamId, input.callId);
    try {
      await s3.put(key, bytes);
      return { path: key, storage: "s3" };
    } catch (error) {
      if (!local) throw error;
      await appendCallEvent(db, {
        teamId: input.teamId,
        callId: input.callId,
        atMs: input.atMs,
        kind: "error",
        name: "recording_upload_failed",
        data: {
          stage: "recording",
          kind: "upload_failed",
          message: String(error instanceof Error ? error.message : error).slice(0, 500),
          retrying: true,
        },
      }).catch(() => {});
    }
  }
  if (!local) throw new Error("No recording store is configured.");
  const key = local.keyFor(input.teamId, input.callId);
  await local.put(key, bytes);
  return { path: key, storage: "local" };
}
