import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { memberships, teams } from "@/db/schema";
import { signUp } from "@/lib/teams/sign-up";
import { createTestDb } from "@/tests/helpers/db";
import { eq } from "drizzle-orm";

// Every server action under app/t/[slug], found on disk, called by a member of team B with team A's slug,
// through the real wrapper and the real database. Only the session lookup and Next's request APIs are stubbed.
const session = vi.hoisted(() => ({ current: null as null | { user: { id: string; email: string } } }));
vi.mock("server-only", () => ({}));
vi.mock("next/headers", () => ({ headers: async () => new Headers({ "x-forwarded-for": "203.0.113.7" }) }));
vi.mock("next/cache", () => ({ revalidatePath: () => {}, revalidateTag: () => {} }));
vi.mock("@/lib/auth/auth", () => ({
  auth: async () => session.current,
  signIn: async () => {},
  signOut: async () => {},
}));

function findActionModules(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) findActionModules(full, out);
    else if (entry.name === "actions.ts") out.push(full);
  }
  return out;
}

type TAction = (slug: string, prev: undefined, formData: FormData) => Promise<{ error?: string }>;

describe("server actions are tenant-scoped", async () => {
  const t = await createTestDb();
  process.env.DATABASE_URL = t.url;
  const a = await signUp(t.db, { name: "A", email: "owner-a@example.test", password: "password-aaaa", companyName: "Alpha Co" });
  const b = await signUp(t.db, { name: "B", email: "owner-b@example.test", password: "password-bbbb", companyName: "Beta Co" });
  const modules = findActionModules(path.join(process.cwd(), "app", "t", "[slug]"));
  const actions: [string, TAction][] = [];
  for (const file of modules) {
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value === "function") actions.push([`${path.relative(process.cwd(), file)}#${name}`, value as TAction]);
    }
  }

  beforeAll(() => expect(actions.length).toBeGreaterThanOrEqual(5));
  afterAll(() => t.drop());

  it.each(actions)("%s gives a non-member 404 and changes nothing", async (_name, action) => {
    session.current = { user: { id: b.user.id, email: b.user.email } };
    const form = new FormData();
    form.set("name", "Hijacked");
    form.set("concurrentCallLimit", "999");
    form.set("email", "attacker@example.test");
    form.set("role", "owner");
    form.set("userId", a.user.id);
    const error = await action(a.team.slug, undefined, form).catch((e: unknown) => e);
    expect((error as { digest?: string }).digest).toBe("NEXT_HTTP_ERROR_FALLBACK;404");
    const [teamA] = await t.db.select().from(teams).where(eq(teams.id, a.team.id));
    expect(teamA?.name).toBe("Alpha Co");
    const members = await t.db.select().from(memberships).where(eq(memberships.teamId, a.team.id));
    expect(members.map((m) => m.userId)).toEqual([a.user.id]);
  });

  it("a viewer of team A is refused by the server for changes", async () => {
    const viewer = await signUp(t.db, { name: "V", email: "viewer@example.test", password: "password-vvvv", companyName: "Viewer Co" });
    await t.db.insert(memberships).values({ teamId: a.team.id, userId: viewer.user.id, role: "viewer" });
    session.current = { user: { id: viewer.user.id, email: viewer.user.email } };
    const settings = await import("@/app/t/[slug]/settings/actions");
    const form = new FormData();
    form.set("name", "Viewer Was Here");
    form.set("concurrentCallLimit", "3");
    const result = await settings.updateTeamSettingsAction(a.team.slug, undefined, form);
    expect(result.error).toBe("Your role does not allow this action.");
    const [teamA] = await t.db.select().from(teams).where(eq(teams.id, a.team.id));
    expect(teamA?.name).toBe("Alpha Co");
  });
});
