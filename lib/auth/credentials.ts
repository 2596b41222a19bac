import { sql } from "drizzle-orm";
import { CredentialsSignin } from "next-auth";
import { z } from "zod";
import type { Db } from "@/db/client";
import { users } from "@/db/schema";
import { recordSignIn } from "@/lib/audit/record-sign-in";
import { clientIp, rateLimitIpKey } from "./client-ip";
import { burnPasswordCheck, verifyPassword } from "./password";
import { hitRateLimit, resetRateLimit } from "./rate-limit";

export class RateLimitedSignin extends CredentialsSignin {
  code = "rate_limited";
}

const ZCredentials = z.object({ email: z.string().trim().toLowerCase().min(1).max(254), password: z.string().min(1).max(200) });

// Per email and per IP: a slow brute force on one account, and a spray across many, are both capped.
export const SIGN_IN_LIMITS = { perEmail: 10, perIp: 50, windowMs: 15 * 60 * 1000 } as const;

// The credentials provider's authorize(): the user for a right email and password, null otherwise, and
// RateLimitedSignin past either limit. The IP comes from clientIp, so a spoofed X-Forwarded-For cannot buy a
// fresh per-IP budget.
// Every outcome is audited (lib/audit/record-sign-in.ts); `auditHashKey` keys the hash of unknown emails.
export async function authorizeCredentials(db: Db, raw: unknown, headers: Headers, options: { auditHashKey?: Buffer | null } = {}) {
  const parsed = ZCredentials.safeParse(raw);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;
  const ip = rateLimitIpKey(clientIp(headers));
  const audit = (user: { id: string; email: string } | null, outcome: "success" | "failure", reason?: "wrong_password" | "unknown_email" | "rate_limited" | "no_password") =>
    recordSignIn(db, { email, user, outcome, reason, ip: clientIp(headers), hashKey: options.auditHashKey ?? null });
  const [byEmail, byIp] = await Promise.all([
    hitRateLimit(db, `signin:email:${email}`, { limit: SIGN_IN_LIMITS.perEmail, windowMs: SIGN_IN_LIMITS.windowMs }),
    hitRateLimit(db, `signin:ip:${ip}`, { limit: SIGN_IN_LIMITS.perIp, windowMs: SIGN_IN_LIMITS.windowMs }),
  ]);
  if (!byEmail.isAllowed || !byIp.isAllowed) {
    const [limited] = await db.select({ id: users.id, email: users.email }).from(users).where(sql`lower(${users.email}) = ${email}`).limit(1);
    await audit(limited ?? null, "failure", "rate_limited");
    throw new RateLimitedSignin();
  }
  const [user] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${email}`)
    .limit(1);
  if (!user?.passwordHash) {
    await burnPasswordCheck(password);
    await audit(user ?? null, "failure", user ? "no_password" : "unknown_email");
    return null;
  }
  if (!(await verifyPassword(user.passwordHash, password))) {
    await audit(user, "failure", "wrong_password");
    return null;
  }
  await resetRateLimit(db, `signin:email:${email}`);
  await audit(user, "success");
  return { id: user.id, email: user.email, name: user.name, sessionGeneration: user.sessionGeneration };
}
