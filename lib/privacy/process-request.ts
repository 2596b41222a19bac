import { and, eq, inArray, lt, or, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { privacyRequests, teams, type PrivacyRequest } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { openSecret } from "@/lib/crypto/secret-box";
import type { TRecordingStoreSet } from "@/lib/recordings/create-stores";
import { buildCallerExport } from "./build-export";
import { eraseCallerData } from "./erase-caller-data";
import { parseCallerNumber } from "./subject";
import type { TTwilioRecordingEraser } from "./twilio-recordings";

// Carries out one request of the register: builds the export zip, or applies the erasure. Runs in the web request
// for small requests and in the worker (lib/privacy/queue.ts) for large ones and for erasures waiting on a live
// call. Safe to run twice and from two processes: a request is claimed by moving it to `processing`.

export type TPrivacyDeps = {
  stores: TRecordingStoreSet;
  // S3_PREFIX, so exports sit beside the recordings under the same prefix.
  s3Prefix: string;
  secretKey: Buffer;
  twilio: TTwilioRecordingEraser | null;
  exportTtlMs?: number;
};

export const EXPORT_TTL_MS = 7 * 86_400_000;
// A claim older than this belongs to a process that died.
const STALE_CLAIM_MS = 15 * 60_000;

const SYSTEM: TAuditActor = { label: "system (privacy requests)" };

export async function processPrivacyRequest(db: Db, deps: TPrivacyDeps, requestId: string, actor: TAuditActor = SYSTEM): Promise<PrivacyRequest | null> {
  const [claimed] = await db
    .update(privacyRequests)
    .set({ status: "processing" })
    .where(
      and(
        eq(privacyRequests.id, requestId),
        or(
          inArray(privacyRequests.status, ["received", "waiting_for_call", "failed"]),
          and(eq(privacyRequests.status, "processing"), lt(privacyRequests.updatedAt, new Date(Date.now() - STALE_CLAIM_MS))),
        ),
      ),
    )
    .returning();
  if (!claimed) return null;
  const finish = async (values: Partial<PrivacyRequest>) => {
    const [row] = await db
      .update(privacyRequests)
      .set(values)
      .where(and(eq(privacyRequests.id, claimed.id), eq(privacyRequests.teamId, claimed.teamId)))
      .returning();
    return row ?? null;
  };
  try {
    if (!claimed.subjectEnc) throw new Error("the request no longer holds the caller's number");
    const subject = parseCallerNumber(openSecret(claimed.subjectEnc, deps.secretKey));
    const [team] = await db.select({ id: teams.id, name: teams.name }).from(teams).where(eq(teams.id, claimed.teamId));
    if (!team) return null;
    if (claimed.kind === "export") {
      const { zip, counts } = await buildCallerExport(db, deps.stores, team, subject);
      const storage = deps.stores.s3 ? "s3" : "local";
      const store = deps.stores.s3 ?? deps.stores.local;
      if (!store) throw new Error("no storage is configured for exports (set RECORDINGS_DIR or S3)");
      const key = `${storage === "s3" ? deps.s3Prefix : ""}privacy-exports/${team.id}/${claimed.id}.zip`;
      await store.put(key, zip);
      const done = await finish({
        status: "completed",
        completedAt: new Date(),
        exportStorage: storage,
        exportKey: key,
        exportBytes: zip.length,
        exportExpiresAt: new Date(Date.now() + (deps.exportTtlMs ?? EXPORT_TTL_MS)),
        counts: JSON.stringify(counts),
        subjectEnc: null,
        error: null,
      });
      await recordAudit(db, {
        teamId: team.id,
        actor,
        action: "privacy.export_ready",
        targetType: "privacy_request",
        targetId: claimed.id,
        targetLabel: `Export for caller ${claimed.subjectHint}`,
        metadata: { subject_hash: claimed.subjectHash, ...counts, bytes: zip.length },
      });
      return done;
    }
    const result = await eraseCallerData(db, { stores: deps.stores, twilio: deps.twilio }, { teamId: team.id, subject, subjectHash: claimed.subjectHash });
    if (result.status === "waiting_for_call") {
      return finish({ status: "waiting_for_call", error: null });
    }
    const done = await finish({ status: "completed", completedAt: new Date(), counts: JSON.stringify(result.counts), subjectEnc: null, error: null });
    await recordAudit(db, {
      teamId: team.id,
      actor,
      action: "privacy.erasure_completed",
      targetType: "privacy_request",
      targetId: claimed.id,
      targetLabel: `Erasure for caller ${claimed.subjectHint}`,
      metadata: { subject_hash: claimed.subjectHash, ...result.counts },
    });
    return done;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return finish({ status: "failed", error: message.slice(0, 500) });
  }
}

// Requests the worker should (re)try: erasures waiting for a live call, failures after a pause, claims of a dead
// process, and requests whose job was never sent.
export async function findRequestsToRetry(db: Db, options: { failedAfterMs?: number; limit?: number } = {}): Promise<string[]> {
  const rows = await db
    .select({ id: privacyRequests.id })
    .from(privacyRequests)
    .where(
      or(
        eq(privacyRequests.status, "waiting_for_call"),
        and(eq(privacyRequests.status, "received"), lt(privacyRequests.createdAt, new Date(Date.now() - 60_000))),
        and(eq(privacyRequests.status, "failed"), lt(privacyRequests.updatedAt, new Date(Date.now() - (options.failedAfterMs ?? 5 * 60_000)))),
        and(eq(privacyRequests.status, "processing"), lt(privacyRequests.updatedAt, new Date(Date.now() - STALE_CLAIM_MS))),
      ),
    )
    .orderBy(privacyRequests.receivedAt)
    .limit(options.limit ?? 100);
  return rows.map((r) => r.id);
}

// Export files past their expiry are deleted; the register keeps the request with its counts.
export async function purgeExpiredExports(db: Db, stores: TRecordingStoreSet, now = new Date()): Promise<number> {
  const rows = await db
    .select({ id: privacyRequests.id, teamId: privacyRequests.teamId, storage: privacyRequests.exportStorage, key: privacyRequests.exportKey })
    .from(privacyRequests)
    .where(and(sql`${privacyRequests.exportKey} is not null`, lt(privacyRequests.exportExpiresAt, now)))
    .limit(500);
  for (const row of rows) {
    const store = row.storage === "s3" ? stores.s3 : stores.local;
    if (!store || !row.key) continue;
    await store.remove(row.key);
    await db
      .update(privacyRequests)
      .set({ exportKey: null, exportStorage: null })
      .where(and(eq(privacyRequests.id, row.id), eq(privacyRequests.teamId, row.teamId)));
  }
  return rows.length;
}
