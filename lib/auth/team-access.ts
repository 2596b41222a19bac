import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { memberships, teams, type Team, type TeamRole } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { can, type TPermission } from "./roles";

export type TTeamAccess = { team: Team; role: TeamRole };

// The team comes from the URL slug and the membership is checked in the same query: a slug the user is not a
// member of resolves to nothing, exactly like a slug that does not exist.
export async function resolveTeamAccess(db: DbOrTx, userId: string, slug: string): Promise<TTeamAccess | null> {
  const rows = await db
    .select({ team: teams, role: memberships.role })
    .from(teams)
    .innerJoin(memberships, and(eq(memberships.teamId, teams.id), eq(memberships.userId, userId)))
    .where(eq(teams.slug, slug))
    .limit(1);
  return rows[0] ?? null;
}

// Non-members get not_found (404), never forbidden: they must not learn that the team exists.
export async function requireTeamAccess(
  db: DbOrTx,
  userId: string,
  slug: string,
  permission: TPermission,
): Promise<TTeamAccess> {
  const access = await resolveTeamAccess(db, userId, slug);
  if (!access) throw new AppError("not_found", "Not found");
  if (!can(access.role, permission)) throw new AppError("forbidden", "Your role does not allow this action.");
  return access;
}

export async function listUserTeams(db: DbOrTx, userId: string) {
  return db
    .select({ id: teams.id, name: teams.name, slug: teams.slug, role: memberships.role })
    .from(memberships)
    .innerJoin(teams, eq(teams.id, memberships.teamId))
    .where(eq(memberships.userId, userId))
    .orderBy(teams.name);
}
