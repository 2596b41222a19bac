import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it, vi } from "vitest";
import { apiKeys, auditLogs, calls, callTurns, memberships, phoneNumbers } from "@/db/schema";
import { createAgent } from "@/lib/agents/create-agent";
import { rebuildRollups } from "@/lib/analytics/rollup";
import { createApiKey, revokeApiKey } from "@/lib/api-keys/api-keys";
import { ZAgentDetailOut } from "@/lib/api/endpoints/agents";
import { ZCallDetailOut, ZCallOut } from "@/lib/api/endpoints/calls";
import { API_RATE_LIMIT } from "@/lib/auth/api-key";
import { signUp } from "@/lib/teams/sign-up";
import { callRoute } from "@/tests/helpers/api-route";
import { createTestDb } from "@/tests/helpers/db";

vi.mock("server-only", () => ({}));

// The v1 route handlers called as Next.js calls them, with real API keys and a real database.

const t = await createTestDb();
process.env.DATABASE_URL = t.url;
const routes = {
  calls: await import("@/app/api/v1/calls/route"),
  call: await import("@/app/api/v1/calls/[id]/route"),
  agents: await import("@/app/api/v1/agents/route"),
  agent: await import("@/app/api/v1/agents/[id]/route"),
  publish: await import("@/app/api/v1/agents/[id]/publish/route"),
  numbers: await import("@/app/api/v1/phone-numbers/route"),
  members: await import("@/app/api/v1/members/route"),
  member: await import("@/app/api/v1/members/[user_id]/route"),
  summary: await import("@/app/api/v1/analytics/summary/route"),
  timeseries: await import("@/app/api/v1/analytics/timeseries/route"),
};

const call = callRoute;

async function seedTeam(label: string) {
  const { user, team } = await signUp(t.db, { name: label, email: `${label.toLowerCase()}@example.test`, password: `password-${label}`, companyName: `${label} Co` });
  const actor = { userId: user.id, label: user.email };
  const agent = await createAgent(t.db, team, actor, { templateKey: "receptionist" });
  const [number] = await t.db
    .insert(phoneNumbers)
    .values({ teamId: team.id, agentId: agent.id, e164: label === "Alpha" ? "+15550000001" : "+15550000002", twilioSid: `PN${label}`, twilioAccountSid: "AC0", source: "imported" })
    .returning();
  const base = Date.parse("2030-03-10T09:00:00Z");
  const outcomes = ["resolved", "resolved", "transferred", "abandoned", "message_taken"] as const;
  const seeded = await t.db
    .insert(calls)
    .values(
      outcomes.map((outcome, i) => ({
        teamId: team.id,
        agentId: agent.id,
        phoneNumberId: number!.id,
        direction: "inbound" as const,
        fromNumber: `+1444000000${i}`,
        toNumber: number!.e164,
        status: "completed" as const,
        outcome,
        sentiment: i % 2 === 0 ? ("positive" as const) : ("negative" as const),
        // Two calls per day on the 10th and 11th, one on the 12th.
        startedAt: new Date(base + Math.floor(i / 2) * 86_400_000 + (i % 2) * 3600_000),
        answeredAt: outcome === "abandoned" ? null : new Date(base + Math.floor(i / 2) * 86_400_000 + (i % 2) * 3600_000 + 1000),
        durationSec: 60 * (i + 1),
        summary: `${label} call ${i}`,
        topic: i === 0 ? "opening hours" : "billing",
      })),
    )
    .returning();
  await t.db.insert(calls).values({ teamId: team.id, direction: "web", isTest: true, startedAt: new Date(base), status: "completed" });
  await t.db.insert(callTurns).values([
    { teamId: team.id, callId: seeded[0]!.id, seq: 0, speaker: "agent", text: `Hello from ${label}`, startMs: 0, endMs: 1500 },
    { teamId: team.id, callId: seeded[0]!.id, seq: 1, speaker: "caller", text: "When are you open on Sunday?", startMs: 2000, endMs: 4000 },
  ]);
  // The voice server refreshes the analytics rollups as calls end; seeded calls need the backfill.
  await rebuildRollups(t.db, team.id);
  const { key, apiKey } = await createApiKey(t.db, team.id, { ...actor, userId: user.id }, { name: `${label} key` });
  return { user, team, agent, number: number!, calls: seeded, key, apiKey };
}

const a = await seedTeam("Alpha");
const b = await seedTeam("Beta");
afterAll(() => t.drop());

