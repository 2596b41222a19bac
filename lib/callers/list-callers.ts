import { and, desc, eq, ilike, lt, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "@/db/client";
import { callers, type Caller } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { digitsOf, looksLikeNumber, toE164 } from "./phone";

export type TCallerFilters = {
  // A number in any common form (whole or in part) or a name (any word's beginning).
  q?: string;
  flag?: "vip" | "blocked";
  tag?: string;
};
export type TCallerPage = { callers: Caller[]; nextCursor: string | null };

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

// Cursor: the last row's "lastCallAt|id" (keyset on the directory's index).
function parseCursor(cursor: string | null): { at: Date; id: string } | null {
  if (!cursor) return null;
  const [at, id] = cursor.split("|");
  const date = new Date(at ?? "");
  if (!id || Number.isNaN(date.getTime()) || !/^[0-9a-f-]{36}$/i.test(id)) throw new AppError("bad_request", "Invalid cursor.");
  return { at: date, id };
}

export function callerSearchCondition(q: string, defaultCountry: "US" | string = "US"): SQL {
  const query = q.trim();
  if (query.length > 100) throw new AppError("bad_request", "Search for at most 100 characters.");
  if (looksLikeNumber(query)) {
    // A whole number in any format is one exact match; part of one is a contains-search on the digits.
    const e164 = toE164(query, defaultCountry as never);
    const digits = digitsOf(query);
    return e164 ? or(eq(callers.e164, e164), ilike(callers.e164, `%${escapeLike(digits)}%`))! : ilike(callers.e164, `%${escapeLike(digits)}%`);
  }
  const words = escapeLike(query.toLowerCase());
  // The start of the name or of any later word: "gar" finds "Maria Garcia". Both patterns use the trigram index.
  return sql`(lower(${callers.name}) like ${`${words}%`} or lower(${callers.name}) like ${`% ${words}%`})`;
}

export async function listCallers(
  db: Db,
  teamId: string,
  filters: TCallerFilters,
  cursor: string | null = null,
  limit = 50,
  options: { defaultCountry?: string } = {},
): Promise<TCallerPage> {
  const conditions: SQL[] = [eq(callers.teamId, teamId)];
  if (filters.q && filters.q.trim() !== "") conditions.push(callerSearchCondition(filters.q, options.defaultCountry));
  if (filters.flag === "vip") conditions.push(eq(callers.isVip, true));
  if (filters.flag === "blocked") conditions.push(eq(callers.isBlocked, true));
  if (filters.tag) conditions.push(sql`${callers.tags} @> array[${filters.tag}]::text[]`);
  const after = parseCursor(cursor);
  if (after) {
    conditions.push(
      or(
        lt(sql`coalesce(${callers.lastCallAt}, 'epoch'::timestamptz)`, after.at),
        and(eq(sql`coalesce(${callers.lastCallAt}, 'epoch'::timestamptz)`, after.at), lt(callers.id, after.id)),
      )!,
    );
  }
  const size = Math.min(Math.max(limit, 1), 200);
  const rows = await db
    .select()
    .from(callers)
    .where(and(...conditions))
    .orderBy(desc(callers.lastCallAt), desc(callers.id))
    .limit(size + 1);
  const page = rows.slice(0, size);
  const last = page[page.length - 1];
  return {
    callers: page,
    nextCursor: rows.length > size && last ? `${(last.lastCallAt ?? new Date(0)).toISOString()}|${last.id}` : null,
  };
}
