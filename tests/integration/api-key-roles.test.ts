import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it, vi } from "vitest";
import { apiKeys, memberships } from "@/db/schema";
import { createApiKey, listApiKeys } from "@/lib/api-keys/api-keys";
import { apiKeyRole } from "@/lib/auth/roles";
import { changeMemberRole, removeMember } from "@/lib/members/members";
import { signUp } from "@/lib/teams/sign-up";
import { callRoute, type TRouteHandler, type TRouteInit } from "@/tests/helpers/api-route";
import { createTestDb } from "@/tests/helpers/db";

vi.mock("server-only", () => ({}));

// An API key acts with its creator's current role in the key's team, capped at admin, and only while that member
// could still create it. Found by trying: an admin's key removed other admins (204), and keys outlived their
// creator's removal or demotion.

const t = await createTestDb();
process.env.DATABASE_URL = t.url;
const routes = {
  agents: await import("@/app/api/v1/agents/route"),
  members: await import("@/app/api/v1/members/route"),
  member: await import("@/app/api/v1/members/[user_id]/route"),
};
afterAll(() => t.drop());

const call = (handler: TRouteHandler, key: string, path: string, init?: TRouteInit) =>
  callRoute<{ error?: { code: string; message: string } }>(handler, key, path, init);

let seq = 0;
async function person(role: "owner" | "admin" | "member" | "viewer", teamId: string) {
  seq += 1;
  const made = await signUp(t.db, { name: `P${seq}`, email: `p${seq}@example.test`, password: `password-${seq}xxxx`, companyName: `P${seq} Co` });
  await t.db.insert(memberships).values({ teamId, userId: made.user.id, role });
  return made;
}

const alpha = await signUp(t.db, { name: "Olive", email: "olive@alpha.test", password: "password-olive", companyName: "Alpha" });
const beta = await signUp(t.db, { name: "Bob", email: "bob@beta.test", password: "password-bobbb", companyName: "Beta" });
const ownerActor = { userId: alpha.user.id, label: alpha.user.email };

async function keyOf(user: { id: string; email: string }, teamId: string, name = "key") {
  return (await createApiKey(t.db, teamId, { userId: user.id, label: user.email }, { name })).key;
}

async function isMember(teamId: string, userId: string) {
  const rows = await t.db.select().from(memberships).where(and(eq(memberships.teamId, teamId), eq(memberships.userId, userId)));
  return rows.length === 1;
}

describe("API key roles", () => {
  it("an admin's key cannot remove another admin (it got 204): members.remove is owner-only, as in the web app", async () => {
    const admin = await person("admin", alpha.team.id);
    const otherAdmin = await person("admin", alpha.team.id);
    const key = await keyOf(admin.user, alpha.team.id);
    const res = await call(routes.member.DELETE, key, `/members/${otherAdmin.user.id}`, { method: "DELETE", params: { user_id: otherAdmin.user.id } });
    expect(res.status).toBe(403);
    expect(res.json?.error).toMatchObject({ code: "forbidden" });
    expect(await isMember(alpha.team.id, otherAdmin.user.id)).toBe(true);
    // What an admin may do in the UI still works through the key.
    expect((await call(routes.members.POST, key, "/members", { method: "POST", body: { email: "new@alpha.test", role: "admin" } })).status).toBe(201);
  });

  it("an owner's key is capped at admin: no member removal, no owner invitations", async () => {
    const key = await keyOf(alpha.user, alpha.team.id);
    const viewer = await person("viewer", alpha.team.id);
    expect((await call(routes.member.DELETE, key, `/members/${viewer.user.id}`, { method: "DELETE", params: { user_id: viewer.user.id } })).status).toBe(403);
    expect(await isMember(alpha.team.id, viewer.user.id)).toBe(true);
    expect((await call(routes.members.POST, key, "/members", { method: "POST", body: { email: "boss@alpha.test", role: "owner" } })).status).toBe(400);
  });

  it("stops working the moment its creator is demoted below admin", async () => {
    const admin = await person("admin", alpha.team.id);
    const key = await keyOf(admin.user, alpha.team.id, "demoted creator's key");
    expect((await call(routes.agents.GET, key, "/agents")).status).toBe(200);
    await changeMemberRole(t.db, alpha.team.id, admin.user.id, "member", ownerActor);
    // The settings page lists it as disabled.
    const listed = (await listApiKeys(t.db, alpha.team.id)).find((k) => k.name === "demoted creator's key");
    expect(listed?.creatorRole).toBe("member");
    expect(apiKeyRole(listed?.creatorRole)).toBeNull();
    const res = await call(routes.agents.GET, key, "/agents");
    expect(res.status).toBe(401);
    expect(res.json?.error?.message).toMatch(/no longer an admin of this team/);
    const invite = await call(routes.members.POST, key, "/members", { method: "POST", body: { email: "sneaky@alpha.test", role: "admin" } });
    expect(invite.status).toBe(401);
  });

  it("stops working the moment its creator is removed, even if they own another team", async () => {
    // Beta's owner also administers Alpha and makes an Alpha key; their Beta ownership must not keep it alive.
    await t.db.insert(memberships).values({ teamId: alpha.team.id, userId: beta.user.id, role: "admin" });
    const key = await keyOf(beta.user, alpha.team.id, "alpha key by bob");
    expect((await call(routes.agents.GET, key, "/agents")).status).toBe(200);
    await removeMember(t.db, alpha.team.id, beta.user.id, ownerActor);
    const res = await call(routes.agents.GET, key, "/agents");
    expect(res.status).toBe(401);
    // Bob's own Beta key is unaffected and sees only Beta.
    const betaKey = await keyOf(beta.user, beta.team.id, "beta key");
    const members = await call(routes.members.GET, betaKey, "/members");
    expect(members.status).toBe(200);
    expect(JSON.stringify(members.json)).not.toContain("olive@alpha.test");
  });

  it("a key with no known creator (older rows, deleted accounts) is refused", async () => {
    const key = await keyOf(alpha.user, alpha.team.id, "orphan");
    await t.db.update(apiKeys).set({ createdById: null }).where(eq(apiKeys.name, "orphan"));
    const res = await call(routes.agents.GET, key, "/agents");
    expect(res.status).toBe(401);
    expect(res.json?.error?.message).toMatch(/no known creator/);
  });
});
