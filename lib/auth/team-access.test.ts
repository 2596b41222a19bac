import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { memberships } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { signUp } from "@/lib/teams/sign-up";
import { createTestDb } from "@/tests/helpers/db";
import { listUserTeams, requireTeamAccess, resolveTeamAccess } from "./team-access";

describe("team access (tenancy core)", () => {
  let t: Awaited<ReturnType<typeof createTestDb>>;
  let db: Db;
  let a: Awaited<ReturnType<typeof signUp>>;
  let b: Awaited<ReturnType<typeof signUp>>;

  beforeAll(async () => {
    t = await createTestDb();
    db = t.db;
    a = await signUp(db, { name: "A", email: "a@example.test", password: "password-aaaa", companyName: "Alpha Plumbing" });
    b = await signUp(db, { name: "B", email: "b@example.test", password: "password-bbbb", companyName: "Beta Dental" });
  });
  afterAll(() => t.drop());

  it("resolves a member's team and role from the slug", async () => {
    const access = await resolveTeamAccess(db, a.user.id, a.team.slug);
    expect(access?.team.id).toBe(a.team.id);
    expect(access?.role).toBe("owner");
  });

  it("resolves nothing for a non-member, exactly as for an unknown slug", async () => {
    expect(await resolveTeamAccess(db, b.user.id, a.team.slug)).toBeNull();
    expect(await resolveTeamAccess(db, b.user.id, "no-such-team")).toBeNull();
    await expect(requireTeamAccess(db, b.user.id, a.team.slug, "team.view")).rejects.toMatchObject({ code: "not_found" });
  });

  it("refuses a member whose role lacks the permission with forbidden", async () => {
    await db.insert(memberships).values({ teamId: a.team.id, userId: b.user.id, role: "viewer" });
    const viewer = await requireTeamAccess(db, b.user.id, a.team.slug, "calls.view");
    expect(viewer.role).toBe("viewer");
    const error = await requireTeamAccess(db, b.user.id, a.team.slug, "team.update_settings").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(403);
    const teams = await listUserTeams(db, b.user.id);
    expect(teams.map((x) => x.slug).sort()).toEqual([a.team.slug, b.team.slug].sort());
  });
});
