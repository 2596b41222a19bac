import { Readable } from "node:stream";
import type { Db } from "@/db/client";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import type { TRecordingStoreSet } from "@/lib/recordings/create-stores";
import { getPrivacyRequest } from "./requests";

// The export's zip as a download response (web route and API). Only the request's own team can reach it; after
// it expires (or the caller was erased since) it is gone. Every download is audited.
export async function exportDownloadResponse(
  db: Db,
  stores: TRecordingStoreSet,
  input: { teamId: string; requestId: string; actor: TAuditActor },
): Promise<Response> {
  const request = await getPrivacyRequest(db, input.teamId, input.requestId);
  if (request.kind !== "export") throw new AppError("not_found", "This request has no download.");
  if (request.status !== "completed") throw new AppError("conflict", "The export is not ready yet.", { status: request.status });
  if (!request.exportKey || !request.exportExpiresAt || request.exportExpiresAt.getTime() <= Date.now()) {
    throw new AppError("not_found", "This export has expired or was erased. Record a new export request.");
  }
  const store = request.exportStorage === "s3" ? stores.s3 : stores.local;
  const read = store ? await store.read(request.exportKey) : null;
  if (!read || read.kind !== "ok") throw new AppError("not_found", "The export file is missing.");
  await recordAudit(db, {
    teamId: input.teamId,
    actor: input.actor,
    action: "privacy.export_downloaded",
    targetType: "privacy_request",
    targetId: request.id,
    targetLabel: `Export for caller ${request.subjectHint}`,
    metadata: { subject_hash: request.subjectHash, bytes: read.totalSize },
  });
  return new Response(Readable.toWeb(read.body) as ReadableStream<Uint8Array>, {
    headers: {
      "content-type": "application/zip",
      "content-length": String(read.totalSize),
      "content-disposition": `attachment; filename="caller-data-${request.subjectHint.replace(/\D/g, "")}-${request.id.slice(0, 8)}.zip"`,
      "cache-control": "no-store",
    },
  });
}