describe("API key authentication", () => {
  it("refuses a missing, malformed, unknown or revoked key with 401", async () => {
    for (const key of [null, "", "not-a-key", "aica_live_doesnotexist"]) {
      const res = await call(routes.calls.GET, key, "/calls");
      expect(res.status, String(key)).toBe(401);
      expect(res.json).toMatchObject({ error: { code: "unauthenticated" } });
    }
    const { key, apiKey } = await createApiKey(t.db, a.team.id, { userId: a.user.id, label: a.user.email }, { name: "short-lived" });
    expect((await call(routes.agents.GET, key, "/agents")).status).toBe(200);
    await revokeApiKey(t.db, a.team.id, apiKey.id, { userId: a.user.id, label: a.user.email });
    const res = await call(routes.agents.GET, key, "/agents");
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error: { code: "unauthenticated", message: "This API key is unknown or has been revoked." } });
  });

  it("stores only a hash, records last use, and a team cannot revoke another team's key", async () => {
    const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, a.apiKey.id));
    expect(row?.keyHash).not.toContain(a.key);
    expect(a.key.startsWith(row!.prefix)).toBe(true);
    await call(routes.agents.GET, a.key, "/agents");
    const [used] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, a.apiKey.id));
    expect(used?.lastUsedAt).toBeInstanceOf(Date);
    await expect(revokeApiKey(t.db, b.team.id, a.apiKey.id, { label: "b" })).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("tenant isolation", () => {
  it("team B's key gets 404 for every id of team A and changes nothing", async () => {
    const aMember = await signUp(t.db, { name: "M", email: "member-a@example.test", password: "password-mmmm", companyName: "M Co" });
    await t.db.insert(memberships).values({ teamId: a.team.id, userId: aMember.user.id, role: "member" });
    const attempts = [
      call(routes.call.GET, b.key, `/calls/${a.calls[0]!.id}`, { params: { id: a.calls[0]!.id } }),
      call(routes.agent.GET, b.key, `/agents/${a.agent.id}`, { params: { id: a.agent.id } }),
      call(routes.agent.PATCH, b.key, `/agents/${a.agent.id}`, { method: "PATCH", params: { id: a.agent.id }, body: { name: "Hijacked" } }),
      call(routes.publish.POST, b.key, `/agents/${a.agent.id}/publish`, { method: "POST", params: { id: a.agent.id }, body: {} }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(404);
      expect(res.json).toMatchObject({ error: { code: "not_found" } });
      expect(JSON.stringify(res.json)).not.toContain("Alpha");
    }
    // Removing members needs an owner, which no key is: refused before any id is looked at, for every team's ids.
    const removals = [
      call(routes.member.DELETE, b.key, `/members/${aMember.user.id}`, { method: "DELETE", params: { user_id: aMember.user.id } }),
      call(routes.member.DELETE, b.key, `/members/${a.user.id}`, { method: "DELETE", params: { user_id: a.user.id } }),
    ];
    for (const res of await Promise.all(removals)) {
      expect(res.status).toBe(403);
      expect(JSON.stringify(res.json)).not.toContain("Alpha");
    }
    const members = await t.db.select().from(memberships).where(eq(memberships.teamId, a.team.id));
    expect(members).toHaveLength(2);
    const agentA = await call(routes.agent.GET, a.key, `/agents/${a.agent.id}`, { params: { id: a.agent.id } });
    expect(agentA.json?.name).not.toBe("Hijacked");
    expect(agentA.json?.live_version).toBeNull();
  });

  it("lists and analytics with team B's key contain only team B's rows", async () => {
    const everything = JSON.stringify(
      await Promise.all([
        call(routes.calls.GET, b.key, "/calls?test_calls=include&limit=100"),
        call(routes.agents.GET, b.key, "/agents"),
        call(routes.numbers.GET, b.key, "/phone-numbers"),
        call(routes.members.GET, b.key, "/members"),
      ]).then((all) => all.map((r) => r.json)),
    );
    for (const id of [a.agent.id, a.number.id, a.number.e164, a.user.id, a.user.email, ...a.calls.map((c) => c.id), "Alpha"]) {
      expect(everything).not.toContain(id);
    }
    for (const id of [b.agent.id, b.number.id, b.user.email, ...b.calls.map((c) => c.id)]) expect(everything).toContain(id);
    const summary = await call(routes.summary.GET, b.key, "/analytics/summary?from=2030-03-01T00:00:00Z&to=2030-04-01T00:00:00Z");
    expect(summary.json?.total_calls).toBe(5);
  });
});

describe("endpoints", () => {
  it("lists calls newest first with filters, and the cursor walks every page exactly once", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await call(routes.calls.GET, a.key, `/calls?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(res.status).toBe(200);
      const data = res.json?.data as unknown[];
      for (const c of data) seen.push(ZCallOut.parse(c).id);
      cursor = res.json?.next_cursor as string | null;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    const expected = [...a.calls].sort((x, y) => y.startedAt.getTime() - x.startedAt.getTime()).map((c) => c.id);
    expect(seen).toEqual(expected);

    const filtered = await call(routes.calls.GET, a.key, "/calls?outcome=resolved&sentiment=positive");
    expect((filtered.json?.data as { id: string }[]).map((c) => c.id)).toEqual([a.calls[0]!.id]);
    const searched = await call(routes.calls.GET, a.key, "/calls?q=sunday");
    expect((searched.json?.data as { id: string }[]).map((c) => c.id)).toEqual([a.calls[0]!.id]);
    const byTopic = await call(routes.calls.GET, a.key, `/calls?topic=billing&agent_id=${a.agent.id}`);
    expect(byTopic.json?.data).toHaveLength(4);
  });

  it("gets a call with its transcript and analysis", async () => {
    const res = await call(routes.call.GET, a.key, `/calls/${a.calls[0]!.id}`, { params: { id: a.calls[0]!.id } });
    expect(res.status).toBe(200);
    const detail = ZCallDetailOut.parse(res.json);
    expect(detail.turns.map((turn) => [turn.speaker, turn.text])).toEqual([
      ["agent", "Hello from Alpha"],
      ["caller", "When are you open on Sunday?"],
    ]);
    expect(detail).toMatchObject({ outcome: "resolved", summary: "Alpha call 0", topic: "opening hours", agent_id: a.agent.id, phone_number: a.number.e164 });
  });

  it("updates an agent's draft and publishes it, recording the key in the audit log", async () => {
    const patch = await call(routes.agent.PATCH, a.key, `/agents/${a.agent.id}`, {
      method: "PATCH",
      params: { id: a.agent.id },
      body: { name: "Front desk", config: { greeting: "Thanks for calling Alpha!", endpointingSilenceMs: 700 } },
    });
    expect(patch.status).toBe(200);
    const agent = ZAgentDetailOut.parse(patch.json);
    expect(agent).toMatchObject({ name: "Front desk", config: { greeting: "Thanks for calling Alpha!", endpointingSilenceMs: 700 }, live_version: null });

    const published = await call(routes.publish.POST, a.key, `/agents/${a.agent.id}/publish`, { method: "POST", params: { id: a.agent.id }, body: { note: "via API" } });
    expect(published.status).toBe(201);
    expect(published.json).toMatchObject({ agent_id: a.agent.id, version: 1, note: "via API" });
    const again = await call(routes.publish.POST, a.key, `/agents/${a.agent.id}/publish`, { method: "POST", params: { id: a.agent.id }, body: {} });
    expect(again.status).toBe(409);

    const list = await call(routes.agents.GET, a.key, "/agents");
    expect(list.json).toMatchObject({ data: [{ id: a.agent.id, name: "Front desk", live_version: 1, has_unpublished_changes: false }], next_cursor: null });
    const logs = await t.db.select().from(auditLogs).where(and(eq(auditLogs.teamId, a.team.id), eq(auditLogs.actorApiKeyId, a.apiKey.id)));
    expect(logs.map((l) => l.action)).toEqual(expect.arrayContaining(["agent.updated", "agent.published"]));
  });

  it("invites a member and returns the link; refuses to remove members, as the web app does for admins", async () => {
    const invite = await call(routes.members.POST, a.key, "/members", { method: "POST", body: { email: "New.Person@Example.test", role: "member" } });
    expect(invite.status).toBe(201);
    expect(invite.json).toMatchObject({ email: "new.person@example.test", role: "member" });
    expect(String(invite.json?.invite_url)).toMatch(/\/invite\/[A-Za-z0-9_-]{20,}$/);
    const owner = await call(routes.members.POST, a.key, "/members", { method: "POST", body: { email: "boss@example.test", role: "owner" } });
    expect(owner.status).toBe(400);

    const joiner = await signUp(t.db, { name: "J", email: "joiner-a@example.test", password: "password-jjjj", companyName: "J Co" });
    await t.db.insert(memberships).values({ teamId: a.team.id, userId: joiner.user.id, role: "viewer" });
    // The key of an owner acts as an admin, and only owners may remove members in the web app.
    const removed = await call(routes.member.DELETE, a.key, `/members/${joiner.user.id}`, { method: "DELETE", params: { user_id: joiner.user.id } });
    expect(removed).toMatchObject({ status: 403, json: { error: { code: "forbidden" } } });
    const ownerRemoval = await call(routes.member.DELETE, a.key, `/members/${a.user.id}`, { method: "DELETE", params: { user_id: a.user.id } });
    expect(ownerRemoval.status).toBe(403);
    const list = await call(routes.members.GET, a.key, "/members");
    const emails = (list.json?.data as { email: string }[]).map((m) => m.email);
    expect(emails).toEqual(expect.arrayContaining([a.user.email, "joiner-a@example.test"]));
  });

  it("lists phone numbers with their agent", async () => {
    const res = await call(routes.numbers.GET, a.key, "/phone-numbers");
    expect(res.json).toMatchObject({ data: [{ id: a.number.id, e164: a.number.e164, agent: { id: a.agent.id } }], next_cursor: null });
  });

  it("analytics match the seeded calls exactly", async () => {
    const summary = await call(routes.summary.GET, a.key, "/analytics/summary?from=2030-03-10T00:00:00Z&to=2030-03-13T00:00:00Z");
    expect(summary.json).toEqual({
      from: "2030-03-10T00:00:00.000Z",
      to: "2030-03-13T00:00:00.000Z",
      total_calls: 5,
      answered_calls: 4,
      completed_calls: 5,
      outcomes: { resolved: 2, transferred: 1, message_taken: 1, abandoned: 1, failed: 0 },
      resolution_rate: 0.4,
      avg_duration_sec: 180,
      sentiment: { positive: 3, neutral: 0, negative: 2 },
    });
    const series = await call(routes.timeseries.GET, a.key, "/analytics/timeseries?metric=calls&interval=day&from=2030-03-09T00:00:00Z&to=2030-03-13T00:00:00Z");
    expect(series.json?.data).toEqual([
      { bucket_start: "2030-03-09T00:00:00Z", value: 0 },
      { bucket_start: "2030-03-10T00:00:00Z", value: 2 },
      { bucket_start: "2030-03-11T00:00:00Z", value: 2 },
      { bucket_start: "2030-03-12T00:00:00Z", value: 1 },
    ]);
    const resolved = await call(routes.timeseries.GET, a.key, "/analytics/timeseries?metric=resolved&interval=week&from=2030-03-10T00:00:00Z&to=2030-03-13T00:00:00Z");
    // Both resolved calls are on Sunday 2030-03-10, whose week started on Monday the 4th.
    expect(resolved.json?.data).toEqual([
      { bucket_start: "2030-03-04T00:00:00Z", value: 2 },
      { bucket_start: "2030-03-11T00:00:00Z", value: 0 },
    ]);
  });
});

describe("errors", () => {
  it("answers 400 with every zod issue for invalid query and body", async () => {
    const res = await call(routes.calls.GET, a.key, "/calls?limit=500&outcome=bogus");
    expect(res.status).toBe(400);
    const issues = (res.json?.error as { issues: { path: string[] }[] }).issues;
    expect(issues.map((i) => i.path.join("."))).toEqual(expect.arrayContaining(["limit", "outcome"]));
    expect(res.json).toMatchObject({ error: { code: "bad_request" } });

    const body = await call(routes.agent.PATCH, a.key, `/agents/${a.agent.id}`, { method: "PATCH", params: { id: a.agent.id }, body: { config: { endpointingSilenceMs: 5, mood: "x" } } });
    expect(body.status).toBe(400);
    expect(JSON.stringify(body.json)).toContain("endpointingSilenceMs");

    const notJson = await call(routes.agent.PATCH, a.key, `/agents/${a.agent.id}`, { method: "PATCH", params: { id: a.agent.id }, body: "{oops" });
    expect(notJson).toMatchObject({ status: 400, json: { error: { message: "The request body is not valid JSON." } } });
    const badId = await call(routes.call.GET, a.key, "/calls/123", { params: { id: "123" } });
    expect(badId.status).toBe(400);
    const badCursor = await call(routes.calls.GET, a.key, "/calls?cursor=garbage");
    expect(badCursor.status).toBe(400);
  });

  it("rate-limits each key: the request over the limit gets 429 with Retry-After, other keys are unaffected", async () => {
    const { key } = await createApiKey(t.db, b.team.id, { userId: b.user.id, label: b.user.email }, { name: "busy" });
    for (let i = 0; i < API_RATE_LIMIT.limit; i++) {
      const res = await call(routes.numbers.GET, key, "/phone-numbers");
      expect(res.status).toBe(200);
    }
    const limited = await call(routes.numbers.GET, key, "/phone-numbers");
    expect(limited.status).toBe(429);
    expect(limited.json).toMatchObject({ error: { code: "rate_limited" } });
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await call(routes.numbers.GET, b.key, "/phone-numbers")).status).toBe(200);
  });
});
