import { and, desc, eq, gte, ilike, lt, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { agents, calls, callSearchDocs, phoneNumbers, type Call } from "@/db/schema";
import { openCallFields } from "@/lib/crypto/team-fields";
import { AppError } from "@/lib/errors";
import { zFreeText } from "@/lib/validation/free-text";

export const CALL_OUTCOMES = ["resolved", "transferred", "message_taken", "abandoned", "failed"] as const;
export const CALL_SENTIMENTS = ["positive", "neutral", "negative"] as const;

const emptyToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(emptyToUndefined, schema.optional());

// The filters of the calls page and of GET /api/v1/calls. Strings from a query string are accepted as they come
// (empty means "any"); `to` is exclusive.
export const ZCallFilters = z.object({
  from: optional(z.coerce.date({ error: "Must be a date" })),
  to: optional(z.coerce.date({ error: "Must be a date" })),
  agentId: optional(z.uuid("Must be an agent id")),
  phoneNumberId: optional(z.uuid("Must be a phone number id")),
  outcome: optional(z.enum(CALL_OUTCOMES)),
  sentiment: optional(z.enum(CALL_SENTIMENTS)),
  topic: optional(zFreeText().trim().max(200)),
  topicClusterId: optional(z.uuid("Must be a topic cluster id")),
  // Full-text search in transcripts, web-search syntax: words, "quoted phrases", -excluded.
  q: optional(zFreeText().trim().max(200)),
  testCalls: z.preprocess(emptyToUndefined, z.enum(["exclude", "include", "only"]).default("exclude")),
});
export type TCallFilters = z.infer<typeof ZCallFilters>;
export type TCallFiltersInput = z.input<typeof ZCallFilters>;

export type TCallListItem = Call & { agentName: string | null; phoneNumberE164: string | null };
export type TCallPage = { calls: TCallListItem[]; nextCursor: string | null };

type TCursor = { startedAt: string; id: string };

// Opaque to clients. started_at travels as UTC text with microseconds: a JS Date would drop the microseconds and
// make rows that share a millisecond repeat or vanish between pages.
export function encodeCallCursor(cursor: TCursor): string {
  return Buffer.from(JSON.stringify([cursor.startedAt, cursor.id])).toString("base64url");
}

export function decodeCallCursor(raw: string): TCursor {
  try {
    const parsed = z
      .tuple([z.string().min(1).max(64), z.uuid()])
      .parse(JSON.parse(Buffer.from(raw, "base64url").toString("utf8")));
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(parsed[0])) throw new Error("bad time");
    return { startedAt: parsed[0], id: parsed[1] };
  } catch {
    throw new AppError("bad_request", "The cursor is not valid. Start again from the first page.");
  }
}

