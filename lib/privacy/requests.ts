import { and, desc, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { privacyRequests, type PrivacyRequest } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { sealSecret } from "@/lib/crypto/secret-box";
import { AppError } from "@/lib/errors";
import { subjectHash, subjectHashKey, type TCallerSubject } from "./subject";

// The register of caller data requests (db/schema/privacy.ts). Who may handle them: owners and admins
// (lib/auth/roles.ts "privacy.manage"), the roles that already see the audit log and every call.

export const PRIVACY_LAWS = ["gdpr", "ccpa"] as const;
export type TPrivacyLaw = (typeof PRIVACY_LAWS)[number];
export const PRIVACY_REQUEST_KINDS = ["export", "erasure"] as const;
export type TPrivacyRequestKind = (typeof PRIVACY_REQUEST_KINDS)[number];

// GDPR Art. 12(3): one month (30 days here, the shorter reading); CCPA §1798.130: 45 days.
export const RESPONSE_DAYS: Record<TPrivacyLaw, number> = { gdpr: 30, ccpa: 45 };

export const LAW_LABELS: Record<TPrivacyLaw, string> = { gdpr: "GDPR", ccpa: "CCPA" };
export const KIND_LABELS: Record<TPrivacyRequestKind, string> = { export: "Access / export", erasure: "Erasure" };

export function dueDate(law: TPrivacyLaw, receivedAt: Date): Date {
  return new Date(receivedAt.getTime() + RESPONSE_DAYS[law] * 86_400_000);
}

export async function createPrivacyRequest(
  db: DbOrTx,
  input: {
    teamId: string;
    kind: TPrivacyRequestKind;
    law: TPrivacyLaw;
    subject: TCallerSubject;
    secretKey: Buffer;
    actor: TAuditActor;
    note?: string;
    receivedAt?: Date;
  },
): Promise<PrivacyRequest> {
  const receivedAt = input.receivedAt ?? new Date();
  const hash = subjectHash(input.subject.e164, subjectHashKey(input.secretKey));
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(privacyRequests)
      .values({
        teamId: input.teamId,
        kind: input.kind,
        law: input.law,
        subjectHash: hash,
        subjectHint: input.subject.hint,
        subjectEnc: sealSecret(input.subject.e164, input.secretKey),
        note: input.note ?? "",
        receivedAt,
        dueAt: dueDate(input.law, receivedAt),
        requestedById: input.actor.userId ?? null,
        requestedByLabel: input.actor.label,
      })
      .returning();
    if (!row) throw new Error("privacy request insert returned no row");
    await recordAudit(tx, {
      teamId: input.teamId,
      actor: input.actor,
      action: input.kind === "export" ? "privacy.export_requested" : "privacy.erasure_requested",
      targetType: "privacy_request",
      targetId: row.id,
      targetLabel: `${KIND_LABELS[input.kind]} (${LAW_LABELS[input.law]}) for caller ${input.subject.hint}`,
      // The keyed hash, never the number: an auditor holding the number and the key can match it.
      metadata: { subject_hash: hash, law: input.law },
    });
    return row;
  });
}

export async function listPrivacyRequests(db: DbOrTx, teamId: string, options: { limit?: number } = {}): Promise<PrivacyRequest[]> {
  return db
    .select()
    .from(privacyRequests)
    .where(eq(privacyRequests.teamId, teamId))
    .orderBy(desc(privacyRequests.receivedAt), desc(privacyRequests.id))
    .limit(Math.min(options.limit ?? 100, 500));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function getPrivacyRequest(db: DbOrTx, teamId: string, id: string): Promise<PrivacyRequest> {
  if (!UUID.test(id)) throw new AppError("not_found", "Request not found.");
  const [row] = await db
    .select()
    .from(privacyRequests)
    .where(and(eq(privacyRequests.teamId, teamId), eq(privacyRequests.id, id)))
    .limit(1);
  if (!row) throw new AppError("not_found", "Request not found.");
  return row;
}

export function requestCounts(row: Pick<PrivacyRequest, "counts">): Record<string, number> {
  try {
    const parsed = JSON.parse(row.counts) as unknown;
    return parsed && typeof parsed === "object" ? (parsed as Record<string, number>) : {};
  } catch {
    return {};
  }
}

export function isOverdue(row: Pick<PrivacyRequest, "dueAt" | "completedAt">, now = new Date()): boolean {
  return !row.completedAt && row.dueAt.getTime() < now.getTime();
}

// The public JSON shape of a request (API and tests).
export function toPrivacyRequestOut(row: PrivacyRequest, apiBase = "/api/v1") {
  const isDownloadable = row.kind === "export" && !!row.exportKey && !!row.exportExpiresAt && row.exportExpiresAt.getTime() > Date.now();
  return {
    id: row.id,
    kind: row.kind,
    law: row.law,
    status: row.status,
    caller_hint: row.subjectHint,
    note: row.note,
    received_at: row.receivedAt.toISOString(),
    due_at: row.dueAt.toISOString(),
    completed_at: row.completedAt?.toISOString() ?? null,
    requested_by: row.requestedByLabel,
    counts: requestCounts(row),
    error: row.error,
    download_url: isDownloadable ? `${apiBase}/caller-data/requests/${row.id}/download` : null,
    download_expires_at: isDownloadable ? row.exportExpiresAt!.toISOString() : null,
  };
}
