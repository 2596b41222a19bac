import { createHash, randomBytes } from "node:crypto";
import { log as defaultLog, type TLogger } from "@/lib/observability/log";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { passwordResetTokens, users } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { ZPassword } from "@/lib/teams/sign-up";
import { hashPassword } from "./password";
import { hitRateLimit } from "./rate-limit";

export const RESET_TOKEN_TTL_MS = 30 * 60 * 1000;
// Per address and per client: enough for someone who lost an email, too few to mail-bomb an address or to use this
// form to probe many addresses.
export const RESET_REQUEST_LIMITS = { perEmail: 5, perIp: 20, windowMs: 60 * 60 * 1000 } as const;

export const ZRequestReset = z.object({ email: z.email("Enter a valid email").trim().toLowerCase().max(254) });

export const ZResetPassword = z
  .object({
    token: z.string().min(16).max(200),
    newPassword: ZPassword,
    confirmPassword: z.string(),
  })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ["confirmPassword"], message: "The two passwords do not match" });

export function hashResetToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export type TResetDelivery = (message: { to: string; link: string; ttlMinutes: number }) => Promise<{ isConfigured: boolean; isSent?: boolean }>;

export type TResetRequestResult =
  | { status: "rate_limited" }
  // devLink: development without SMTP only, as invitations show theirs. Never in production: whoever asks is not
  // yet known to own the address, and showing them the link would let anyone reset anyone's password.
  | { status: "accepted"; devLink?: string };

// Answers alike whether or not the address has an account (only a development devLink differs), and hands the mail
// off without waiting for it, so neither the answer nor its timing tells who has an account.
export async function requestPasswordReset(
  db: Db,
  input: {
    email: string;
    ip: string;
    appUrl: string;
    isProduction: boolean;
    deliver: TResetDelivery;
    isSmtpConfigured: boolean;
    log?: Pick<TLogger, "warn" | "error">;
  },
): Promise<TResetRequestResult> {
  const log = input.log ?? defaultLog;
  const email = input.email.trim().toLowerCase();
  const [byEmail, byIp] = await Promise.all([
    hitRateLimit(db, `reset:email:${email}`, { limit: RESET_REQUEST_LIMITS.perEmail, windowMs: RESET_REQUEST_LIMITS.windowMs }),
    hitRateLimit(db, `reset:ip:${input.ip}`, { limit: RESET_REQUEST_LIMITS.perIp, windowMs: RESET_REQUEST_LIMITS.windowMs }),
  ]);
  if (!byEmail.isAllowed || !byIp.isAllowed) return { status: "rate_limited" };

  const [user] = await db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(sql`lower(${users.email}) = ${email}`)
    .limit(1);
  if (!user) return { status: "accepted" };

  const token = randomBytes(32).toString("base64url");
  await db.insert(passwordResetTokens).values({
    userId: user.id,
    tokenHash: hashResetToken(token),
    expiresAt: new Date(Date.now() + RESET_TOKEN_TTL_MS),
  });
  const link = `${input.appUrl.replace(/\/$/, "")}/reset-password/${token}`;
  const ttlMinutes = Math.round(RESET_TOKEN_TTL_MS / 60_000);

  if (input.isSmtpConfigured) {
    void input
      .deliver({ to: user.email, link, ttlMinutes })
      .then((r) => {
        if (!r.isSent) log.error("password reset email was not sent; see the SMTP error above", { userId: user.id });
      })
      .catch((error: unknown) => log.error("password reset email failed", { userId: user.id, error }));
    return { status: "accepted" };
  }
  if (!input.isProduction) return { status: "accepted", devLink: link };
  // Production without a mail server: the operator can pass the link on after checking who asked.
  log.warn("password reset requested but SMTP_URL is not set, so no email was sent; hand the user this link (it expires)", { userId: user.id, ttlMinutes, resetLink: link });
  return { status: "accepted" };
}

export type TResetTokenState = "valid" | "invalid";

// For the reset page: whether to show the form or "ask for a new link".
export async function checkResetToken(db: Db, token: string): Promise<TResetTokenState> {
  if (token.length < 16 || token.length > 200) return "invalid";
  const [row] = await db
    .select({ id: passwordResetTokens.id })
    .from(passwordResetTokens)
    .where(
      and(
        eq(passwordResetTokens.tokenHash, hashResetToken(token)),
        isNull(passwordResetTokens.usedAt),
        gt(passwordResetTokens.expiresAt, sql`now()`),
      ),
    )
    .limit(1);
  return row ? "valid" : "invalid";
}

const INVALID_LINK = "This reset link is invalid, used or expired. Ask for a new one.";

// Uses the token (once: the update that marks it used is the check, so two submissions cannot both pass), sets the
// password, kills the user's other reset links and ends every session of the user.
export async function resetPassword(db: Db, input: { token: string; newPassword: string }): Promise<{ userId: string; email: string }> {
  const passwordHash = await hashPassword(input.newPassword);
  return db.transaction(async (tx) => {
    const [used] = await tx
      .update(passwordResetTokens)
      .set({ usedAt: sql`now()` })
      .where(
        and(
          eq(passwordResetTokens.tokenHash, hashResetToken(input.token)),
          isNull(passwordResetTokens.usedAt),
          gt(passwordResetTokens.expiresAt, sql`now()`),
        ),
      )
      .returning({ userId: passwordResetTokens.userId });
    if (!used) throw new AppError("bad_request", INVALID_LINK);
    await tx
      .update(passwordResetTokens)
      .set({ usedAt: sql`now()` })
      .where(and(eq(passwordResetTokens.userId, used.userId), isNull(passwordResetTokens.usedAt)));
    const [user] = await tx
      .update(users)
      .set({ passwordHash, sessionGeneration: sql`${users.sessionGeneration} + 1` })
      .where(eq(users.id, used.userId))
      .returning({ id: users.id, email: users.email });
    if (!user) throw new AppError("bad_request", INVALID_LINK);
    // The sign-in limit on this address may be what locked its owner out.
    await tx.execute(sql`delete from rate_limits where key = ${`signin:email:${user.email.toLowerCase()}`}`);
    return { userId: user.id, email: user.email };
  });
}
