import { DrizzleAdapter } from "@auth/drizzle-adapter";
import NextAuth from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { getDb } from "@/db/client";
import { accounts, sessions, users, verificationTokens } from "@/db/schema";
import { secretKeyFrom } from "@/lib/crypto/secret-box";
import { env } from "@/lib/env";
import { subjectHashKey } from "@/lib/privacy/subject";
import { authorizeCredentials } from "./credentials";
import { safeRedirectUrl } from "./safe-next";
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

// Keys the HMAC of emails that failed to sign in without an account; null when no secret is configured at all.
function auditHashKey(config: ReturnType<typeof env>): Buffer | null {
  try {
    return subjectHashKey(secretKeyFrom({ encryptionKey: config.ENCRYPTION_KEY, authSecret: config.AUTH_SECRET, nodeEnv: config.NODE_ENV }));
  } catch {
    return null;
  }
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
        authorize: (raw, request) => authorizeCredentials(db, raw, request.headers, { auditHashKey: auditHashKey(config) }),
      }),
    ],
    callbacks: {
      // callbackUrl and redirectTo go through the same rule as `next` (lib/auth/safe-next.ts): this origin only.
      redirect: ({ url, baseUrl }) => safeRedirectUrl(url, baseUrl),
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