// Every filter but the transcript search `q`, which needs listCalls' join to the search documents.
export function callFilterConditions(teamId: string, filters: TCallFilters): SQL[] {
  const conditions: SQL[] = [eq(calls.teamId, teamId)];
  if (filters.from) conditions.push(gte(calls.startedAt, filters.from));
  if (filters.to) conditions.push(lt(calls.startedAt, filters.to));
  if (filters.agentId) conditions.push(eq(calls.agentId, filters.agentId));
  if (filters.phoneNumberId) conditions.push(eq(calls.phoneNumberId, filters.phoneNumberId));
  if (filters.outcome) conditions.push(eq(calls.outcome, filters.outcome));
  if (filters.sentiment) conditions.push(eq(calls.sentiment, filters.sentiment));
  if (filters.topicClusterId) conditions.push(eq(calls.topicClusterId, filters.topicClusterId));
  if (filters.topic) conditions.push(ilike(calls.topic, `%${filters.topic.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
  if (filters.testCalls === "exclude") conditions.push(eq(calls.isTest, false));
  if (filters.testCalls === "only") conditions.push(eq(calls.isTest, true));
  return conditions;
}

// A transcript search first asks the team's part of the GIN index for its matching calls, up to this many: a word
// that few calls contain is then answered from that list, whatever the planner estimates for it.
export const TRANSCRIPT_SEARCH_LIST_MAX = 5000;
// How many of the newest documents a search for a common word tests before it asks for the list instead.
export const TRANSCRIPT_SEARCH_WINDOW = 5000;

// The calls whose transcript matches, from the GIN index only (bitmap scans: an index walk would stop early for a
// common word but read a whole team for a word the statistics think common, such as one another team says
// often). Newest first; null when more than TRANSCRIPT_SEARCH_LIST_MAX match.
async function matchingCallIds(db: Db, teamId: string, q: string, filters: TCallFilters, after: TCursor | null): Promise<string[] | null> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('enable_indexscan', 'off', true), set_config('enable_indexonlyscan', 'off', true),
      set_config('enable_seqscan', 'off', true)`);
    const rows = await tx.execute<{ id: string }>(sql`
      select id from (
        select call_id as id, started_at from call_search_docs
        where team_id = ${teamId} and doc @@ websearch_to_tsquery('english', ${q})
          ${filters.from ? sql`and started_at >= ${filters.from.toISOString()}::timestamptz` : sql``}
          ${filters.to ? sql`and started_at < ${filters.to.toISOString()}::timestamptz` : sql``}
          ${after ? sql`and (started_at, call_id) < (${after.startedAt}::timestamptz, ${after.id}::uuid)` : sql``}
        limit ${TRANSCRIPT_SEARCH_LIST_MAX + 1}
      ) m order by started_at desc, id desc`);
    return rows.length > TRANSCRIPT_SEARCH_LIST_MAX ? null : rows.map((r) => r.id);
  });
}

// How many of the team's calls the planner's statistics say match (EXPLAIN, no execution).
async function estimateMatches(db: Db, teamId: string, q: string): Promise<number> {
  const [row] = await db.execute<{ "QUERY PLAN": unknown }>(sql`explain (format json)
    select 1 from call_search_docs where team_id = ${teamId} and doc @@ websearch_to_tsquery('english', ${q})`);
  const raw = row?.["QUERY PLAN"];
  const plan = (typeof raw === "string" ? JSON.parse(raw) : raw) as { Plan?: { "Plan Rows"?: number } }[] | undefined;
  return plan?.[0]?.Plan?.["Plan Rows"] ?? 0;
}

