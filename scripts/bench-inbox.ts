// The caller directory and the inbox on the benchmark team (scripts/bench-analytics.ts): one caller per number
// that called, named, and one inbox item per message-taking call, with statuses, urgency, departments and
// assignees spread the way a busy front desk has them. Then what an owner runs every day: caller search by a
// whole number in another format, by part of a number and by name, and the inbox with its filters.
import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { memberships, users } from "@/db/schema";
import { listCallers } from "@/lib/callers/list-callers";
import { configureFieldEncryption } from "@/lib/crypto/team-fields";
import { countNewMessages, listMessages } from "@/lib/inbox/list-messages";

const FIRST = ["Maria", "James", "Mark", "Martin", "Linda", "Robert", "Patricia", "John", "Jennifer", "Michael", "Elizabeth", "David", "Barbara", "William", "Susan", "Richard", "Jessica", "Joseph", "Sarah", "Thomas", "Karen", "Charles", "Nancy", "Daniel", "Lisa", "Matthew", "Betty", "Anthony", "Sandra", "Donald", "Ashley", "Steven", "Emily", "Paul", "Donna", "Andrew", "Michelle", "Joshua", "Carol", "Kevin"];
const LAST = ["Garcia", "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores"];

export type TInboxBenchData = { callers: number; messages: number; sampleNumber: string; assigneeId: string };

export async function seedCallersAndMessages(db: Db, teamId: string, departments: string[]): Promise<TInboxBenchData> {
  const staff = await db
    .insert(users)
    .values(Array.from({ length: 6 }, (_, i) => ({ email: `staff${i}@bench.test`, name: `Staff ${i}` })))
    .returning({ id: users.id });
  await db.insert(memberships).values(staff.map((s) => ({ teamId, userId: s.id, role: "member" as const })));
  const first = sql.raw(`array[${FIRST.map((n) => `'${n}'`).join(",")}]`);
  const last = sql.raw(`array[${LAST.map((n) => `'${n}'`).join(",")}]`);
  const staffArr = sql.raw(`array[${staff.map((s) => `'${s.id}'`).join(",")}]`);
  const deptArr = sql.raw(`array[${departments.map((d) => `'${d}'`).join(",")}]`);
  // Four in five callers left a name at some point.
  await db.execute(sql`
    insert into callers (team_id, e164, first_call_at, last_call_at, call_count, last_call_id, last_outcome, name)
    select team_id, from_number, min(started_at), max(started_at), count(*)::int,
      (array_agg(id order by started_at desc))[1], (array_agg(outcome::text order by started_at desc))[1],
      case when random() < 0.8 then (${first})[1 + floor(random() * ${FIRST.length})::int] || ' ' || (${last})[1 + floor(random() * ${LAST.length})::int] else '' end
    from calls where team_id = ${teamId} and not is_test and direction = 'inbound'
    group by team_id, from_number`);
  // Older items are handled (or spam); the last weeks' are still new or assigned, as in a working inbox.
  await db.execute(sql`
    insert into caller_messages (team_id, call_id, caller_id, kind, caller_name, callback_number, message, department, is_urgent,
      status, assignee_id, handled_at, created_at, notified_at)
    select c.team_id, c.id, cr.id, case when r1 < 0.1 then 'voicemail' else 'message' end::message_kind, cr.name, c.from_number,
      'Please call back about ' || coalesce(c.topic, 'my account'), case when r2 < 0.6 then (${deptArr})[1 + floor(r3 * ${departments.length})::int] end,
      r4 < 0.08, st::message_status, case when st in ('assigned', 'handled') then (${staffArr})[1 + floor(r3 * ${staff.length})::int] end,
      case when st = 'handled' then c.ended_at + interval '3 hours' end, c.ended_at, c.ended_at
    from (
      select c.*, random() r1, random() r2, random() r3, random() r4,
        case when c.started_at > now() - interval '14 days' then (case when random() < 0.5 then 'new' else 'assigned' end)
             when random() < 0.97 then 'handled' else 'spam' end as st
      from calls c where c.team_id = ${teamId} and c.outcome = 'message_taken' and not c.is_test
    ) c
    join callers cr on cr.team_id = c.team_id and cr.e164 = c.from_number`);
  const [counts] = await db.execute<{ callers: number; messages: number; sample: string }>(sql`
    select (select count(*) from callers where team_id = ${teamId})::int as callers,
           (select count(*) from caller_messages where team_id = ${teamId})::int as messages,
           (select e164 from callers where team_id = ${teamId} order by random() limit 1) as sample`);
  return { callers: counts!.callers, messages: counts!.messages, sampleNumber: counts!.sample, assigneeId: staff[0]!.id };
}

// "+14441234567" as a person types it: "(444) 123-4567".
function asTyped(e164: string): string {
  const d = e164.slice(2);
  return `(${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`;
}

export function inboxQueries(db: Db, teamId: string, data: TInboxBenchData, now: Date): { name: string; run: () => Promise<unknown> }[] {
  // The seeded messages are plain text (as before field encryption): the inbox reads them as they are.
  configureFieldEncryption(null);
  const day = (offset: number) => new Date(now.getTime() - offset * 86_400_000).toISOString().slice(0, 10);
  return [
    { name: "callers: directory, first page", run: () => listCallers(db, teamId, {}) },
    { name: "callers: search a whole number, typed (444) 123-4567", run: () => listCallers(db, teamId, { q: asTyped(data.sampleNumber) }) },
    { name: "callers: search part of a number (7 digits)", run: () => listCallers(db, teamId, { q: data.sampleNumber.slice(-7) }) },
    { name: "callers: search a name (\"garc\")", run: () => listCallers(db, teamId, { q: "garc" }) },
    { name: "callers: search a common first name (\"mar\")", run: () => listCallers(db, teamId, { q: "mar" }) },
    { name: "inbox: new-items count (navigation)", run: () => countNewMessages(db, teamId) },
    { name: "inbox: open items, urgent first, first page", run: () => listMessages(db, teamId, {}) },
    {
      name: "inbox: all statuses, one assignee, one department, last 90 days",
      run: () => listMessages(db, teamId, { status: "all", assignee: data.assigneeId, department: "Billing", from: day(90), to: day(0) }),
    },
    { name: "inbox: handled, last 30 days", run: () => listMessages(db, teamId, { status: "handled", from: day(30), to: day(0) }) },
  ];
}
