import { sql } from "drizzle-orm";
import { CredentialsSignin } from "next-auth";
import { z } from "zod";
import type { Db } from "@/db/client";
import { users } from "@/db/schema";
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
export async function authorizeCredentials(db: Db, raw: unknown, headers: Headers) {
  const parsed = ZCredentials.safeParse(raw);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;
  const ip = rateLimitIpKey(clientIp(headers));
  const [byEmail, byIp] = await Promise.all([
    hitRateLimit(db, `signin:email:${email}`, { limit: SIGN_IN_LIMITS.perEmail, windowMs: SIGN_IN_LIMITS.windowMs }),
    hitRateLimit(db, `signin:ip:${ip}`, { limit: SIGN_IN_LIMITS.perIp, windowMs: SIGN_IN_LIMITS.windowMs }),
  ]);
  if (!byEmail.isAllowed || !byIp.isAllowed) throw new RateLimitedSignin();
  const [user] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${email}`)
    .limit(1);
  if (!user?.passwordHash) {
    await burnPasswordCheck(password);
    return null;
  }
  if (!(await verifyPassword(user.passwordHash, password))) return null;
  await resetRateLimit(db, `signin:email:${email}`);
  return { id: user.id, email: user.email, name: user.name, sessionGeneration: user.sessionGeneration };
}
