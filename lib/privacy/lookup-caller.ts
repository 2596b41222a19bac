import type { Db } from "@/db/client";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { callerDataDocument, findCallerData, type TCallerDataDocument } from "./find-caller-data";
import { subjectHash, subjectHashKey, parseCallerNumber } from "./subject";
import { teamDefaultCountry } from "./submit-request";

// A member (or an API key) looks a caller up: what the team holds about the number, as the export's JSON shows it.
// Every lookup is an audit entry, with the keyed hash of the number.
export async function lookupCaller(
  db: Db,
  input: { team: { id: string; name: string }; number: string; actor: TAuditActor; secretKey: Buffer; via: "web" | "api" },
): Promise<TCallerDataDocument> {
  const subject = parseCallerNumber(input.number, await teamDefaultCountry(db, input.team.id));
  const data = await findCallerData(db, input.team.id, subject);
  await recordAudit(db, {
    teamId: input.team.id,
    actor: input.actor,
    action: "privacy.caller_lookup",
    targetType: "caller",
    targetLabel: `Caller ${subject.hint}`,
    metadata: { subject_hash: subjectHash(subject.e164, subjectHashKey(input.secretKey)), calls: data.calls.length, messages: data.messages.length, via: input.via },
  });
  return callerDataDocument(data, input.team, new Date());
}
