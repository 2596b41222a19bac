import { and, eq, inArray, isNull, or, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { callerMessages, callers, calls, phoneNumbers, privacyRequests, webhookDeliveries } from "@/db/schema";
import { flushDirtyRollups } from "@/lib/analytics/rollup";
import type { TRecordingStoreSet } from "@/lib/recordings/create-stores";
import { callbackMatches, fromNumberVariants } from "./find-caller-data";
import type { TCallerSubject } from "./subject";
import type { TTwilioRecordingEraser } from "./twilio-recordings";

// Erasure of one caller's data in one team (GDPR Art. 17, CCPA right to delete): every call from the number with
// its turns, events, analysis, captured fields and recording (local disk, S3, and the copy Twilio keeps), the
// messages the agent took from those calls or naming the number, the webhook delivery payloads about them, and any
// export of this caller still waiting to be downloaded. The voice agent's caller history reads these calls, so it
// forgets the caller too. What each call added to the dashboards is kept as anonymous counts (erased_call_stats),
// so analytics do not change. A call from the number that is still live is not cut off: the erasure waits for it.
//
// Order matters for "nothing is lost by half": files and Twilio first (a failure leaves the rows, so a retry can
// find them again), then every row in one transaction.

export type TErasureDeps = {
  stores: TRecordingStoreSet;
  twilio: TTwilioRecordingEraser | null;
};

export type TErasureResult =
  | { status: "waiting_for_call"; liveCalls: number }
  | {
      status: "completed";
      counts: {
        calls: number;
        recordings: number;
        twilio_recordings: number;
        twilio_accounts_unreachable: number;
        messages: number;
        webhook_deliveries: number;
        exports: number;
      };
    };

export async function eraseCallerData(
  db: Db,
  deps: TErasureDeps,
  input: { teamId: string; subject: TCallerSubject; subjectHash: string },
): Promise<TErasureResult> {
  const { teamId, subject } = input;
  const matches = and(eq(calls.teamId, teamId), inArray(calls.fromNumber, fromNumberVariants(subject)));
  const [live] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(calls)
    .where(and(matches, isNull(calls.endedAt)));
  if ((live?.n ?? 0) > 0) return { status: "waiting_for_call", liveCalls: live!.n };

  const found = await db
    .select({
      id: calls.id,
      twilioCallSid: calls.twilioCallSid,
      recordingPath: calls.recordingPath,
      recordingStorage: calls.recordingStorage,
      accountSid: phoneNumbers.twilioAccountSid,
    })
    .from(calls)
    .leftJoin(phoneNumbers, and(eq(phoneNumbers.id, calls.phoneNumberId), eq(phoneNumbers.teamId, calls.teamId)))
    .where(matches);
  const ids = found.map((c) => c.id);

  // Whatever the rollups still owe these calls is computed now, while the rows exist.
  for (let i = 0; i < 20 && (await flushDirtyRollups(db, { limit: 500 })) >= 500; i++);

  // Recordings: the key the call points at, and the canonical key in both stores (a file left on the spool after
  // an upload, or uploaded while the row still said local).
  let recordings = 0;
  for (const call of found) {
    const keys = new Map<string, "local" | "s3">();
    if (call.recordingPath) keys.set(`${call.recordingStorage}:${call.recordingPath}`, call.recordingStorage);
    if (deps.stores.local) keys.set(`local:${deps.stores.local.keyFor(teamId, call.id)}`, "local");
    if (deps.stores.s3) keys.set(`s3:${deps.stores.s3.keyFor(teamId, call.id)}`, "s3");
    for (const [tagged, storage] of keys) {
      const key = tagged.slice(storage.length + 1);
      const store = storage === "s3" ? deps.stores.s3 : deps.stores.local;
      if (!store) {
        if (call.recordingPath && key === call.recordingPath) {
          throw new Error(`a recording is in ${storage} storage, which this process is not configured to reach`);
        }
        continue;
      }
      if ((await store.size(key)) === null) continue;
      await store.remove(key);
      recordings += 1;
    }
  }

  const withSid = found.filter((c): c is typeof c & { twilioCallSid: string } => !!c.twilioCallSid);
  const twilio = withSid.length
    ? deps.twilio
      ? await deps.twilio.deleteForCalls(withSid.map((c) => ({ twilioCallSid: c.twilioCallSid, accountSid: c.accountSid })))
      : { deleted: 0, unreachable: withSid.length }
    : { deleted: 0, unreachable: 0 };

  // Exports of this caller not yet downloaded hold the same data.
  const exportsOfSubject = await db
    .select({ id: privacyRequests.id, storage: privacyRequests.exportStorage, key: privacyRequests.exportKey })
    .from(privacyRequests)
    .where(and(eq(privacyRequests.teamId, teamId), eq(privacyRequests.subjectHash, input.subjectHash), sql`${privacyRequests.exportKey} is not null`));
  for (const file of exportsOfSubject) {
    const store = file.storage === "s3" ? deps.stores.s3 : deps.stores.local;
    if (store && file.key) await store.remove(file.key);
  }

  // The messages naming the number, by the keyed hash of their (sealed) callback number.
  const callbackMatch = await callbackMatches(db, teamId, subject);
  return db.transaction(async (tx) => {
    // Re-read under lock: a call that started meanwhile waits for the next pass.
    const [again] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(calls)
      .where(and(matches, isNull(calls.endedAt)));
    if ((again?.n ?? 0) > 0) return { status: "waiting_for_call" as const, liveCalls: again!.n };
    const current = await tx.select({ id: calls.id }).from(calls).where(matches).for("update");
    // A call that ended between the file pass and now still has its files: the next pass takes it.
    const known = new Set(ids);
    if (current.some((c) => !known.has(c.id))) return { status: "waiting_for_call" as const, liveCalls: 0 };
    const callIds = current.map((c) => c.id);
    await tx.execute(sql`
      insert into erased_call_stats (team_id, agent_id, phone_number_id, started_at, answered_at, status, outcome,
        duration_sec, sentiment, transferred_to, topic_cluster_id, voice_to_voice_p50_ms, voice_to_voice_p95_ms)
      select team_id, agent_id, phone_number_id, started_at, answered_at, status::text, outcome::text, duration_sec,
        sentiment::text,
        -- The department's name, as the dashboards label transfers (the number dialled only when no event named it).
        coalesce((select nullif(e.name, '') from call_events e
          where e.team_id = calls.team_id and e.call_id = calls.id and e.kind = 'transfer' order by e.at_ms desc limit 1), transferred_to),
        topic_cluster_id, voice_to_voice_p50_ms, voice_to_voice_p95_ms
      from calls where team_id = ${teamId} and is_test = false and id = any(${callIds.length ? `{${callIds.join(",")}}` : "{}"}::uuid[])`);
    const deliveries = await tx
      .delete(webhookDeliveries)
      .where(
        and(
          eq(webhookDeliveries.teamId, teamId),
          or(
            callIds.length ? sql`${webhookDeliveries.payload}->'data'->'call'->>'id' = any(${`{${callIds.join(",")}}`}::text[])` : undefined,
            sql`${webhookDeliveries.payload}::text like ${`%${subject.e164}%`}`,
          ),
        ),
      )
      .returning({ id: webhookDeliveries.id });
    const messages = await tx
      .delete(callerMessages)
      .where(and(eq(callerMessages.teamId, teamId), or(callIds.length ? inArray(callerMessages.callId, callIds) : undefined, callbackMatch)))
      .returning({ id: callerMessages.id });
    // The caller directory's entry (name, notes, tags, flags): what the agent and the team knew of the caller.
    const directory = await tx
      .delete(callers)
      .where(and(eq(callers.teamId, teamId), eq(callers.e164, subject.e164)))
      .returning({ id: callers.id });
    // Turns and events go with their call (on delete cascade).
    if (callIds.length) await tx.delete(calls).where(and(eq(calls.teamId, teamId), inArray(calls.id, callIds)));
    if (exportsOfSubject.length) {
      await tx
        .update(privacyRequests)
        .set({ exportKey: null, exportStorage: null, exportExpiresAt: null, exportBytes: null, subjectEnc: null })
        .where(and(eq(privacyRequests.teamId, teamId), inArray(privacyRequests.id, exportsOfSubject.map((e) => e.id)), eq(privacyRequests.kind, "export")));
    }
    return {
      status: "completed" as const,
      counts: {
        calls: callIds.length,
        recordings,
        twilio_recordings: twilio.deleted,
        twilio_accounts_unreachable: twilio.unreachable,
        messages: messages.length,
        caller_entries: directory.length,
        webhook_deliveries: deliveries.length,
        exports: exportsOfSubject.length,
      },
    };
  });
}
