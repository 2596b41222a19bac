import { eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { users } from "@/db/schema";

// Sessions are stateless JWTs, so a session cannot be deleted; instead each one carries the user's session
// generation from when it was issued, and a session whose generation is no longer the user's is refused on every
// read (the jwt callback in auth.ts and getSessionUser in entry-points.ts). Bumping the generation ends every
// session of the user at once: sign out everywhere, a password change, a password reset.

// Tokens issued before generations existed carry none; they belong to generation 0, the column's default.
export function generationOf(token: object): number {
  const gen = (token as { gen?: unknown }).gen;
  return typeof gen === "number" && Number.isInteger(gen) ? gen : 0;
}

export async function currentSessionGeneration(db: DbOrTx, userId: string): Promise<number | null> {
  const [row] = await db
    .select({ generation: users.sessionGeneration })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  return row ? row.generation : null;
}

// Ends every existing session of the user, the caller's own included. Returns the new generation.
export async function revokeAllSessions(db: DbOrTx, userId: string): Promise<number> {
  const [row] = await db
    .update(users)
    .set({ sessionGeneration: sql`${users.sessionGeneration} + 1` })
    .where(eq(users.id, userId))
    .returning({ generation: users.sessionGeneration });
  if (!row) throw new Error(`revokeAllSessions: no user ${userId}`);
  return row.generation;
}
