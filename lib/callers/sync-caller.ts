import { and, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { callers, calls, type Caller } from "@/db/schema";
import { TeamFields, UNREADABLE_FIELD } from "@/lib/crypto/team-fields";
import { isCallerNumber } from "./phone";

// Brings the caller entry of one call's number up to date from the calls themselves: first and last call, how many,
// the last outcome, and the name (the newest message's, else a captured name field's), unless a member typed one.
// Computed from the rows rather than incremented, so it can run at call start, at the end, after analysis and
// again for the same call without counting anything twice. Test calls and withheld numbers have no entry.
export async function syncCallerForCall(db: DbOrTx, input: { teamId: string; callId: string }): Promise<Caller | null> {
  const [call] = await db
    .select({ fromNumber: calls.fromNumber, isTest: calls.isTest, direction: calls.direction })
    .from(calls)
    .where(and(eq(calls.id, input.callId), eq(calls.teamId, input.teamId)))
    .limit(1);
  if (!call || call.isTest || call.direction !== "inbound" || !isCallerNumber(call.fromNumber)) return null;
  return syncCaller(db, { teamId: input.teamId, e164: call.fromNumber });
}

export async function syncCaller(db: DbOrTx, input: { teamId: string; e164: string }): Promise<Caller | null> {
  const { teamId, e164 } = input;
  const rows = await db.execute<{ id: string }>(sql`
    with stats as (
      select count(*)::int as n, min(started_at) as first_at, max(started_at) as last_at,
             (array_agg(id order by started_at desc, id desc))[1] as last_id,
             (array_agg(outcome::text order by started_at desc, id desc))[1] as last_outcome
      from calls
      where team_id = ${teamId} and from_number = ${e164} and not is_test
    )
    insert into callers (team_id, e164, first_call_at, last_call_at, call_count, last_call_id, last_outcome)
    select ${teamId}, ${e164}, s.first_at, s.last_at, s.n, s.last_id, s.last_outcome
    from stats s where s.n > 0
    on conflict (team_id, e164) do update set
      first_call_at = excluded.first_call_at,
      last_call_at = excluded.last_call_at,
      call_count = excluded.call_count,
      last_call_id = excluded.last_call_id,
      last_outcome = excluded.last_outcome,
      updated_at = now()
    returning id`);
  const id = rows[0]?.id;
  if (!id) return null;
  // Messages of this number's calls belong to the entry; the newest named one names it.
  await db.execute(sql`
    update caller_messages m set caller_id = ${id}
    from calls c
    where m.team_id = ${teamId} and m.caller_id is null and c.id = m.call_id and c.team_id = ${teamId} and c.from_number = ${e164}`);
  const name = await newestCallerName(db, { teamId, e164, callerId: id });
  const [caller] = await db
    .update(callers)
    .set({ name: sql`case when ${callers.isNameEdited} then ${callers.name} else coalesce(${name}::text, ${callers.name}) end` })
    .where(and(eq(callers.id, id), eq(callers.teamId, teamId)))
    .returning();
  return caller ?? null;
}

// The newest name the caller gave: a message's, else a captured name field's. Both are stored sealed
// (lib/crypto/team-fields.ts), so the candidates are read and opened here rather than compared in SQL.
async function newestCallerName(db: DbOrTx, input: { teamId: string; e164: string; callerId: string }): Promise<string | null> {
  const { teamId, e164, callerId } = input;
  const fields = new TeamFields(db, teamId);
  const messages = await db.execute<{ caller_name: string }>(sql`
    select m.caller_name from caller_messages m
    where m.team_id = ${teamId} and m.caller_id = ${callerId} and m.caller_name <> ''
    order by m.created_at desc limit 5`);
  for (const m of messages) {
    const name = (await fields.open(m.caller_name, "caller_messages.caller_name")).trim();
    if (name && name !== UNREADABLE_FIELD) return name;
  }
  const captured = await db.execute<{ value: string }>(sql`
    select value from calls, jsonb_each_text(captured_fields)
    where team_id = ${teamId} and from_number = ${e164} and not is_test and key ~ '(^|_)(name|full_name|caller_name)$'
      and key !~ '(company|business|pet|doctor)' and value <> ''
    order by started_at desc limit 5`);
  for (const c of captured) {
    const name = (await fields.open(c.value, "calls.captured_fields")).trim();
    if (name && name !== UNREADABLE_FIELD) return name;
  }
  return null;
}

// What the incoming-call webhook needs before it routes a call: the number's flags and name. One indexed read.
export async function findCallerByNumber(db: DbOrTx, input: { teamId: string; e164: string }): Promise<Caller | null> {
  if (!isCallerNumber(input.e164)) return null;
  const [caller] = await db
    .select()
    .from(callers)
    .where(and(eq(callers.teamId, input.teamId), eq(callers.e164, input.e164)))
    .limit(1);
  return caller ?? null;
}
