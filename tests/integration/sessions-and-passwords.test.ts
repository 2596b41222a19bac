import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import { encode } from "next-auth/jwt";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { memberships, passwordResetTokens, users } from "@/db/schema";
import type * as AuthModule from "@/lib/auth/auth";
import { createTestDb } from "@/tests/helpers/db";
import { startSmtpSink } from "@/tests/helpers/smtp-sink";

// Session revocation, password change and password reset, on a real database. The session cookie is a real
// Auth.js JWT read by the real NextAuth handler (its jwt callback), and by getSessionUser (entry-points.ts) with
// only auth() and Next's request APIs stubbed.
const AUTH_SECRET = "sessions-test-secret-0123456789abcdefghij";
const t = await createTestDb();
const smtp = await startSmtpSink();
process.env.DATABASE_URL = t.url;
process.env.AUTH_SECRET = AUTH_SECRET;
process.env.APP_URL = "https://app.example.test";
process.env.SMTP_URL = smtp.url;

type TAuthModule = typeof AuthModule;
const session = vi.hoisted(() => ({ current: null as null | { user: { id: string; email: string; sessionGeneration?: number } } }));
vi.mock("server-only", () => ({}));
vi.mock("next/headers", () => ({ headers: async () => new Headers({ "x-forwarded-for": "198.51.100.9" }) }));
vi.mock("next/cache", () => ({ revalidatePath: () => {}, revalidateTag: () => {} }));

const { signUp } = await import("@/lib/teams/sign-up");
const { revokeAllSessions } = await import("@/lib/auth/sessions");
const { changePassword } = await import("@/lib/auth/change-password");
const { requestPasswordReset, resetPassword, checkResetToken, RESET_TOKEN_TTL_MS } = await import("@/lib/auth/password-reset");
const { sendPasswordResetEmail } = await import("@/lib/auth/send-password-reset-email");
const { verifyPassword } = await import("@/lib/auth/password");
const { handlers } = await import("@/lib/auth/auth");

afterAll(async () => {
  await smtp.close();
  await t.drop();
});

let n = 0;
async function newUser(password = "first-password-123") {
  n += 1;
  const email = `user${n}-${Date.now()}@example.test`;
  const { user, team } = await signUp(t.db, { name: `User ${n}`, email, password, companyName: `Company ${n}` });
  return { user, team, email, password };
}

// What a browser holds after signing in: the Auth.js session cookie, signed with AUTH_SECRET.
async function sessionCookie(user: { id: string; email: string }, gen: number | undefined) {
  const token = await encode({
    token: { sub: user.id, email: user.email, ...(gen === undefined ? {} : { gen }) },
    secret: AUTH_SECRET,
    salt: "authjs.session-token",
  });
  return `authjs.session-token=${token}`;
}

// GET /api/auth/session through the real NextAuth handler, as the browser (and every auth() call) reads it.
async function readSession(cookie: string) {
  const response = await handlers.GET(
    Object.assign(new Request("http://localhost:3000/api/auth/session", { headers: { cookie } }), { nextUrl: new URL("http://localhost:3000/api/auth/session") }) as never,
  );
  const body = (await response.json()) as { user?: { id: string } } | null;
  return { user: body?.user ?? null, setCookie: response.headers.get("set-cookie") ?? "" };
}

async function entryPointUser(user: { id: string; email: string }, gen?: number) {
  session.current = { user: { id: user.id, email: user.email, ...(gen === undefined ? {} : { sessionGeneration: gen }) } };
  vi.resetModules();
  const { getSessionUser } = await import("@/lib/auth/entry-points");
  return getSessionUser();
}
vi.mock("@/lib/auth/auth", async (importOriginal) => {
  const real = await importOriginal<TAuthModule>();
  return { ...real, auth: async () => session.current };
});

beforeEach(() => {
  session.current = null;
});

