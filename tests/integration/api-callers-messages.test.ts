import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it, vi } from "vitest";
import { auditLogs, calls, memberships, users } from "@/db/schema";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { ZCallerOut, ZMessageOut } from "@/lib/api/endpoints/callers-messages";
import { syncCallerForCall } from "@/lib/callers/sync-caller";
import { takeCallerMessage } from "@/lib/calls/take-message";
import { signUp } from "@/lib/teams/sign-up";
import { callRoute } from "@/tests/helpers/api-route";
import { createTestDb } from "@/tests/helpers/db";

vi.mock("server-only", () => ({}));

// /api/v1/callers and /api/v1/messages through the route handlers, with real API keys: two tenants, each seeing
// only its own callers and messages.

const t = await createTestDb();
process.env.DATABASE_URL = t.url;
const routes = {
  callers: await import("@/app/api/v1/callers/route"),
  caller: await import("@/app/api/v1/callers/[id]/route"),
  messages: await import("@/app/api/v1/messages/route"),
  message: await import("@/app/api/v1/messages/[id]/route"),
};

const call = callRoute;

async function seed(label: string, from: string) {
  const { user, team } = await signUp(t.db, { name: label, email: `${label.toLowerCase()}@example.test`, password: `password-${label}`, companyName: `${label} Co` });
  const { key } = await createApiKey(t.db, team.id, { userId: user.id, label: user.email }, { name: `${label} key` });
  const [c] = await t.db
    .insert(calls)
    .values({ teamId: team.id, direction: "inbound", fromNumber: from, status: "completed", outcome: "message_taken", endedAt: new Date() })
    .returning();
  const message = await takeCallerMessage(t.db, { teamId: team.id, callId: c!.id, agentId: null, callerName: `${label} Caller`, callbackNumber: from, message: `${label}: please call back` });
  const caller = await syncCallerForCall(t.db, { teamId: team.id, callId: c!.id });
  return { user, team, key, message, caller: caller! };
}

const a = await seed("Alpha", "+14155550101");
const b = await seed("Beta", "+14155550101");

afterAll(async () => {
  await t.drop();
});

describe("/api/v1/callers", () => {
  it("lists and searches the team's callers by number in any format and by name", async () => {
    for (const q of ["(415) 555-0101", "+1 415 555 0101", "Alpha", "caller"]) {
      const res = await call(routes.callers.GET, a.key, `/callers?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
      const data = res.json!.data as unknown[];
      expect(data.map((c) => ZCallerOut.parse(c).id), q).toEqual([a.caller.id]);
    }
    expect(((await call(routes.callers.GET, a.key, "/callers?q=Beta")).json!.data as unknown[]).length).toBe(0);
  });

  it("gets and updates notes, tags and flags; flags are audited; another team's caller is 404", async () => {
    const got = await call(routes.caller.GET, a.key, `/callers/${a.caller.id}`, { params: { id: a.caller.id } });
    expect(got.json).toMatchObject({ phone_number: "+14155550101", name: "Alpha Caller", call_count: 1 });
    const patched = await call(routes.caller.PATCH, a.key, `/callers/${a.caller.id}`, {
      method: "PATCH",
      params: { id: a.caller.id },
      body: { notes: "Prefers email", tags: ["billing"], is_blocked: true },
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ notes: "Prefers email", tags: ["billing"], is_blocked: true, is_vip: false });
    const [audit] = await t.db.select().from(auditLogs).where(and(eq(auditLogs.teamId, a.team.id), eq(auditLogs.action, "caller.update")));
    expect(audit?.actorApiKeyId).toBeTruthy();
    expect((await call(routes.caller.GET, b.key, `/callers/${a.caller.id}`, { params: { id: a.caller.id } })).status).toBe(404);
    const foreign = await call(routes.caller.PATCH, b.key, `/callers/${a.caller.id}`, { method: "PATCH", params: { id: a.caller.id }, body: { is_vip: true } });
    expect(foreign.status).toBe(404);
    expect((await call(routes.caller.PATCH, a.key, `/callers/${a.caller.id}`, { method: "PATCH", params: { id: a.caller.id }, body: { tags: ["<b>"] } })).status).toBe(400);
    expect((await call(routes.caller.PATCH, a.key, `/callers/${a.caller.id}`, { method: "PATCH", params: { id: a.caller.id }, body: { owner: "me" } })).status).toBe(400);
  });
});

describe("/api/v1/messages", () => {
  it("lists with filters, gets, and updates status and assignee; another team's message is 404", async () => {
    const list = await call(routes.messages.GET, a.key, "/messages");
    expect(list.status).toBe(200);
    expect((list.json!.data as unknown[]).map((m) => ZMessageOut.parse(m).id)).toEqual([a.message.id]);
    expect(list.json!.total).toBe(1);
    expect(((await call(routes.messages.GET, a.key, "/messages?status=handled")).json!.data as unknown[]).length).toBe(0);
    expect((await call(routes.messages.GET, a.key, "/messages?from=yesterday")).status).toBe(400);

    const [colleague] = await t.db.insert(users).values({ email: "colleague@alpha.test" }).returning();
    await t.db.insert(memberships).values({ teamId: a.team.id, userId: colleague!.id, role: "member" });
    const assigned = await call(routes.message.PATCH, a.key, `/messages/${a.message.id}`, {
      method: "PATCH",
      params: { id: a.message.id },
      body: { assignee_id: colleague!.id, callback_at: "2030-01-02T15:00:00Z" },
    });
    expect(assigned.json).toMatchObject({ status: "assigned", assignee_id: colleague!.id, callback_at: "2030-01-02T15:00:00.000Z" });
    const mine = await call(routes.messages.GET, a.key, `/messages?assignee_id=${colleague!.id}`);
    expect((mine.json!.data as unknown[]).length).toBe(1);
    // A member of another team cannot be assigned.
    const outsider = await call(routes.message.PATCH, a.key, `/messages/${a.message.id}`, { method: "PATCH", params: { id: a.message.id }, body: { assignee_id: b.user.id } });
    expect(outsider.status).toBe(400);
    const handled = await call(routes.message.PATCH, a.key, `/messages/${a.message.id}`, { method: "PATCH", params: { id: a.message.id }, body: { status: "handled" } });
    expect(handled.json).toMatchObject({ status: "handled", handled_by_id: a.user.id });
    expect(handled.json!.handled_at).toEqual(expect.any(String));

    expect((await call(routes.message.GET, b.key, `/messages/${a.message.id}`, { params: { id: a.message.id } })).status).toBe(404);
    const foreign = await call(routes.message.PATCH, b.key, `/messages/${a.message.id}`, { method: "PATCH", params: { id: a.message.id }, body: { status: "spam" } });
    expect(foreign.status).toBe(404);
    expect(((await call(routes.messages.GET, b.key, "/messages?status=all")).json!.data as { id: string }[]).map((m) => m.id)).toEqual([b.message.id]);
    const still = await call(routes.message.GET, a.key, `/messages/${a.message.id}`, { params: { id: a.message.id } });
    expect(still.json).toMatchObject({ status: "handled" });
  });
});
