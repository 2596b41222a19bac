import { and, desc, eq, gte, ilike, lt, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { agents, calls, phoneNumbers, type Call } from "@/db/schema";
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
  if (filters.q) {
    conditions.push(sql`exists (
      select 1 from call_turns t
      where t.team_id = ${calls.teamId} and t.call_id = ${calls.id}
        and t.search_vector @@ websearch_to_tsquery('english', ${filters.q})
    )`);
  }
  return conditions;
}

// A team's calls, newest first, a page at a time. Keyset pagination on (started_at, id) walks the
// calls_team_started_idx index, so page 10,000 costs what page 1 does.
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
  if (cursor) {
    const after = decodeCallCursor(cursor);
    conditions.push(sql`(${calls.startedAt}, ${calls.id}) < (${after.startedAt}::timestamptz, ${after.id}::uuid)`);
  }
  const rows = await db
    .select({
      call: calls,
      agentName: agents.name,
      phoneNumberE164: phoneNumbers.e164,
      cursorAt: sql<string>`to_char(${calls.startedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(calls)
    .leftJoin(agents, and(eq(agents.id, calls.agentId), eq(agents.teamId, calls.teamId)))
    .leftJoin(phoneNumbers, and(eq(phoneNumbers.id, calls.phoneNumberId), eq(phoneNumbers.teamId, calls.teamId)))
    .where(and(...conditions))
    .orderBy(desc(calls.startedAt), desc(calls.id))
    .limit(pageSize + 1);
  const page = rows.slice(0, pageSize);
  const last = page.at(-1);
  return {
    // Captured fields are stored sealed (lib/crypto/team-fields.ts); listed readable.
    calls: await Promise.all(page.map(async (r) => ({ ...(await openCallFields(db, r.call)), agentName: r.agentName, phoneNumberE164: r.phoneNumberE164 }))),
    nextCursor: rows.length > pageSize && last ? encodeCallCursor({ startedAt: last.cursorAt, id: last.call.id }) : null,
  };
}
