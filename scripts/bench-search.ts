// What an owner searches every day on a big team, for `npm run bench:analytics` (scripts/bench-analytics.ts): the
// seed of its caller directory, its inbox and its call transcripts (set-based SQL, never row by row), and the
// queries the calls, callers and inbox pages and their API routes run, called through the same lib/ functions.
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "@/db/client";
import { memberships, users } from "@/db/schema";
import { listCallers } from "@/lib/callers/list-callers";
import { listCalls } from "@/lib/calls/list-calls";
import { countNewMessages, listMessageDepartments, listMessages } from "@/lib/inbox/list-messages";

const FIRST = ["Maria", "James", "Mark", "Martin", "Linda", "Robert", "Patricia", "John", "Jennifer", "Michael", "Elizabeth", "David", "Barbara", "William", "Susan", "Richard", "Jessica", "Joseph", "Sarah", "Thomas", "Karen", "Charles", "Nancy", "Daniel", "Lisa", "Matthew", "Betty", "Anthony", "Sandra", "Donald", "Ashley", "Steven", "Emily", "Paul", "Donna", "Andrew", "Michelle", "Joshua", "Carol", "Kevin"];
const LAST = ["Garcia", "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores"];

// What a caller says first, two ways per topic, in the order of the benchmark's topic list (bench-analytics.ts).
export const TOPIC_LINES: [string, string][] = [
  ["Hi, what are your opening hours this week?", "When do you open tomorrow morning?"],
  ["I would like to book an appointment for next week.", "Can I get an appointment with the doctor on Tuesday?"],
  ["I need to cancel my appointment on Friday.", "Hello, I cannot make it tomorrow, please cancel my appointment."],
  ["I have a question about my last bill.", "There is a charge on my invoice I do not understand."],
  ["I was charged twice and would like a refund.", "How long does a refund usually take?"],
  ["How much does a first consultation cost?", "Could you tell me your prices for a cleaning?"],
  ["Do you accept my insurance plan?", "Is this covered by Blue Shield insurance?"],
  ["How do I get to your office from the station?", "What is your address exactly?"],
  ["Is there parking near the building?", "Where can I park when I come in?"],
  ["I am calling about the status of my order.", "My order has not arrived yet, can you check it?"],
  ["When will my delivery arrive?", "Can you deliver on Saturday?"],
  ["I want to make a complaint about my last visit.", "I am not happy with how I was treated yesterday."],
  ["Are you hiring at the moment?", "I sent a job application last week and wanted to follow up."],
  ["Can I please speak to a person?", "I would like to talk to someone at the front desk."],
  ["I need to reschedule my visit to another day.", "Could we move my appointment to next Thursday?"],
  ["Are you open on the holidays?", "Will you be open on Christmas Eve?"],
  ["Which payment methods do you take?", "Can I pay by card or only cash?"],
  ["This is an emergency, my tooth is bleeding badly.", "I need someone urgently, it is an emergency."],
  ["I need a prescription refill for my medication.", "Can the doctor renew my prescription?"],
  ["I am calling for my test results.", "Are my blood test results back yet?"],
  ["I am a new patient and would like to register.", "Do you take new patients at the moment?"],
  ["What is the wifi password in the waiting room?", "Is there wifi for visitors?"],
  ["Do you sell gift cards?", "I would like to buy a gift card for my mother."],
  ["I think I left my umbrella at your office.", "Did anyone find a lost wallet yesterday?"],
  ["Sorry, I think I dialed the wrong number.", "Is this the pizza place?"],
];
const CALLER_FILLER = ["Tuesday morning would be best.", "Yes, that is right.", "Around three in the afternoon.", "Can you spell that back to me?", "I called last week about the same thing.", "It is for my daughter.", "Do you take card payments?", "Okay, thank you very much.", "Sorry, could you repeat that?", "No, I think that covers it."];
const AGENT_FILLER = ["Let me check that for you.", "Thanks, I have noted that.", "Could you tell me a little more about it?", "One moment please.", "Is there anything else I can help with?", "I can see an opening on Thursday at ten.", "Would you like me to book that for you?", "Got it, thank you."];

