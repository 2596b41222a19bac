import { and, asc, desc, eq, inArray, or, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import {
  agents,
  callerMessages,
  callEvents,
  calls,
  callTurns,
  phoneNumbers,
  type Call,
  type CallerMessage,
  type CallEvent,
  type CallTurn,
} from "@/db/schema";
import { openMessage, SEALED_FIELD_PREFIX, TeamFields } from "@/lib/crypto/team-fields";
import type { TCallerSubject } from "./subject";

// Everything one team holds about one caller number: their calls (with turns, events, recording, analysis and
// captured fields) and the messages the agent took, whether from their calls or naming the number as the one to
// call back. Another team's data with the same number is never read: every query carries the team id.

export type TCallerCall = Call & {
  agentName: string | null;
  phoneNumberE164: string | null;
  twilioAccountSid: string | null;
  turns: CallTurn[];
  events: CallEvent[];
};

export type TCallerData = { subject: TCallerSubject; calls: TCallerCall[]; messages: CallerMessage[] };

// Forms calls.from_number takes: E.164 from Twilio, and whatever else a path might have written.
export function fromNumberVariants(subject: TCallerSubject): string[] {
  return [...new Set([subject.e164, subject.e164Digits, subject.nationalDigits])];
}

// Messages name the number to call back in free text: compared on digits, with the country code (also after an
// international 00), or national with or without the trunk 0 ("020 7946 0958").
export function callbackDigitForms(subject: TCallerSubject): string[] {
  return [subject.e164Digits, `00${subject.e164Digits}`, subject.nationalDigits, `0${subject.nationalDigits}`];
}

// The callback number is stored sealed, with a keyed hash of its digits (lib/crypto/team-fields.ts): matched on
// that hash; rows written before encryption still by their plain digits.
export async function callbackMatches(db: DbOrTx, teamId: string, subject: TCallerSubject): Promise<SQL> {
  const forms = callbackDigitForms(subject);
  const macs = await new TeamFields(db, teamId).numberMacs(forms);
  const digits = sql`regexp_replace(${callerMessages.callbackNumber}, '[^0-9]', '', 'g')`;
  const plain = sql`(${callerMessages.callbackNumber} not like ${`${SEALED_FIELD_PREFIX}%`} and ${digits} in (${sql.join(
    forms.map((f) => sql`${f}`),
    sql`, `,
  )}))`;
  return macs.length > 0 ? sql`(${inArray(callerMessages.callbackNumberMac, macs)} or ${plain})` : plain;
}

export async function findCallerCallIds(db: DbOrTx, teamId: string, subject: TCallerSubject): Promise<string[]> {
  const rows = await db
    .select({ id: calls.id })
    .from(calls)
    .where(and(eq(calls.teamId, teamId), inArray(calls.fromNumber, fromNumberVariants(subject))));
  return rows.map((r) => r.id);
}

export async function findCallerData(db: DbOrTx, teamId: string, subject: TCallerSubject): Promise<TCallerData> {
  const rows = await db
    .select({ call: calls, agentName: agents.name, phoneNumberE164: phoneNumbers.e164, twilioAccountSid: phoneNumbers.twilioAccountSid })
    .from(calls)
    .leftJoin(agents, and(eq(agents.id, calls.agentId), eq(agents.teamId, calls.teamId)))
    .leftJoin(phoneNumbers, and(eq(phoneNumbers.id, calls.phoneNumberId), eq(phoneNumbers.teamId, calls.teamId)))
    .where(and(eq(calls.teamId, teamId), inArray(calls.fromNumber, fromNumberVariants(subject))))
    .orderBy(desc(calls.startedAt));
  const ids = rows.map((r) => r.call.id);
  const callbackMatch = await callbackMatches(db, teamId, subject);
  const [turns, events, sealedMessages] = await Promise.all([
    ids.length
      ? db.select().from(callTurns).where(and(eq(callTurns.teamId, teamId), inArray(callTurns.callId, ids))).orderBy(asc(callTurns.seq))
      : Promise.resolve([] as CallTurn[]),
    ids.length
      ? db
          .select()
          .from(callEvents)
          .where(and(eq(callEvents.teamId, teamId), inArray(callEvents.callId, ids)))
          .orderBy(asc(callEvents.atMs), asc(callEvents.createdAt))
      : Promise.resolve([] as CallEvent[]),
    db
      .select()
      .from(callerMessages)
      .where(and(eq(callerMessages.teamId, teamId), or(ids.length ? inArray(callerMessages.callId, ids) : undefined, callbackMatch)))
      .orderBy(desc(callerMessages.createdAt)),
  ]);
  // The caller's own words, readable for the export and the lookup (stored sealed).
  const fields = new TeamFields(db, teamId);
  const messages = await Promise.all(sealedMessages.map((m) => openMessage(db, m, fields)));
  const readableCalls = await Promise.all(rows.map(async (r) => ({ ...r, call: { ...r.call, capturedFields: await fields.openFields(r.call.capturedFields) } })));
  const byCall = <T extends { callId: string }>(list: T[]) => {
    const map = new Map<string, T[]>();
    for (const item of list) map.set(item.callId, [...(map.get(item.callId) ?? []), item]);
    return map;
  };
  const turnsOf = byCall(turns);
  const eventsOf = byCall(events);
  return {
    subject,
    calls: readableCalls.map((r) => ({
      ...r.call,
      agentName: r.agentName,
      phoneNumberE164: r.phoneNumberE164,
      twilioAccountSid: r.twilioAccountSid,
      turns: turnsOf.get(r.call.id) ?? [],
      events: eventsOf.get(r.call.id) ?? [],
    })),
    messages,
  };
}

// The JSON document of an export and of the API lookup: snake_case, ISO times, no internal storage paths.
export function callerDataDocument(data: TCallerData, team: { name: string }, generatedAt: Date) {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    generated_at: generatedAt.toISOString(),
    controller: team.name,
    caller_number: data.subject.e164,
    calls: data.calls.map((c) => ({
      id: c.id,
      direction: c.direction,
      is_test: c.isTest,
      from: c.fromNumber,
      to: c.toNumber,
      business_number: c.phoneNumberE164,
      agent: c.agentName,
      status: c.status,
      outcome: c.outcome,
      end_reason: c.endReason,
      transferred_to: c.transferredTo,
      started_at: iso(c.startedAt),
      answered_at: iso(c.answeredAt),
      ended_at: iso(c.endedAt),
      duration_sec: c.durationSec,
      is_live: c.endedAt === null,
      recording_file: c.recordingPath ? `recordings/${c.id}.wav` : null,
      analysis: {
        status: c.analysisStatus,
        summary: c.summary,
        sentiment: c.sentiment,
        sentiment_score: c.sentimentScore,
        topic: c.topic,
        analyzed_at: iso(c.analyzedAt),
      },
      captured_fields: c.capturedFields,
      transcript: c.turns.map((t) => ({
        seq: t.seq,
        speaker: t.speaker,
        text: t.text,
        start_ms: t.startMs,
        end_ms: t.endMs,
        is_interrupted: t.isInterrupted,
        sentiment: t.sentiment,
      })),
      events: c.events.map((e) => ({ at_ms: e.atMs, kind: e.kind, name: e.name, data: e.data })),
    })),
    messages: data.messages.map((m) => ({
      id: m.id,
      call_id: m.callId,
      caller_name: m.callerName,
      callback_number: m.callbackNumber,
      message: m.message,
      status: m.status,
      created_at: iso(m.createdAt),
      handled_at: iso(m.handledAt),
    })),
  };
}
export type TCallerDataDocument = ReturnType<typeof callerDataDocument>;
