import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { users } from "@/db/schema";
import { signUp } from "@/lib/teams/sign-up";

export const DEMO_LOGIN = { email: "demo@example.com", password: "demo-password" } as const;

// Idempotent: the demo team is created once, on the first run against an empty database.
export async function seedDemo(db: Db): Promise<{ isCreated: boolean; teamSlug?: string }> {
  const [existing] = await db.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = ${DEMO_LOGIN.email}`);
  if (existing) return { isCreated: false };
  const { team } = await signUp(db, {
    name: "Demo Owner",
    email: DEMO_LOGIN.email,
    password: DEMO_LOGIN.password,
    companyName: "Demo Dental Clinic",
  });
  return { isCreated: true, teamSlug: team.slug };
}
