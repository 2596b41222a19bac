import { and, asc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { phoneNumbers, type PrivacyRequest } from "@/db/schema";
import type { TAuditActor } from "@/lib/audit/record-audit";
import { INLINE_EXPORT_MAX_CALLS, INLINE_EXPORT_MAX_RECORDING_BYTES, exportSize } from "./build-export";
import { findCallerData } from "./find-caller-data";
import { processPrivacyRequest, type TPrivacyDeps } from "./process-request";
import { createPrivacyRequest, type TPrivacyLaw, type TPrivacyRequestKind } from "./requests";
import { parseCallerNumber } from "./subject";

// The country national-format numbers are read in: the team's first number's, else US.
export async function teamDefaultCountry(db: Db, teamId: string): Promise<string> {
  const [row] = await db
    .select({ country: phoneNumbers.country })
    .from(phoneNumbers)
    .where(and(eq(phoneNumbers.teamId, teamId), eq(phoneNumbers.status, "active")))
    .orderBy(asc(phoneNumbers.createdAt))
    .limit(1);
  return row?.country ?? "US";
}

// Records a request in the register and carries it out: at once when it is small (the member gets the result on
// the same page), otherwise through the worker's queue (the page polls the status).
export async function submitPrivacyRequest(
  db: Db,
  deps: TPrivacyDeps & { enqueue: (requestId: string) => Promise<void> },
  input: { teamId: string; kind: TPrivacyRequestKind; law: TPrivacyLaw; number: string; actor: TAuditActor; note?: string },
): Promise<PrivacyRequest> {
  const subject = parseCallerNumber(input.number, await teamDefaultCountry(db, input.teamId));
  const created = await createPrivacyRequest(db, { ...input, subject, secretKey: deps.secretKey });
  const data = await findCallerData(db, input.teamId, subject);
  const isSmall =
    input.kind === "export"
      ? await exportSize(deps.stores, data).then((s) => s.calls <= INLINE_EXPORT_MAX_CALLS && s.recordingBytes <= INLINE_EXPORT_MAX_RECORDING_BYTES)
      : data.calls.length <= INLINE_EXPORT_MAX_CALLS;
  if (isSmall) return (await processPrivacyRequest(db, deps, created.id, input.actor)) ?? created;
  await deps.enqueue(created.id);
  return created;
}
