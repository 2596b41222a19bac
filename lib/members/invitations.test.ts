import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { memberships } from "@/db/schema";
import { signUp } from "@/lib/teams/sign-up";
import { createTestDb } from "@/tests/helpers/db";
import { acceptInvitation, createInvitation, findInvitation, listPendingInvitations } from "./invitations";
import { changeMemberRole, removeMember } from "./members";

// An invitation is for the email it was sent to, and only as good as its inviter's current right to give it.
// Found by trying: a removed admin rejoined as admin through a link they had made before removal.
describe("invitations are bound to their email and their inviter's rights", async () => {
  const t = await createTestDb();
  afterAll(() => t.drop());
  let seq = 0;
  const account = async (email: string) => (await signUp(t.db, { name: email, email, password: `password-${++seq}xxxx`, companyName: `${email} Co` })).user;
  const alpha = await signUp(t.db, { name: "O", email: "owner@alpha.test", password: "password-oooo", companyName: "Alpha" });
  const beta = await signUp(t.db, { name: "B", email: "owner@beta.test", password: "password-bbbb", companyName: "Beta" });
  const ownerActor = { userId: alpha.user.id, label: alpha.user.email, role: "owner" as const };
  const roleIn = async (teamId: string, userId: string) =>
    (await t.db.select().from(memberships).where(and(eq(memberships.teamId, teamId), eq(memberships.userId, userId))))[0]?.role ?? null;

  async function admin(email: string) {
    const user = await account(email);
    await t.db.insert(memberships).values({ teamId: alpha.team.id, userId: user.id, role: "admin" });
    return { user, actor: { userId: user.id, label: user.email, role: "admin" as const } };
  }

  it("a removed admin cannot rejoin through a link they made before removal", async () => {
    const mallory = await admin("mallory@alpha.test");
    const alt = await account("mallory.alt@elsewhere.test");
    const { token } = await createInvitation(t.db, alpha.team, mallory.actor, { email: alt.email, role: "admin" });
    await removeMember(t.db, alpha.team.id, mallory.user.id, { userId: alpha.user.id, label: alpha.user.email });
    expect(await findInvitation(t.db, token)).toBeNull();
    expect((await listPendingInvitations(t.db, alpha.team.id)).map((i) => i.email)).not.toContain(alt.email);
    await expect(acceptInvitation(t.db, token, alt)).rejects.toMatchObject({ code: "not_found" });
    expect(await roleIn(alpha.team.id, alt.id)).toBeNull();
    // Being let back in later does not revive links made before.
    await t.db.insert(memberships).values({ teamId: alpha.team.id, userId: mallory.user.id, role: "admin" });
    await expect(acceptInvitation(t.db, token, alt)).rejects.toMatchObject({ code: "not_found" });
  });

  it("an invitation dies when its inviter is demoted below the right to invite", async () => {
    const ada = await admin("ada@alpha.test");
    const friend = await account("friend@alpha.test");
    const { token } = await createInvitation(t.db, alpha.team, ada.actor, { email: friend.email, role: "member" });
    await changeMemberRole(t.db, alpha.team.id, ada.user.id, "member", ownerActor);
    await expect(acceptInvitation(t.db, token, friend)).rejects.toMatchObject({ code: "not_found" });
    expect(await roleIn(alpha.team.id, friend.id)).toBeNull();
  });

  it("never grants a role above the inviter's current role", async () => {
    // An owner invites an owner, then is demoted to admin: admins cannot mint owners, so the link is dead.
    const second = await account("second-owner@alpha.test");
    await t.db.insert(memberships).values({ teamId: alpha.team.id, userId: second.id, role: "owner" });
    const invitee = await account("would-be-owner@alpha.test");
    const { token } = await createInvitation(t.db, alpha.team, { userId: second.id, label: second.email, role: "owner" }, { email: invitee.email, role: "owner" });
    await changeMemberRole(t.db, alpha.team.id, second.id, "admin", ownerActor);
    await expect(acceptInvitation(t.db, token, invitee)).rejects.toMatchObject({ code: "not_found" });
    expect(await roleIn(alpha.team.id, invitee.id)).toBeNull();
  });

  it("only the invited email may accept: another signed-in user gets a clear error and the link stays valid", async () => {
    const invitee = await account("invitee@alpha.test");
    const stranger = await account("stranger@elsewhere.test");
    const { token } = await createInvitation(t.db, alpha.team, ownerActor, { email: "invitee@alpha.test", role: "viewer" });
    const error = await acceptInvitation(t.db, token, stranger).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "forbidden" });
    expect((error as Error).message).toBe(
      "This invitation is for invitee@alpha.test, but you are signed in as stranger@elsewhere.test. Sign out, then sign in or create an account with invitee@alpha.test.",
    );
    expect(await roleIn(alpha.team.id, stranger.id)).toBeNull();
    // Case does not matter, and the rightful user still gets in.
    const { teamSlug } = await acceptInvitation(t.db, token, { ...invitee, email: "INVITEE@alpha.test" });
    expect(teamSlug).toBe(alpha.team.slug);
    expect(await roleIn(alpha.team.id, invitee.id)).toBe("viewer");
  });

  it("an inviter's rights count in the invitation's team only", async () => {
    // Beta's owner is a mere member of Alpha: their Beta ownership does not let an Alpha invitation through.
    await t.db.insert(memberships).values({ teamId: alpha.team.id, userId: beta.user.id, role: "admin" });
    const target = await account("target@alpha.test");
    const { token } = await createInvitation(t.db, alpha.team, { userId: beta.user.id, label: beta.user.email, role: "admin" }, { email: target.email, role: "admin" });
    await changeMemberRole(t.db, alpha.team.id, beta.user.id, "member", ownerActor);
    expect(await roleIn(beta.team.id, beta.user.id)).toBe("owner");
    await expect(acceptInvitation(t.db, token, target)).rejects.toMatchObject({ code: "not_found" });
    // Beta's own invitations, made by the same person, still work.
    const betaInvitee = await account("joins-beta@beta.test");
    const beta1 = await createInvitation(t.db, beta.team, { userId: beta.user.id, label: beta.user.email, role: "owner" }, { email: betaInvitee.email, role: "admin" });
    expect((await acceptInvitation(t.db, beta1.token, betaInvitee)).teamSlug).toBe(beta.team.slug);
  });
});