describe("sessions can be revoked", () => {
  it("a session issued before 'sign out everywhere' is refused by the jwt callback and by the entry points", async () => {
    const { user } = await newUser();
    const laptop = await sessionCookie(user, 0);
    expect((await readSession(laptop)).user?.id).toBe(user.id);
    expect((await entryPointUser(user, 0))?.id).toBe(user.id);

    expect(await revokeAllSessions(t.db, user.id)).toBe(1);

    const after = await readSession(laptop);
    expect(after.user).toBeNull();
    // The dead cookie is cleared, not left to be retried.
    expect(after.setCookie).toMatch(/authjs\.session-token=;/);
    expect(await entryPointUser(user, 0)).toBeNull();
    // A session signed in afterwards carries the new generation and works.
    expect((await readSession(await sessionCookie(user, 1))).user?.id).toBe(user.id);
    expect((await entryPointUser(user, 1))?.id).toBe(user.id);
  });

  it("a token from before generations existed counts as generation 0: valid until the first revocation", async () => {
    const { user } = await newUser();
    const old = await sessionCookie(user, undefined);
    expect((await readSession(old)).user?.id).toBe(user.id);
    await revokeAllSessions(t.db, user.id);
    expect((await readSession(old)).user).toBeNull();
    expect(await entryPointUser(user, undefined)).toBeNull();
  });

  it("revoking one user's sessions leaves everyone else's alone", async () => {
    const a = await newUser();
    const b = await newUser();
    await revokeAllSessions(t.db, a.user.id);
    expect((await readSession(await sessionCookie(b.user, 0))).user?.id).toBe(b.user.id);
  });

  it("a deleted user's session is refused", async () => {
    const { user } = await newUser();
    const cookie = await sessionCookie(user, 0);
    await t.db.delete(users).where(eq(users.id, user.id));
    expect((await readSession(cookie)).user).toBeNull();
  });

  it("removal from a team ends access to that team on the very next request, and only to that team", async () => {
    const owner = await newUser();
    const member = await newUser();
    await t.db.insert(memberships).values({ teamId: owner.team.id, userId: member.user.id, role: "admin" });
    session.current = { user: { id: member.user.id, email: member.email } };
    vi.resetModules();
    const { getTeamPage } = await import("@/lib/auth/entry-points");
    expect((await getTeamPage(owner.team.slug)).team.id).toBe(owner.team.id);

    const { removeMember } = await import("@/lib/members/members");
    await removeMember(t.db, owner.team.id, member.user.id, { userId: owner.user.id, label: owner.email });

    vi.resetModules();
    const fresh = await import("@/lib/auth/entry-points");
    const error = await fresh.getTeamPage(owner.team.slug).catch((e: unknown) => e);
    expect((error as { digest?: string }).digest).toBe("NEXT_HTTP_ERROR_FALLBACK;404");
    const settings = await import("@/app/t/[slug]/settings/actions");
    const form = new FormData();
    form.set("name", "Renamed by a removed admin");
    form.set("concurrentCallLimit", "5");
    const denied = await settings.updateTeamSettingsAction(owner.team.slug, undefined, form).catch((e: unknown) => e);
    expect((denied as { digest?: string }).digest).toBe("NEXT_HTTP_ERROR_FALLBACK;404");
    // Their own team is still theirs, in the same session.
    expect((await fresh.getTeamPage(member.team.slug)).team.id).toBe(member.team.id);
  });
});

describe("password change", () => {
  it("needs the current password and the sign-up strength rules, then ends every existing session", async () => {
    const { user, password } = await newUser();
    const phone = await sessionCookie(user, 0);
    const input = (currentPassword: string, newPassword: string) => ({ currentPassword, newPassword, confirmPassword: newPassword });

    await expect(changePassword(t.db, user, input("wrong-password-000", "brand-new-password-1"))).rejects.toMatchObject({
      message: "Your current password is not correct.",
    });
    const { ZChangePassword } = await import("@/lib/auth/change-password");
    expect(ZChangePassword.safeParse(input(password, "short")).error?.issues[0]?.message).toBe("Use at least 10 characters");
    expect(ZChangePassword.safeParse({ currentPassword: password, newPassword: "brand-new-password-1", confirmPassword: "other-password-22" }).success).toBe(false);
    // Nothing changed so far: the session still works.
    expect((await readSession(phone)).user?.id).toBe(user.id);

    await changePassword(t.db, user, input(password, "brand-new-password-1"));
    const [row] = await t.db.select().from(users).where(eq(users.id, user.id));
    expect(await verifyPassword(row!.passwordHash!, "brand-new-password-1")).toBe(true);
    expect(await verifyPassword(row!.passwordHash!, password)).toBe(false);
    expect((await readSession(phone)).user).toBeNull();
  });

  it("wrong current passwords are rate-limited per user", async () => {
    const { user } = await newUser();
    for (let i = 0; i < 10; i++) {
      await expect(
        changePassword(t.db, user, { currentPassword: `guess-${i}-xxxxxxx`, newPassword: "brand-new-password-1", confirmPassword: "brand-new-password-1" }),
      ).rejects.toMatchObject({ code: "bad_request" });
    }
    await expect(
      changePassword(t.db, user, { currentPassword: "guess-11-xxxxxxx", newPassword: "brand-new-password-1", confirmPassword: "brand-new-password-1" }),
    ).rejects.toMatchObject({ code: "rate_limited" });
  });
});

