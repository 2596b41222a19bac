import { DrizzleAdapter } from "@auth/drizzle-adapter";
import { sql } from "drizzle-orm";
import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { getDb } from "@/db/client";
import { accounts, sessions, users, verificationTokens } from "@/db/schema";
import { env } from "@/lib/env";
import { burnPasswordCheck, verifyPassword } from "./password";
import { hitRateLimit, resetRateLimit } from "./rate-limit";
import { currentSessionGeneration, generationOf } from "./sessions";

declare module "next-auth" {
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions -- module augmentation needs an interface
  interface Session {
    user: { id: string; email: string; name?: string | null; sessionGeneration: number };
  }
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions -- module augmentation needs an interface
  interface User {
    sessionGeneration?: number;
  }
}

class RateLimitedSignin extends CredentialsSignin {
  code = "rate_limited";
}

const ZCredentials = z.object({ email: z.string().trim().toLowerCase().min(1).max(254), password: z.string().min(1).max(200) });

// Per email and per IP: a slow brute force on one account, and a spray across many, are both capped.
export const SIGN_IN_LIMITS = { perEmail: 10, perIp: 50, windowMs: 15 * 60 * 1000 } as const;

export function clientIp(headers: Headers): string {
  return headers.get("x-forwarded-for")?.split(",")[0]?.trim() || headers.get("x-real-ip") || "local";
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => {
  const config = env();
  const db = getDb(config.DATABASE_URL);
  return {
    adapter: DrizzleAdapter(db, {
      usersTable: users,
      accountsTable: accounts,
      sessionsTable: sessions,
      verificationTokensTable: verificationTokens,
    }),
    session: { strategy: "jwt", maxAge: 30 * 24 * 3600 },
    secret: config.AUTH_SECRET,
    trustHost: config.AUTH_TRUST_HOST,
    pages: { signIn: "/signin" },
    providers: [
      Credentials({
        credentials: { email: { label: "Email" }, password: { label: "Password", type: "password" } },
        authorize: async (raw, request) => {
          const parsed = ZCredentials.safeParse(raw);
          if (!parsed.success) return null;
          const { email, password } = parsed.data;
          const ip = clientIp(request.headers);
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
        },
      }),
    ],
    callbacks: {
      // Runs on sign-in (with user) and on every read of the session. Returning null ends the session and clears
      // its cookie: the user is gone, or their sessions were revoked after this one was issued.
      async jwt({ token, user }) {
        if (user?.id) {
          token.sub = user.id;
          token.gen = user.sessionGeneration ?? 0;
          return token;
        }
        if (!token.sub) return null;
        const current = await currentSessionGeneration(db, token.sub);
        return current !== null && current === generationOf(token) ? token : null;
      },
      session({ session, token }) {
        if (token.sub) session.user.id = token.sub;
        session.user.sessionGeneration = generationOf(token);
        return session;
      },
    },
  };
});
