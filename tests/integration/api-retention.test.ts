import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it, vi } from "vitest";
import { auditLogs, calls, callTurns } from "@/db/schema";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { ZRetentionPolicyOut } from "@/lib/api/endpoints/retention";
import { buildOpenApiDocument } from "@/lib/api/openapi";
import { signUp } from "@/lib/teams/sign-up";
import { callRoute, type TRouteHandler, type TRouteInit } from "@/tests/helpers/api-route";
import { createTestDb } from "@/tests/helpers/db";

vi.mock("server-only", () => ({}));

// GET and PATCH /api/v1/retention-policy as Next.js calls them, with real keys of two teams and a real database.

const t = await createTestDb();
process.env.DATABASE_URL = t.url;
const route = await import("@/app/api/v1/retention-policy/route");
afterAll(() => t.drop());

const call = (handler: TRouteHandler, key: string, init: Omit<TRouteInit, "params"> = {}) => callRoute(handler, key, "/retention-policy", init);

async function seedTeam(label: string, oldCalls: number) {
  const { user, team } = await signUp(t.db, { name: label, email: `${label}@retention-api.test`, password: `password-${label}`, companyName: `${label} Co` });
  const startedAt = new Date(Date.now() - 200 * 86_400_000);
  if (oldCalls > 0) {
    const rows = await t.db
      .insert(calls)
      .values(Array.from({ length: oldCalls }, () => ({ teamId: team.id, direction: "inbound" as const, status: "completed" as const, outcome: "resolved" as const, startedAt, endedAt: startedAt })))
      .returning({ id: calls.id });
    await t.db.insert(callTurns).values(rows.map((r) => ({ teamId: team.id, callId: r.id, seq: 0, speaker: "caller" as const, text: "hi", startMs: 0, endMs: 1 })));
  }
  const { key, apiKey } = await createApiKey(t.db, team.id, { userId: user.id, label: user.email }, { name: `${label} key` });
  return { team, key, apiKey };
}

const a = await seedTeam("alpha", 3);
const b = await seedTeam("beta", 0);

describe("/api/v1/retention-policy", () => {
  it("reads the policy with the last and next purge, and changes only the key's own team", async () => {
    const first = await call(route.GET, a.key);
    expect(first.status).toBe(200);
    expect(ZRetentionPolicyOut.parse(first.json)).toMatchObject({
      recordings_days: 90,
      transcripts_days: 365,
      calls_days: 365,
      messages_days: 365,
      webhook_payloads_days: 365,
      test_calls_days: 365,
      audit_log_min_days: 365,
      last_purge: null,
      next_purge: { counts: { calls: 0, transcript_turns: 0 } },
    });

    const patched = await call(route.PATCH, b.key, { method: "PATCH", body: { calls_days: 30, transcripts_days: 30, recordings_days: 7, messages_days: null } });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ calls_days: 30, transcripts_days: 30, recordings_days: 7, messages_days: null, test_calls_days: 365 });
    // Team B has no old data: its dry run counts none of team A's calls.
    expect(patched.json).toMatchObject({ next_purge: { counts: { calls: 0, transcript_turns: 0 } } });
    // Team A is untouched by B's change.
    expect((await call(route.GET, a.key)).json).toMatchObject({ calls_days: 365, messages_days: 365 });

    const shorter = await call(route.PATCH, a.key, { method: "PATCH", body: { calls_days: 100, transcripts_days: 100, recordings_days: 90 } });
    expect(shorter.json).toMatchObject({ calls_days: 100, next_purge: { counts: { calls: 3, transcript_turns: 3 } } });
    // Recorded in A's audit log as the key, with what changed.
    const [entry] = await t.db.select().from(auditLogs).where(and(eq(auditLogs.teamId, a.team.id), eq(auditLogs.action, "retention.policy_changed")));
    expect(entry).toMatchObject({ actorApiKeyId: a.apiKey.id, metadata: { changes: { calls: { from: 365, to: 100 }, transcripts: { from: 365, to: 100 } } } });
    expect(await t.db.select().from(auditLogs).where(and(eq(auditLogs.teamId, b.team.id), eq(auditLogs.actorApiKeyId, a.apiKey.id)))).toHaveLength(0);
  });

  it("refuses invalid periods with one issue per field, and changes nothing", async () => {
    const cases: [unknown, string, string][] = [
      [{ recordings_days: 0 }, "recordings_days", "Must be at least 1 day"],
      [{ recordings_days: 2.5 }, "recordings_days", "Must be a whole number of days"],
      [{ recordings_days: "30" }, "recordings_days", "Must be a whole number of days, or null to keep forever"],
      [{ messages_days: 5000 }, "messages_days", "Must be at most 3650 days; use null to keep forever"],
      [{ transcripts_days: null }, "transcripts_days", "Transcripts can't be kept longer than the calls they belong to (30 days). Shorten them or keep calls longer."],
      [{ audit_days: 10 }, "", 'Unrecognized key: "audit_days"'],
    ];
    for (const [body, path, message] of cases) {
      const res = await call(route.PATCH, b.key, { method: "PATCH", body });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: { code: "bad_request", issues: [expect.objectContaining({ path: path ? [path] : [], message })] } });
    }
    expect((await call(route.GET, b.key)).json).toMatchObject({ recordings_days: 7, transcripts_days: 30, calls_days: 30, messages_days: null });
  });

  it("is in the OpenAPI document", () => {
    const doc = buildOpenApiDocument({ serverUrl: "http://localhost/api/v1" }) as { paths: Record<string, Record<string, { operationId: string }>> };
    expect(doc.paths["/retention-policy"]?.get?.operationId).toBe("getRetentionPolicy");
    expect(doc.paths["/retention-policy"]?.patch?.operationId).toBe("updateRetentionPolicy");
  });
});
