import { and, asc, eq, gt, or, sql, type AnyColumn } from "drizzle-orm";
import type { Db } from "@/db/client";
import { callerMessages, calls } from "@/db/schema";
import type { TMasterKeyRing } from "./master-keys";
import { isSealedField, SEALED_FIELD_PREFIX, TeamFields } from "./team-fields";

// The data migration of encryption at rest: messages and captured fields written as plain text (before field
// encryption, or by a development process without a key) are sealed under their team's data key, in batches by
// id. Each row is rewritten only if it still holds what was read (compare-and-set), so it is safe while the app
// runs and to run again: a second run finds nothing left. The worker runs it at start (worker/worker.ts);
// `npm run data:encrypt-fields` runs it by hand.

export type TEncryptFieldsResult = { messages: number; calls: number };

const PLAIN = `${SEALED_FIELD_PREFIX}%`;

export async function encryptExistingFields(db: Db, ring: TMasterKeyRing, options: { batchSize?: number; shouldStop?: () => boolean } = {}): Promise<TEncryptFieldsResult> {
  const batchSize = options.batchSize ?? 500;
  const boxes = new Map<string, TeamFields>();
  const box = (teamId: string) => {
    let fields = boxes.get(teamId);
    if (!fields) boxes.set(teamId, (fields = new TeamFields(db, teamId, ring)));
    return fields;
  };
  const result: TEncryptFieldsResult = { messages: 0, calls: 0 };

  const isPlain = (column: AnyColumn) => sql`(${column} <> '' and ${column} not like ${PLAIN})`;
  let after = "00000000-0000-0000-0000-000000000000";
  while (!options.shouldStop?.()) {
    const rows = await db
      .select({ id: callerMessages.id, teamId: callerMessages.teamId, callerName: callerMessages.callerName, callbackNumber: callerMessages.callbackNumber, message: callerMessages.message })
      .from(callerMessages)
      .where(and(gt(callerMessages.id, after), or(isPlain(callerMessages.callerName), isPlain(callerMessages.callbackNumber), isPlain(callerMessages.message))))
      .orderBy(asc(callerMessages.id))
      .limit(batchSize);
    if (rows.length === 0) break;
    for (const row of rows) {
      const fields = box(row.teamId);
      // A callback number already sealed keeps its hash; a plain one gets it now.
      const macUpdate = isSealedField(row.callbackNumber) ? {} : { callbackNumberMac: await fields.numberMac(row.callbackNumber) };
      const updated = await db
        .update(callerMessages)
        .set({
          callerName: await fields.seal(row.callerName, "caller_messages.caller_name"),
          callbackNumber: await fields.seal(row.callbackNumber, "caller_messages.callback_number"),
          message: await fields.seal(row.message, "caller_messages.message"),
          ...macUpdate,
        })
        .where(
          and(
            eq(callerMessages.id, row.id),
            eq(callerMessages.teamId, row.teamId),
            eq(callerMessages.callerName, row.callerName),
            eq(callerMessages.callbackNumber, row.callbackNumber),
            eq(callerMessages.message, row.message),
          ),
        )
        .returning({ id: callerMessages.id });
      result.messages += updated.length;
    }
    after = rows[rows.length - 1]!.id;
  }

  after = "00000000-0000-0000-0000-000000000000";
  while (!options.shouldStop?.()) {
    const rows = await db
      .select({ id: calls.id, teamId: calls.teamId, capturedFields: calls.capturedFields })
      .from(calls)
      .where(
        and(
          gt(calls.id, after),
          sql`exists (select 1 from jsonb_each(${calls.capturedFields}) e where jsonb_typeof(e.value) = 'string' and e.value #>> '{}' <> '' and e.value #>> '{}' not like ${PLAIN})`,
        ),
      )
      .orderBy(asc(calls.id))
      .limit(batchSize);
    if (rows.length === 0) break;
    for (const row of rows) {
      const sealed = await box(row.teamId).sealFields(row.capturedFields);
      const updated = await db
        .update(calls)
        .set({ capturedFields: sealed })
        .where(and(eq(calls.id, row.id), eq(calls.teamId, row.teamId), sql`${calls.capturedFields} = ${JSON.stringify(row.capturedFields)}::jsonb`))
        .returning({ id: calls.id });
      result.calls += updated.length;
    }
    after = rows[rows.length - 1]!.id;
  }
  return result;
}
