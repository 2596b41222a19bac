import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { users, type User } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { ZPassword } from "@/lib/teams/sign-up";
import { hashPassword, verifyPassword } from "./password";
import { hitRateLimit, resetRateLimit } from "./rate-limit";

export const ZChangePassword = z
  .object({
    currentPassword: z.string().min(1, "Enter your current password").max(200),
    newPassword: ZPassword,
    confirmPassword: z.string(),
  })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ["confirmPassword"], message: "The two passwords do not match" });
export type TChangePassword = z.infer<typeof ZChangePassword>;

// A stolen session must not become a way to guess the account's password through this form.
export const CHANGE_PASSWORD_LIMIT = { limit: 10, windowMs: 15 * 60 * 1000 } as const;

// Sets a new password after checking the current one, and ends every session of the user (the caller's own too:
// the action signs them in again with the new password).
export async function changePassword(db: Db, user: Pick<User, "id">, input: TChangePassword): Promise<void> {
  const key = `password-change:user:${user.id}`;
  const limit = await hitRateLimit(db, key, CHANGE_PASSWORD_LIMIT);
  if (!limit.isAllowed) throw new AppError("rate_limited", "Too many attempts. Wait 15 minutes and try again.");
  const [row] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, user.id)).limit(1);
  if (!row?.passwordHash || !(await verifyPassword(row.passwordHash, input.currentPassword))) {
    throw new AppError("bad_request", "Your current password is not correct.", { field: "currentPassword" });
  }
  if (input.newPassword === input.currentPassword) {
    throw new AppError("bad_request", "Choose a password different from your current one.", { field: "newPassword" });
  }
  const passwordHash = await hashPassword(input.newPassword);
  await db
    .update(users)
    .set({ passwordHash, sessionGeneration: sql`${users.sessionGeneration} + 1` })
    .where(eq(users.id, user.id));
  await resetRateLimit(db, key);
}