function textArray(values: string[]) {
  return sql.raw(`array[${values.map((v) => `'${v.replaceAll("'", "''")}'`).join(",")}]::text[]`);
}

// The name a number's owner gives, derived from the number so that the caller directory and the transcripts agree;
// one number in five never gives one.
function nameOf(e164: SQL) {
  const n = sql`substr(${e164}, 6)::int`;
  return sql`case when (${n} / 1600) % 5 = 0 then '' else (${textArray(FIRST)})[1 + ${n} % 40] || ' ' || (${textArray(LAST)})[1 + (${n} / 40) % 40] end`;
}

export type TSearchBenchData = { callers: number; messages: number; sampleNumber: string; assigneeId: string };

// Callers (one per number that called) and their messages (one per message-taking call, statuses spread the way a
// working front desk has them) for one team. `staffPrefix` keeps its members' emails unique.
export async function seedCallersAndMessages(
  db: Db,
  teamId: string,
  departments: string[],
  staffPrefix: string,
  log: (message: string) => void,
): Promise<TSearchBenchData> {
  const staff = await db
    .insert(users)
    .values(Array.from({ length: 6 }, (_, i) => ({ email: `${staffPrefix}${i}@bench.test`, name: `${staffPrefix} ${i}` })))
    .returning({ id: users.id });
  await db.insert(memberships).values(staff.map((s) => ({ teamId, userId: s.id, role: "member" as const })));
  const staffArr = sql.raw(`array[${staff.map((s) => `'${s.id}'`).join(",")}]`);
  const deptArr = textArray(departments);
  await db.execute(sql`
    insert into callers (team_id, e164, first_call_at, last_call_at, call_count, last_call_id, last_outcome, name)
    select team_id, from_number, min(started_at), max(started_at), count(*)::int,
      (array_agg(id order by started_at desc))[1], (array_agg(outcome::text order by started_at desc))[1], ${nameOf(sql`from_number`)}
    from calls where team_id = ${teamId} and not is_test and direction = 'inbound'
    group by team_id, from_number`);
  log("callers seeded");
  // Older items are handled (or spam); the last weeks' are still new or assigned, as in a working inbox.
  await db.execute(sql`
    insert into caller_messages (team_id, call_id, caller_id, kind, caller_name, callback_number, message, department, is_urgent,
      status, assignee_id, handled_at, created_at, notified_at)
    select c.team_id, c.id, cr.id, case when r1 < 0.1 then 'voicemail' else 'message' end::message_kind, cr.name, c.from_number,
      'Please call back about ' || coalesce(c.topic, 'my account'), case when r2 < 0.6 then (${deptArr})[1 + floor(r3 * ${departments.length})::int] end,
      r4 < 0.08, st::message_status, case when st in ('assigned', 'handled') then (${staffArr})[1 + floor(r5 * ${staff.length})::int] end,
      case when st = 'handled' then c.ended_at + interval '3 hours' end, c.ended_at, c.ended_at
    from (
      select c.*, random() r1, random() r2, random() r3, random() r4, random() r5,
        case when c.started_at > now() - interval '14 days' then (case when random() < 0.5 then 'new' else 'assigned' end)
             when random() < 0.97 then 'handled' else 'spam' end as st
      from calls c where c.team_id = ${teamId} and c.outcome = 'message_taken' and not c.is_test
    ) c
    join callers cr on cr.team_id = c.team_id and cr.e164 = c.from_number`);
  log("messages seeded");
  const [counts] = await db.execute<{ callers: number; messages: number; sample: string }>(sql`
    select (select count(*) from callers where team_id = ${teamId})::int as callers,
           (select count(*) from caller_messages where team_id = ${teamId})::int as messages,
           (select e164 from callers where team_id = ${teamId} order by random() limit 1) as sample`);
  return { callers: counts!.callers, messages: counts!.messages, sampleNumber: counts!.sample, assigneeId: staff[0]!.id };
}

// Every call's turns (calls.turn_count of them): the agent's greeting, the caller's reason (by the call's topic), the
// name, back-and-forth, and a closing line that follows the outcome. The generated tsvector column is computed
// by Postgres as in production. `topics` are the team's topic labels in the order of TOPIC_LINES. Run it inside
// bulkLoad("call_turns", ...).
export async function seedTurns(db: Db, teamId: string, topics: string[], log: (message: string) => void): Promise<number> {
  if (topics.length !== TOPIC_LINES.length) throw new Error("TOPIC_LINES must follow the topic list");
  const topicLines = textArray(TOPIC_LINES.flat());
  const batches = 10;
  const [span] = await db.execute<{ lo: string; hi: string }>(sql`
    select min(started_at)::text as lo, (max(started_at) + interval '1 second')::text as hi from calls where team_id = ${teamId}`);
  const lo = Date.parse(span!.lo);
  const step = (Date.parse(span!.hi) + 1000 - lo) / batches;
  let total = 0;
  for (let b = 0; b < batches; b++) {
    // Slices that meet exactly: each call in one of them.
    const from = new Date(b === 0 ? lo - 1000 : lo + b * step).toISOString();
    const to = new Date(lo + (b + 1) * step).toISOString();
    const rows = await db.transaction(async (tx) => {
      // The rows are consistent by construction: skip the per-row foreign key checks (and the search documents'
      // triggers: the caller rebuilds those in one statement) of a bulk load.
      await tx.execute(sql`set local session_replication_role = replica`);
      await tx.execute(sql`set local work_mem = '256MB'`);
      return tx.execute(sql`
        insert into call_turns (team_id, call_id, seq, speaker, text, start_ms, end_ms, first_audio_ms, created_at)
        select c.team_id, c.id, s.seq, case when s.seq % 2 = 0 then 'agent' else 'caller' end::speaker,
          case
            when s.seq = 0 then 'Thank you for calling, this is the virtual receptionist. How can I help you today?'
            when s.seq = c.turn_count - 1 and s.seq % 2 = 0 then case c.outcome
              when 'transferred' then 'Let me transfer you to ' || coalesce(c.transferred_to, 'the team') || ' now.'
              when 'message_taken' then 'I have taken your message and someone will call you back soon.'
              when 'failed' then 'Sorry, something went wrong on our side. Please call again.'
              else 'Glad I could help. Have a great day, goodbye.' end
            when s.seq = 1 then (${topicLines})[coalesce(2 * (c.ti - 1), 2 * floor(s.r * 25)::int) + 1 + floor(s.r * 2)::int]
            when s.seq = 2 then 'May I have your name, please?'
            when s.seq = 3 then case when cr.name = '' then 'I would rather not say.'
              when s.r < 0.5 then 'It is ' || cr.name || '.' else 'My name is ' || cr.name || ', my number is ' || regexp_replace(substr(c.from_number, 3), '(.)', '\\1 ', 'g') end
            when s.seq % 2 = 1 then (${textArray(CALLER_FILLER)})[1 + floor(s.r * ${CALLER_FILLER.length})::int]
            else (${textArray(AGENT_FILLER)})[1 + floor(s.r * ${AGENT_FILLER.length})::int]
          end,
          s.seq * 4000, s.seq * 4000 + 3200, case when s.seq % 2 = 0 and s.seq > 0 then c.voice_to_voice_p50_ms end,
          c.started_at + make_interval(secs => s.seq * 4)
        from (
          select c.*, array_position(${textArray(topics)}, c.topic) as ti from calls c
          where c.team_id = ${teamId} and not c.is_test and c.turn_count > 0 and c.started_at >= ${from}::timestamptz and c.started_at < ${to}::timestamptz
        ) c
        join callers cr on cr.team_id = c.team_id and cr.e164 = c.from_number
        cross join lateral (select g as seq, random() as r from generate_series(0, c.turn_count - 1) g) s
        -- In the order they happen: the turns of calls that overlap share the table's pages, as live calls' do.
        order by c.started_at + make_interval(secs => s.seq * 4)`);
    });
    total += rows.count;
    log(`turns: ${total.toLocaleString("en-US")}`);
  }
  return total;
}

// Loads a table with its secondary indexes (and, unless another table's foreign key needs it, its primary key)
// dropped, then builds them again with the statements the migrations made (pg_indexes), with room to sort in
// memory: how a bulk load is done.
export async function bulkLoad(
  db: Db,
  table: string,
  options: { dropPrimaryKey: boolean },
  load: () => Promise<void>,
  log: (message: string) => void,
): Promise<void> {
  const indexes = await db.execute<{ name: string; def: string; isPrimary: boolean }>(sql`
    select i.indexname as name, i.indexdef as def, coalesce(x.indisprimary, false) as "isPrimary"
    from pg_indexes i join pg_class ic on ic.relname = i.indexname join pg_index x on x.indexrelid = ic.oid
    where i.schemaname = 'public' and i.tablename = ${table} and (${options.dropPrimaryKey} or not x.indisprimary)`);
  for (const index of indexes) {
    if (index.isPrimary) await db.execute(sql.raw(`alter table "${table}" drop constraint "${index.name}"`));
    else await db.execute(sql.raw(`drop index "${index.name}"`));
  }
  await load();
  const started = Date.now();
  for (const index of indexes) {
    await db.transaction(async (tx) => {
      await tx.execute(sql`set local maintenance_work_mem = '1GB'`);
      if (index.isPrimary) await tx.execute(sql.raw(`alter table "${table}" add constraint "${index.name}" primary key (id)`));
      else await tx.execute(sql.raw(index.def));
    });
  }
  log(`${table}: ${indexes.length} indexes rebuilt in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

// "+14441234567" as a person types it: "(444) 123-4567".
function asTyped(e164: string): string {
  const d = e164.slice(2);
  return `(${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`;
}

export type TSearchQuery = { name: string; group: "calls" | "callers" | "inbox"; run: () => Promise<unknown> };

// Exactly what the pages and API routes call (app/t/[slug]/{calls,callers,inbox}/page.tsx, the team layout's
// navigation badge, /api/v1/{calls,callers,messages}), with what an owner types.
export function searchQueries(db: Db, teamId: string, data: TSearchBenchData, now: Date): TSearchQuery[] {
  const day = (offset: number) => new Date(now.getTime() - offset * 86_400_000).toISOString().slice(0, 10);
  const days = (n: number) => new Date(now.getTime() - n * 86_400_000).toISOString();
  let secondPage: string | null = null;
  return [
    { group: "calls", name: "calls: first page", run: () => listCalls(db, teamId, {}, null, 50) },
    {
      group: "calls",
      name: "calls: next page (keyset cursor)",
      run: async () => {
        secondPage ??= (await listCalls(db, teamId, {}, null, 50)).nextCursor;
        return listCalls(db, teamId, {}, secondPage, 50);
      },
    },
    { group: "calls", name: "calls: last 30 days, one outcome", run: () => listCalls(db, teamId, { from: days(30), outcome: "transferred" }, null, 50) },
    { group: "calls", name: "calls: transcript search, common word (\"appointment\")", run: () => listCalls(db, teamId, { q: "appointment" }, null, 50) },
    { group: "calls", name: "calls: transcript search, rarer word (\"refund\")", run: () => listCalls(db, teamId, { q: "refund" }, null, 50) },
    { group: "calls", name: "calls: transcript search, a surname (\"garcia\")", run: () => listCalls(db, teamId, { q: "garcia" }, null, 50) },
    { group: "calls", name: "calls: transcript search, a phrase (\"\\\"call you back\\\"\")", run: () => listCalls(db, teamId, { q: "\"call you back\"" }, null, 50) },
    { group: "calls", name: "calls: transcript search, two words (\"prescription refill\")", run: () => listCalls(db, teamId, { q: "prescription refill" }, null, 50) },
    { group: "calls", name: "calls: transcript search, no match (\"zanzibar\")", run: () => listCalls(db, teamId, { q: "zanzibar" }, null, 50) },
    { group: "calls", name: "calls: transcript search + last 30 days (\"insurance\")", run: () => listCalls(db, teamId, { q: "insurance", from: days(30) }, null, 50) },
    { group: "callers", name: "callers: directory, first page", run: () => listCallers(db, teamId, {}) },
    { group: "callers", name: "callers: a whole number, typed (444) 123-4567", run: () => listCallers(db, teamId, { q: asTyped(data.sampleNumber) }) },
    { group: "callers", name: "callers: a whole number, E.164", run: () => listCallers(db, teamId, { q: data.sampleNumber }) },
    { group: "callers", name: "callers: part of a number (7 digits)", run: () => listCallers(db, teamId, { q: data.sampleNumber.slice(-7) }) },
    { group: "callers", name: "callers: last 4 digits", run: () => listCallers(db, teamId, { q: data.sampleNumber.slice(-4) }) },
    { group: "callers", name: "callers: a surname, partial (\"garc\")", run: () => listCallers(db, teamId, { q: "garc" }) },
    { group: "callers", name: "callers: a common first name, partial (\"mar\")", run: () => listCallers(db, teamId, { q: "mar" }) },
    { group: "callers", name: "callers: a full name (\"maria garcia\")", run: () => listCallers(db, teamId, { q: "maria garcia" }) },
    { group: "callers", name: "callers: no match (\"zzyzx\")", run: () => listCallers(db, teamId, { q: "zzyzx" }) },
    { group: "inbox", name: "inbox: new-items count (navigation badge)", run: () => countNewMessages(db, teamId) },
    { group: "inbox", name: "inbox: open items, urgent first, first page", run: () => listMessages(db, teamId, {}) },
    { group: "inbox", name: "inbox: open items, page 3", run: () => listMessages(db, teamId, {}, 3) },
    { group: "inbox", name: "inbox: status new", run: () => listMessages(db, teamId, { status: "new" }) },
    { group: "inbox", name: "inbox: status assigned", run: () => listMessages(db, teamId, { status: "assigned" }) },
    { group: "inbox", name: "inbox: status handled (all time)", run: () => listMessages(db, teamId, { status: "handled" }) },
    { group: "inbox", name: "inbox: status spam", run: () => listMessages(db, teamId, { status: "spam" }) },
    { group: "inbox", name: "inbox: all statuses", run: () => listMessages(db, teamId, { status: "all" }) },
    { group: "inbox", name: "inbox: open, one assignee", run: () => listMessages(db, teamId, { assignee: data.assigneeId }) },
    { group: "inbox", name: "inbox: open, unassigned", run: () => listMessages(db, teamId, { assignee: "none" }) },
    { group: "inbox", name: "inbox: all statuses, one assignee", run: () => listMessages(db, teamId, { status: "all", assignee: data.assigneeId }) },
    { group: "inbox", name: "inbox: open, one department", run: () => listMessages(db, teamId, { department: "Billing" }) },
    { group: "inbox", name: "inbox: all statuses, one department", run: () => listMessages(db, teamId, { status: "all", department: "Billing" }) },
    { group: "inbox", name: "inbox: open, urgent only", run: () => listMessages(db, teamId, { isUrgent: true }) },
    { group: "inbox", name: "inbox: all statuses, urgent only", run: () => listMessages(db, teamId, { status: "all", isUrgent: true }) },
    { group: "inbox", name: "inbox: all statuses, last 7 days", run: () => listMessages(db, teamId, { status: "all", from: day(7), to: day(0) }) },
    { group: "inbox", name: "inbox: handled, last 30 days", run: () => listMessages(db, teamId, { status: "handled", from: day(30), to: day(0) }) },
    {
      group: "inbox",
      name: "inbox: all statuses, one assignee, one department, last 90 days",
      run: () => listMessages(db, teamId, { status: "all", assignee: data.assigneeId, department: "Billing", from: day(90), to: day(0) }),
    },
    { group: "inbox", name: "inbox: department filter's options", run: () => listMessageDepartments(db, teamId) },
  ];
}
