import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it, vi } from "vitest";
import { auditLogs, rateLimits } from "@/db/schema";
import { createAgent } from "@/lib/agents/create-agent";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { recordAudit } from "@/lib/audit/record-audit";
import { signUp } from "@/lib/teams/sign-up";
import { createTestDb } from "@/tests/helpers/db";

vi.mock("server-only", () => ({}));
// next-auth's ESM build imports "next/server" without an extension, which only Next's bundler resolves.
vi.mock("next-auth", () => ({ CredentialsSignin: class extends Error {} }));

// Client IPs come from X-Forwarded-For only through TRUSTED_PROXY_COUNT proxies. Found by trying: with the first
// entry believed, 60 sign-in attempts with rotating spoofed headers all passed the per-IP limit, and a malformed
// address made every audited write of the request fail with 500.
const t = await createTestDb();
process.env.DATABASE_URL = t.url;
process.env.TRUSTED_PROXY_COUNT = "1";
afterAll(() => t.drop());
const { authorizeCredentials, SIGN_IN_LIMITS } = await import("@/lib/auth/credentials");
const agentRoute = await import("@/app/api/v1/agents/[id]/route");

// One attempt as it reaches the app through one proxy: whatever the client sent, then the address the proxy saw.
async function attempt(email: string, spoofed: string, realIp: string) {
  const headers = new Headers({ "x-forwarded-for": `${spoofed}, ${realIp}` });
  return authorizeCredentials(t.db, { email, password: "wrong-password" }, headers).then(
    (user) => ({ isLimited: false, user }),
    (error: unknown) => {
      if ((error as { code?: string }).code === "rate_limited") return { isLimited: true, user: null };
      throw error;
    },
  );
}

describe("per-IP sign-in limit", () => {
  it("60 attempts with rotating spoofed X-Forwarded-For from one client: the limit still holds", async () => {
    const results = [];
    for (let i = 0; i < 60; i++) {
      // A different account each time, so only the per-IP limit can stop the spray.
      results.push(await attempt(`victim-${i}@example.test`, `10.${i}.${i}.${i}, 198.18.0.${i}`, "203.0.113.50"));
    }
    expect(results.slice(0, SIGN_IN_LIMITS.perIp).every((r) => !r.isLimited)).toBe(true);
    expect(results.slice(SIGN_IN_LIMITS.perIp).every((r) => r.isLimited)).toBe(true);
    // Another client behind the same proxy has its own budget.
    expect((await attempt("someone@example.test", "203.0.113.50", "203.0.113.51")).isLimited).toBe(false);
    const buckets = await t.db.select({ key: rateLimits.key }).from(rateLimits);
    expect(buckets.map((b) => b.key).filter((k) => k.startsWith("signin:ip:")).sort()).toEqual(["signin:ip:203.0.113.50", "signin:ip:203.0.113.51"]);
  });

  it("with no trusted proxy configured, spoofed headers all land in one shared bucket", async () => {
    vi.resetModules();
    process.env.TRUSTED_PROXY_COUNT = "0";
    const fresh = await import("@/lib/auth/credentials");
    let limited = 0;
    for (let i = 0; i < 60; i++) {
      const headers = new Headers({ "x-forwarded-for": `192.0.2.${i}`, "x-real-ip": `192.0.2.${i}` });
      await fresh.authorizeCredentials(t.db, { email: `other-${i}@example.test`, password: "wrong-password" }, headers).catch(() => limited++);
    }
    process.env.TRUSTED_PROXY_COUNT = "1";
    expect(limited).toBe(60 - SIGN_IN_LIMITS.perIp);
  });
});

describe("a malformed client address", () => {
  it("never fails an audited write: the API request succeeds and the audit row has no IP", async () => {
    const { user, team } = await signUp(t.db, { name: "A", email: "owner@alpha.test", password: "password-aaaa", companyName: "Alpha" });
    const actor = { userId: user.id, label: user.email };
    const agent = await createAgent(t.db, team, actor, { templateKey: "receptionist" });
    const { key, apiKey } = await createApiKey(t.db, team.id, actor, { name: "k" });
    const patch = (xff: string, name: string) =>
      agentRoute.PATCH(
        new Request(`http://localhost/api/v1/agents/${agent.id}`, {
          method: "PATCH",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "x-forwarded-for": xff },
          body: JSON.stringify({ name }),
        }),
        { params: Promise.resolve({ id: agent.id }) },
      );
    for (const [i, xff] of ["999.999.999.999", "1.1.1.1, ::::", "1.1.1.1, 1.2.3.4.5", "garbage"].entries()) {
      const res = await patch(xff, `Desk ${i}`);
      expect(res.status, xff).toBe(200);
    }
    expect((await patch("6.6.6.6, 203.0.113.77", "Desk ok")).status).toBe(200);
    const rows = await t.db
      .select({ ip: auditLogs.ip, action: auditLogs.action })
      .from(auditLogs)
      .where(and(eq(auditLogs.teamId, team.id), eq(auditLogs.actorApiKeyId, apiKey.id)));
    expect(rows.filter((r) => r.ip === null)).toHaveLength(4);
    expect(rows.filter((r) => r.ip !== null).map((r) => r.ip)).toEqual(["203.0.113.77"]);
    // And any caller of recordAudit is safe too.
    await recordAudit(t.db, { teamId: team.id, actor: { label: "x", ip: "::::" }, action: "test.noted", targetType: "team" });
  });
});