// A team's calls, newest first, a page at a time. Keyset pagination on (started_at, id) walks the
// calls_team_started_idx index, so page 10,000 costs what page 1 does.
//
// A transcript search reads the team's search documents (call_search_docs, one per call, kept from call_turns by
// triggers, carrying the call's started_at). For a word the statistics call common, the newest documents are
// walked and only the matching calls joined; for a rare one (or when that walk finds too few), the team's part of
// the GIN index lists the matches and they are looked up newest first. Testing each walked call's turns took 290 ms
// at p95 for a surname said in 1% of 100,000 calls; a walk alone read every document for a word said nowhere, and
// a list alone cost a 5,000-row bitmap for every common word (bench:analytics).
export async function listCalls(
  db: Db,
  teamId: string,
  filters: TCallFiltersInput = {},
  cursor?: string | null,
  limit = 50,
): Promise<TCallPage> {
  const parsed = ZCallFilters.safeParse(filters);
  if (!parsed.success) {
    throw new AppError("bad_request", parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  }
  const pageSize = Math.min(Math.max(Math.trunc(limit) || 50, 1), 200);
  const conditions = callFilterConditions(teamId, parsed.data);
  const after = cursor ? decodeCallCursor(cursor) : null;
  const q = parsed.data.q;
  const base = conditions;
  // The team's documents newest first (after the cursor, within the dates); `window`: only the newest that many,
  // read in index order whatever the statistics say (a subquery with its own LIMIT).
  const documents = (window: number | null) => {
    const where: SQL[] = [eq(callSearchDocs.teamId, teamId)];
    if (after) where.push(sql`(${callSearchDocs.startedAt}, ${callSearchDocs.callId}) < (${after.startedAt}::timestamptz, ${after.id}::uuid)`);
    if (parsed.data.from) where.push(gte(callSearchDocs.startedAt, parsed.data.from));
    if (parsed.data.to) where.push(lt(callSearchDocs.startedAt, parsed.data.to));
    const query = db
      .select({ callId: callSearchDocs.callId, startedAt: callSearchDocs.startedAt, doc: callSearchDocs.doc })
      .from(callSearchDocs)
      .where(and(...where))
      .orderBy(desc(callSearchDocs.startedAt), desc(callSearchDocs.callId));
    return (window ? query.limit(window) : query).as("w");
  };
  // The calls themselves, or (`walk`) a walk over the team's documents joining only the matching calls.
  const select = (walk: { window: number | null } | null, where: SQL[], count: number) => {
    const w = walk ? documents(walk.window) : null;
    const sortAt = w ? w.startedAt : calls.startedAt;
    const sortId = w ? w.callId : calls.id;
    const all = [...where];
    if (after && !w) all.push(sql`(${calls.startedAt}, ${calls.id}) < (${after.startedAt}::timestamptz, ${after.id}::uuid)`);
    if (w) all.push(sql`${w.doc} @@ websearch_to_tsquery('english', ${q})`);
    let query = db
      .select({
        call: calls,
        agentName: agents.name,
        phoneNumberE164: phoneNumbers.e164,
        cursorAt: sql<string>`to_char(${calls.startedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
      })
      .from(calls)
      .leftJoin(agents, and(eq(agents.id, calls.agentId), eq(agents.teamId, calls.teamId)))
      .leftJoin(phoneNumbers, and(eq(phoneNumbers.id, calls.phoneNumberId), eq(phoneNumbers.teamId, calls.teamId)))
      .$dynamic();
    if (w) query = query.innerJoin(w, eq(w.callId, calls.id));
    return query
      .where(and(...all))
      .orderBy(desc(sortAt), desc(sortId))
      .limit(count);
  };
  let rows: Awaited<ReturnType<typeof select>> | null = null;
  if (!q) {
    rows = await select(null, base, pageSize + 1);
  } else {
    // A word the statistics call common: walk the newest TRANSCRIPT_SEARCH_WINDOW documents (a prefix of the
    // order, so what it finds is the page's start). Enough matches there answer the page.
    if ((await estimateMatches(db, teamId, q)) > TRANSCRIPT_SEARCH_LIST_MAX / 2) {
      const found = await select({ window: TRANSCRIPT_SEARCH_WINDOW }, base, pageSize + 1);
      if (found.length > pageSize) rows = found;
    }
    // Otherwise (a rare word, or one common elsewhere but rare here): the list of matches, when short enough.
    if (!rows) {
      const matching = await matchingCallIds(db, teamId, q, parsed.data, after);
      if (matching) {
        // Newest first, a few pages' worth at a time, through the other filters: each a primary-key lookup.
        rows = [];
        const chunk = 4 * (pageSize + 1);
        for (let i = 0; i < matching.length && rows.length <= pageSize; i += chunk) {
          const ids = `{${matching.slice(i, i + chunk).join(",")}}`;
          rows = rows.concat(await select(null, [...base, sql`${calls.id} = any(${ids}::uuid[])`], pageSize + 1 - rows.length));
        }
      } else {
        // Many matches, but few among the newest: the whole walk.
        rows = await select({ window: null }, base, pageSize + 1);
      }
    }
  }
  const page = rows.slice(0, pageSize);
  const last = page.at(-1);
  return {
    // Captured fields are stored sealed (lib/crypto/team-fields.ts); listed readable.
    calls: await Promise.all(page.map(async (r) => ({ ...(await openCallFields(db, r.call)), agentName: r.agentName, phoneNumberE164: r.phoneNumberE164 }))),
    nextCursor: rows.length > pageSize && last ? encodeCallCursor({ startedAt: last.cursorAt, id: last.call.id }) : null,
  };
}
