import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { auditLogs, memberships } from "@/db/schema";
import { signUp } from "@/lib/teams/sign-up";
import { createTestDb } from "@/tests/helpers/db";
import { acceptInvitation, createInvitation, findInvitation } from "./invitations";
import { changeMemberRole, removeMember } from "./members";

describe("members and invitations", async () => {
  const t = await createTestDb();
  afterAll(() => t.drop());
  const owner = await signUp(t.db, { name: "O", email: "o@example.test", password: "password-oooo", companyName: "Owner Co" });
  const actor = { userId: owner.user.id, label: owner.user.email, ip: "198.51.100.4", role: "owner" as const };

  it("an invitation link is single-use and joins with the chosen role", async () => {
    const joiner = await signUp(t.db, { name: "J", email: "j@example.test", password: "password-jjjj", companyName: "J Co" });
    const { token } = await createInvitation(t.db, owner.team, actor, { email: "j@example.test", role: "member" });
    expect(await findInvitation(t.db, token)).not.toBeNull();
    const { teamSlug } = await acceptInvitation(t.db, token, joiner.user);
    expect(teamSlug).toBe(owner.team.slug);
    const [m] = await t.db.select().from(memberships).where(and(eq(memberships.userId, joiner.user.id), eq(memberships.teamId, owner.team.id)));
    expect(m?.role).toBe("member");
    await expect(acceptInvitation(t.db, token, joiner.user)).rejects.toMatchObject({ code: "not_found" });
  });

  it("an admin cannot invite an owner", async () => {
    await expect(
      createInvitation(t.db, owner.team, { ...actor, role: "admin" }, { email: "x@example.test", role: "owner" }),
    ).rejects.toMatchObject({ code: "forbidden" });
  });

  it("the last owner can be neither demoted nor removed; with a second owner both work", async () => {
    await expect(changeMemberRole(t.db, owner.team.id, owner.user.id, "admin", actor)).rejects.toMatchObject({ code: "conflict" });
    await expect(removeMember(t.db, owner.team.id, owner.user.id, actor)).rejects.toMatchObject({ code: "conflict" });
    const second = await signUp(t.db, { name: "S", email: "s@example.test", password: "password-ssss", companyName: "S Co" });
    await t.db.insert(memberships).values({ teamId: owner.team.id, userId: second.user.id, role: "owner" });
    await changeMemberRole(t.db, owner.team.id, second.user.id, "viewer", actor);
    await changeMemberRole(t.db, owner.team.id, second.user.id, "owner", actor);
    await removeMember(t.db, owner.team.id, owner.user.id, actor);
    const logs = await t.db.select().from(auditLogs).where(eq(auditLogs.teamId, owner.team.id));
    expect(logs.map((l) => l.action)).toEqual(expect.arrayContaining(["member.invited", "member.joined", "member.role_changed", "member.removed"]));
    expect(logs.find((l) => l.action === "member.removed")?.ip).toBe("198.51.100.4");
  });
});
