import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { memberships, signInFailures } from "@/db/schema";
import { log } from "@/lib/observability/log";
import { subjectHash } from "@/lib/privacy/subject";
import { recordAudit } from "./record-audit";

// Sign-ins are audited in every team the account belongs to: a team's owners see who signed in to reach their
// data, and failed attempts on their members' accounts. A failure for an email with no account has no team: it goes
// to sign_in_failures with an HMAC of the email, never the address. The answer to the browser is the same in every
// case (lib/auth/credentials.ts), so none of this tells a visitor whether an email has an account.
// Best effort: an audit hiccup must not lock everyone out, so a failure to record is logged, not thrown.
export async function recordSignIn(
  db: Db,
  input: {
    email: string;
    user: { id: string; email: string } | null;
    outcome: "success" | "failure";
    reason?: "wrong_password" | "unknown_email" | "rate_limited" | "no_password";
    ip: string | null;
    hashKey: Buffer | null;
  },
): Promise<void> {
  try {
    const teams = input.user
      ? await db.select({ teamId: memberships.teamId }).from(memberships).where(eq(memberships.userId, input.user.id))
      : [];
    if (teams.length === 0) {
      if (input.outcome === "success") return;
      await db.insert(signInFailures).values({
        emailHash: input.hashKey ? subjectHash(`email:${input.email}`, input.hashKey) : "",
        ip: input.ip,
        reason: input.reason ?? "unknown_email",
      });
      return;
    }
    const user = input.user!;
    for (const { teamId } of teams) {
      await recordAudit(db, {
        teamId,
        // A failed attempt was not made by the member: the actor is whoever was at that address.
        actor: input.outcome === "success" ? { userId: user.id, label: user.email, ip: input.ip } : { label: "unauthenticated visitor", ip: input.ip },
        action: input.outcome === "success" ? "auth.signed_in" : "auth.sign_in_failed",
        targetType: "user",
        targetId: user.id,
        targetLabel: user.email,
        metadata: input.outcome === "failure" ? { reason: input.reason ?? "wrong_password" } : {},
      });
    }
  } catch (error) {
    log.error("sign-in audit not written", { error, outcome: input.outcome });
  }
}
