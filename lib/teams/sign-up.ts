import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { memberships, teams, users } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record-audit";
import { hashPassword } from "@/lib/auth/password";
import { AppError } from "@/lib/errors";
import { uniqueTeamSlug } from "./slug";

export const ZPassword = z
  .string()
  .min(10, "Use at least 10 characters")
  .max(200, "Use at most 200 characters");

export const ZSignUp = z.object({
  name: z.string().trim().min(1, "Enter your name").max(100),
  email: z.email("Enter a valid work email").trim().toLowerCase().max(254),
  password: ZPassword,
  companyName: z.string().trim().min(1, "Enter your company name").max(100),
});
export type TSignUp = z.infer<typeof ZSignUp>;

// Creates the user, their team and the owner membership in one transaction.
export async function signUp(db: Db, input: TSignUp, ip?: string | null) {
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.transaction(async (tx) => {
      const existing = await tx
        .select({ id: users.id })
        .from(users)
        .where(sql`lower(${users.email}) = ${input.email}`)
        .limit(1);
      if (existing.length > 0) throw new AppError("conflict", "An account with this email already exists. Sign in instead.");
      const [user] = await tx.insert(users).values({ name: input.name, email: input.email, passwordHash }).returning();
      const slug = await uniqueTeamSlug(tx, input.companyName);
      const [team] = await tx.insert(teams).values({ name: input.companyName, slug }).returning();
      if (!user || !team) throw new Error("insert returned nothing");
      await tx.insert(memberships).values({ teamId: team.id, userId: user.id, role: "owner" });
      await recordAudit(tx, {
        teamId: team.id,
        actor: { userId: user.id, label: user.email, ip },
        action: "team.created",
        targetType: "team",
        targetId: team.id,
        targetLabel: team.name,
      });
      return { user, team };
    });
  } catch (error) {
    // Two signups racing for one email: the unique index decides.
    if (error instanceof Error && "code" in error && error.code === "23505" && String(error.message).includes("users_email")) {
      throw new AppError("conflict", "An account with this email already exists. Sign in instead.");
    }
    throw error;
  }
}

// For a signed-in user creating another team.
export async function createTeam(db: Db, userId: string, actorLabel: string, name: string, ip?: string | null) {
  return db.transaction(async (tx) => {
    const slug = await uniqueTeamSlug(tx, name);
    const [team] = await tx.insert(teams).values({ name, slug }).returning();
    if (!team) throw new Error("insert returned nothing");
    await tx.insert(memberships).values({ teamId: team.id, userId, role: "owner" });
    await recordAudit(tx, {
      teamId: team.id,
      actor: { userId, label: actorLabel, ip },
      action: "team.created",
      targetType: "team",
      targetId: team.id,
      targetLabel: team.name,
    });
    return team;
  });
}
