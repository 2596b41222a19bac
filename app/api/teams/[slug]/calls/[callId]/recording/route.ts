// GET /api/teams/[slug]/calls/[callId]/recording - the call's WAV recording (local disk or S3, decrypted as it streams), with Range support for seeking
import path from "node:path";
import { Readable } from "node:stream";
import { and, eq } from "drizzle-orm";
import { calls } from "@/db/schema";
import { recordAccessOnce } from "@/lib/audit/record-access";
import { teamRoute } from "@/lib/auth/entry-points";
import { DataKeyNotFoundError } from "@/lib/crypto/data-keys";
import { webMasterKeys } from "@/lib/crypto/web-key-ring";
import { AppError } from "@/lib/errors";
import { storeFor } from "@/lib/recordings/create-stores";
import { readRecording } from "@/lib/recordings/read-recording";
import { RECORDING_CONTENT_TYPE, type TRecordingRead } from "@/lib/recordings/store";
import { webRecordingStores } from "@/lib/recordings/web-stores";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const GET = teamRoute<{ slug: string; callId: string }>("calls.view", async ({ db, team, actor }, request, params) => {
  if (!UUID.test(params.callId)) throw new AppError("not_found", "Recording not found.");
  const [call] = await db
    .select({ recordingPath: calls.recordingPath, recordingStorage: calls.recordingStorage })
    .from(calls)
    .where(and(eq(calls.id, params.callId), eq(calls.teamId, team.id)))
    .limit(1);
  if (!call?.recordingPath) throw new AppError("not_found", "Recording not found.");
  // Keys are `{prefix}{teamId}/{callId}.wav`: a stored key must name this team's folder.
  if (path.posix.basename(path.posix.dirname(call.recordingPath)) !== team.id || call.recordingPath.includes("..") || call.recordingPath.startsWith("/")) {
    throw new AppError("not_found", "Recording not found.");
  }
  const store = storeFor(webRecordingStores(), call.recordingStorage);
  if (!store) throw new AppError("not_found", `The recording is in ${call.recordingStorage === "s3" ? "S3" : "local"} storage, which this server is not configured to read.`);
  // Playing and downloading are the same request: one entry per member and recording every 10 minutes, however
  // many byte ranges the player asks for.
  await recordAccessOnce(db, { teamId: team.id, actor, action: "recording.accessed", targetType: "call", targetId: params.callId, metadata: { storage: call.recordingStorage } });
  let read: TRecordingRead;
  try {
    read = await readRecording(db, {
      store,
      masterKeys: webMasterKeys(),
      teamId: team.id,
      key: call.recordingPath,
      range: request.headers.get("range"),
    });
  } catch (error) {
    if (error instanceof DataKeyNotFoundError) throw new AppError("not_found", "The recording can no longer be decrypted.");
    throw error;
  }
  if (read.kind === "missing") throw new AppError("not_found", "The recording file is missing.");

  const headers = new Headers({
    "Content-Type": RECORDING_CONTENT_TYPE,
    "Accept-Ranges": "bytes",
    "Cache-Control": "private, max-age=3600",
    "Content-Disposition": `inline; filename="call-${params.callId}.wav"`,
  });
  if (read.kind === "unsatisfiable") {
    headers.set("Content-Range", `bytes */${read.totalSize}`);
    return new Response(null, { status: 416, headers });
  }
  const { range, totalSize } = read;
  headers.set("Content-Length", String(range ? range.end - range.start + 1 : totalSize));
  if (range) headers.set("Content-Range", `bytes ${range.start}-${range.end}/${totalSize}`);
  const stream = Readable.toWeb(read.body) as ReadableStream<Uint8Array>;
  return new Response(stream, { status: range ? 206 : 200, headers });
});
