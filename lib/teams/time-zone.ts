import { asc, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { agents } from "@/db/schema";
import { isValidTimeZone } from "@/lib/time/zone";

// The zone the dashboard shows a team's times and days in: the one set in team settings, else the business-hours
// zone of the team's first agent (the owner picked it when creating that agent), else UTC.
export async function teamTimeZone(db: DbOrTx, team: { id: string; timeZone: string | null }): Promise<string> {
  if (team.timeZone && isValidTimeZone(team.timeZone)) return team.timeZone;
  return (await firstAgentTimeZone(db, team.id)) ?? "UTC";
}

export async function firstAgentTimeZone(db: DbOrTx, teamId: string): Promise<string | null> {
  const [row] = await db
    .select({ tz: sql<string | null>`${agents.config}->'businessHours'->>'timeZone'` })
    .from(agents)
    .where(eq(agents.teamId, teamId))
    .orderBy(asc(agents.createdAt))
    .limit(1);
  return row?.tz && isValidTimeZone(row.tz) ? row.tz : null;
}

// Intl and Postgres each carry their own copy of the zone database; a zone only one of them knows would break the
// dashboard's queries, so a saved zone must be known to both.
export async function isZoneKnownToDatabase(db: DbOrTx, tz: string): Promise<boolean> {
  const rows = await db.execute<{ ok: number }>(sql`select 1 as ok from pg_timezone_names where name = ${tz} limit 1`);
  return rows.length > 0;
}