describe("password reset by email", () => {
  const base = { appUrl: "https://app.example.test", deliver: sendPasswordResetEmail };
  let ipCounter = 0;
  const ip = () => `192.0.2.${++ipCounter}`;

  it("emails a single-use link (stored hashed) that sets the password and ends every session", async () => {
    const { user, email } = await newUser();
    const laptop = await sessionCookie(user, 0);
    const result = await requestPasswordReset(t.db, { ...base, email: email.toUpperCase(), ip: ip(), isProduction: true, isSmtpConfigured: true });
    expect(result).toEqual({ status: "accepted" });
    const mail = await smtp.waitFor(email);
    const link = /https:\/\/app\.example\.test\/reset-password\/([\w-]+)/.exec(mail.data)?.[0];
    expect(link).toBeDefined();
    const token = link!.split("/").pop()!;
    // At rest only the sha256 of the token exists.
    const rows = await t.db.select().from(passwordResetTokens).where(eq(passwordResetTokens.userId, user.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(JSON.stringify(rows)).not.toContain(token);
    // Asking for a link does not sign anyone out: anyone can ask.
    expect((await readSession(laptop)).user?.id).toBe(user.id);

    expect(await checkResetToken(t.db, token)).toBe("valid");
    await resetPassword(t.db, { token, newPassword: "after-reset-password-1" });
    const [row] = await t.db.select().from(users).where(eq(users.id, user.id));
    expect(await verifyPassword(row!.passwordHash!, "after-reset-password-1")).toBe(true);
    expect((await readSession(laptop)).user).toBeNull();

    // Single use.
    expect(await checkResetToken(t.db, token)).toBe("invalid");
    await expect(resetPassword(t.db, { token, newPassword: "second-use-password-1" })).rejects.toMatchObject({ code: "bad_request" });
    const [still] = await t.db.select().from(users).where(eq(users.id, user.id));
    expect(await verifyPassword(still!.passwordHash!, "after-reset-password-1")).toBe(true);
  });

  it("a link stops working after 30 minutes, and using one link kills the user's other links", async () => {
    const { user, email } = await newUser();
    const opts = { ...base, email, isProduction: false, isSmtpConfigured: false };
    const first = await requestPasswordReset(t.db, { ...opts, ip: ip() });
    const second = await requestPasswordReset(t.db, { ...opts, ip: ip() });
    const tokenOf = (r: typeof first) => (r.status === "accepted" ? r.devLink!.split("/").pop()! : "");
    expect(RESET_TOKEN_TTL_MS).toBe(30 * 60 * 1000);
    const [row] = await t.db.select().from(passwordResetTokens).where(eq(passwordResetTokens.tokenHash, createHash("sha256").update(tokenOf(first)).digest("hex")));
    expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBeGreaterThan(29 * 60 * 1000);
    expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBeLessThanOrEqual(30 * 60 * 1000 + 1000);
    await t.db
      .update(passwordResetTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(passwordResetTokens.id, row!.id));
    expect(await checkResetToken(t.db, tokenOf(first))).toBe("invalid");
    await expect(resetPassword(t.db, { token: tokenOf(first), newPassword: "expired-link-password" })).rejects.toMatchObject({
      message: "This reset link is invalid, used or expired. Ask for a new one.",
    });

    const third = await requestPasswordReset(t.db, { ...opts, ip: ip() });
    await resetPassword(t.db, { token: tokenOf(second), newPassword: "from-second-link-1" });
    await expect(resetPassword(t.db, { token: tokenOf(third), newPassword: "from-third-link-11" })).rejects.toMatchObject({ code: "bad_request" });
    const [u] = await t.db.select().from(users).where(eq(users.id, user.id));
    expect(await verifyPassword(u!.passwordHash!, "from-second-link-1")).toBe(true);
  });

  it("never tells whether an address has an account: same answer in production, with or without SMTP", async () => {
    const { email } = await newUser();
    const unknown = `nobody-${Date.now()}@example.test`;
    for (const isSmtpConfigured of [true, false]) {
      const log = { warn: vi.fn(), error: vi.fn() };
      const opts = { ...base, isProduction: true, isSmtpConfigured, log };
      const known = await requestPasswordReset(t.db, { ...opts, email, ip: ip() });
      const missing = await requestPasswordReset(t.db, { ...opts, email: unknown, ip: ip() });
      expect(known).toEqual({ status: "accepted" });
      expect(missing).toEqual(known);
      if (!isSmtpConfigured) {
        // Production without a mail server: no link on screen; the operator finds it in the log.
        expect(log.warn).toHaveBeenCalledTimes(1);
        expect(String(log.warn.mock.calls[0]![0])).toMatch(/SMTP_URL is not set/);
        expect(String((log.warn.mock.calls[0]![1] as { resetLink?: string } | undefined)?.resetLink)).toMatch(/^https:\/\/app\.example\.test\/reset-password\//);
      }
    }
    // Nothing is ever mailed to an address without an account.
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.messages.some((m) => m.to.includes(unknown))).toBe(false);
  });

  it("is rate-limited per address and per client, alike for addresses with and without accounts", async () => {
    const { email } = await newUser();
    const unknown = `nobody-rl-${Date.now()}@example.test`;
    const opts = { ...base, isProduction: true, isSmtpConfigured: false, log: { warn: vi.fn(), error: vi.fn() } };
    for (const address of [email, unknown]) {
      for (let i = 0; i < 5; i++) expect((await requestPasswordReset(t.db, { ...opts, email: address, ip: ip() })).status).toBe("accepted");
      expect(await requestPasswordReset(t.db, { ...opts, email: address, ip: ip() })).toEqual({ status: "rate_limited" });
    }
    const sameIp = "203.0.113.200";
    for (let i = 0; i < 20; i++) await requestPasswordReset(t.db, { ...opts, email: `spray-${i}@example.test`, ip: sameIp });
    expect(await requestPasswordReset(t.db, { ...opts, email: `spray-x@example.test`, ip: sameIp })).toEqual({ status: "rate_limited" });
  });

  it("development without SMTP shows the link on screen; production never does", async () => {
    const { email } = await newUser();
    const dev = await requestPasswordReset(t.db, { ...base, email, ip: ip(), isProduction: false, isSmtpConfigured: false });
    expect(dev.status === "accepted" && dev.devLink).toMatch(/^https:\/\/app\.example\.test\/reset-password\/[\w-]{40,}$/);
    const prod = await requestPasswordReset(t.db, { ...base, email, ip: ip(), isProduction: true, isSmtpConfigured: false, log: { warn: vi.fn(), error: vi.fn() } });
    expect(prod).toEqual({ status: "accepted" });
  });

  it("the request action answers with the neutral message for unknown and known addresses alike", async () => {
    const { email } = await newUser();
    vi.resetModules();
    const { requestPasswordResetAction } = await import("@/app/(auth)/password-actions");
    const ask = (address: string) => {
      const form = new FormData();
      form.set("email", address);
      return requestPasswordResetAction(undefined, form);
    };
    const known = await ask(email);
    const missing = await ask(`nobody-action-${Date.now()}@example.test`);
    expect(known.success).toMatch(/^If an account uses this email/);
    expect(missing).toEqual(known);
    expect((await ask("not-an-email")).fieldErrors?.email).toBe("Enter a valid email");
  });
});
