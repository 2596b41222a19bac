// GET /api/teams/[slug]/calls/[callId]/recording - the call's WAV recording, with Range support for seeking
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { and, eq } from "drizzle-orm";
import { calls } from "@/db/schema";
import { teamRoute } from "@/lib/auth/entry-points";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const GET = teamRoute<{ slug: string; callId: string }>("calls.view", async ({ db, team }, request, params) => {
  if (!UUID.test(params.callId)) throw new AppError("not_found", "Recording not found.");
  const [call] = await db
    .select({ recordingPath: calls.recordingPath })
    .from(calls)
    .where(and(eq(calls.id, params.callId), eq(calls.teamId, team.id)))
    .limit(1);
  if (!call?.recordingPath) throw new AppError("not_found", "Recording not found.");
  // The stored path is relative to RECORDINGS_DIR and must stay inside this team's folder.
  const teamDir = path.resolve(env().RECORDINGS_DIR, team.id);
  const file = path.resolve(env().RECORDINGS_DIR, call.recordingPath);
  if (!file.startsWith(teamDir + path.sep)) throw new AppError("not_found", "Recording not found.");
  const stat = await fs.promises.stat(file).catch(() => null);
  if (!stat?.isFile()) throw new AppError("not_found", "The recording file is missing.");

  const headers = new Headers({
    "Content-Type": "audio/wav",
    "Accept-Ranges": "bytes",
    "Cache-Control": "private, max-age=3600",
    "Content-Disposition": `inline; filename="call-${params.callId}.wav"`,
  });
  const range = parseRange(request.headers.get("range"), stat.size);
  if (range === "invalid") {
    headers.set("Content-Range", `bytes */${stat.size}`);
    return new Response(null, { status: 416, headers });
  }
  const { start, end } = range ?? { start: 0, end: stat.size - 1 };
  headers.set("Content-Length", String(end - start + 1));
  if (range) headers.set("Content-Range", `bytes ${start}-${end}/${stat.size}`);
  const stream = Readable.toWeb(fs.createReadStream(file, { start, end })) as ReadableStream<Uint8Array>;
  return new Response(stream, { status: range ? 206 : 200, headers });
});

// One byte range ("bytes=a-b", "bytes=a-", "bytes=-n"); several ranges are answered with the whole file.
function parseRange(header: string | null, size: number): { start: number; end: number } | "invalid" | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const [, a = "", b = ""] = m;
  if (a === "" && b === "") return "invalid";
  let start: number;
  let end: number;
  if (a === "") {
    start = Math.max(0, size - Number(b));
    end = size - 1;
  } else {
    start = Number(a);
    end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start > end || start >= size) return "invalid";
  return { start, end };
}
