import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, gt, isNull, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "@/db/client";
import { invitations, memberships, teams, users, type TeamRole } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { can, canGrantRole } from "@/lib/auth/roles";
import { AppError } from "@/lib/errors";

const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;

export const ZInvite = z.object({
  email: z.email("Enter a valid email").trim().toLowerCase(),
  role: z.enum(["owner", "admin", "member", "viewer"], { error: "Pick a role" }),
});
export type TInvite = z.infer<typeof ZInvite>;

export function hashInviteToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

// Returns the raw token once; only its hash is stored. The caller turns it into a link to show or mail.
export async function createInvitation(
  db: Db,
  team: { id: string; name: string },
  actor: TAuditActor & { userId: string; role: TeamRole },
  input: TInvite,
): Promise<{ token: string; invitationId: string }> {
  if (!canGrantRole(actor.role, input.role)) {
    throw new AppError("forbidden", `Your role cannot invite someone as ${input.role}.`);
  }
  const alreadyMember = await db
    .select({ userId: memberships.userId })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.teamId, team.id), sql`lower(${users.email}) = ${input.email}`))
    .limit(1);
  if (alreadyMember.length > 0) throw new AppError("conflict", `${input.email} is already a member of this team.`);

  const token = randomBytes(24).toString("base64url");
  return db.transaction(async (tx) => {
    // A new invitation for the same email replaces any pending one.
    await tx
      .update(invitations)
      .set({ revokedAt: new Date() })
      .where(
        and(
          eq(invitations.teamId, team.id),
          eq(invitations.email, input.email),
          isNull(invitations.acceptedAt),
          isNull(invitations.revokedAt),
        ),
      );
    const [invitation] = await tx
      .insert(invitations)
      .values({
        teamId: team.id,
        email: input.email,
        role: input.role,
        tokenHash: hashInviteToken(token),
        invitedById: actor.userId,
        expiresAt: new Date(Date.now() + INVITE_TTL_MS),
      })
      .returning({ id: invitations.id });
    if (!invitation) throw new Error("insert returned nothing");
    await recordAudit(tx, {
      teamId: team.id,
      actor,
      action: "member.invited",
      targetType: "invitation",
      targetId: invitation.id,
      targetLabel: input.email,
      metadata: { role: input.role },
    });
    return { token, invitationId: invitation.id };
  });
}

// An invitation is only as good as its inviter's right to give it: it dies when the inviter is removed from the team
// (and is not revived by rejoining: the membership must predate the invitation) or no longer has a role that may
// invite someone with the invitation's role. Checked whenever an invitation is shown, listed or accepted, so
// removing or demoting a member needs no extra step to kill their links.
function inviterStillAllows(row: { invitationRole: TeamRole; invitationCreatedAt: Date; inviterRole: TeamRole | null; inviterJoinedAt: Date | null }) {
  if (!row.inviterRole || !row.inviterJoinedAt || row.inviterJoinedAt > row.invitationCreatedAt) return false;
  return can(row.inviterRole, "members.invite") && canGrantRole(row.inviterRole, row.invitationRole);
}

const inviterJoin = and(eq(memberships.teamId, invitations.teamId), eq(memberships.userId, invitations.invitedById));

async function findLiveInvitations(db: DbOrTx, where: SQL | undefined, lock = false) {
  const query = db
    .select({
      invitation: invitations,
      teamName: teams.name,
      teamSlug: teams.slug,
      inviterRole: memberships.role,
      inviterJoinedAt: memberships.createdAt,
    })
    .from(invitations)
    .innerJoin(teams, eq(teams.id, invitations.teamId))
    .leftJoin(memberships, inviterJoin)
    .where(and(where, isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, new Date())))
    .orderBy(desc(invitations.createdAt));
  const rows = lock ? await query.for("update", { of: invitations }) : await query;
  return rows.filter((r) =>
    inviterStillAllows({ invitationRole: r.invitation.role, invitationCreatedAt: r.invitation.createdAt, inviterRole: r.inviterRole, inviterJoinedAt: r.inviterJoinedAt }),
  );
}

export async function findInvitation(db: Db, token: string) {
  const [row] = await findLiveInvitations(db, eq(invitations.tokenHash, hashInviteToken(token)));
  return row ? { invitation: row.invitation, teamName: row.teamName, teamSlug: row.teamSlug } : null;
}

// The invitation is for the address it was sent to: only a signed-in user with that email may accept it. It is
// single-use, and its inviter must still be allowed to give it (inviterStillAllows).
export async function acceptInvitation(db: Db, token: string, user: { id: string; email: string }, ip?: string | null) {
  return db.transaction(async (tx) => {
    const [found] = await findLiveInvitations(tx, eq(invitations.tokenHash, hashInviteToken(token)), true);
    if (!found) throw new AppError("not_found", "This invitation is invalid, expired or already used.");
    const { invitation } = found;
    if (user.email.trim().toLowerCase() !== invitation.email.toLowerCase()) {
      throw new AppError(
        "forbidden",
        `This invitation is for ${invitation.email}, but you are signed in as ${user.email}. Sign out, then sign in or create an account with ${invitation.email}.`,
      );
    }
    const [row] = await tx
      .update(invitations)
      .set({ acceptedAt: new Date(), acceptedById: user.id })
      .where(and(eq(invitations.id, invitation.id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
      .returning();
    if (!row) throw new AppError("not_found", "This invitation is invalid, expired or already used.");
    await tx
      .insert(memberships)
      .values({ teamId: row.teamId, userId: user.id, role: row.role })
      .onConflictDoNothing();
    await recordAudit(tx, {
      teamId: row.teamId,
      actor: { userId: user.id, label: user.email, ip },
      action: "member.joined",
      targetType: "user",
      targetId: user.id,
      targetLabel: user.email,
      metadata: { role: row.role, invitationId: row.id },
    });
    return { teamSlug: found.teamSlug };
  });
}

export async function revokeInvitation(db: Db, teamId: string, invitationId: string, actor: TAuditActor) {
  const [row] = await db
    .update(invitations)
    .set({ revokedAt: new Date() })
    .where(and(eq(invitations.id, invitationId), eq(invitations.teamId, teamId), isNull(invitations.acceptedAt)))
    .returning();
  if (!row) throw new AppError("not_found", "Invitation not found.");
  await recordAudit(db, {
    teamId,
    actor,
    action: "member.invitation_revoked",
    targetType: "invitation",
    targetId: row.id,
    targetLabel: row.email,
  });
}

// Invitations that can still be accepted (so not those whose inviter lost the right to invite).
export async function listPendingInvitations(db: Db, teamId: string) {
  const rows = await findLiveInvitations(db, eq(invitations.teamId, teamId));
  return rows.map(({ invitation: i }) => ({ id: i.id, email: i.email, role: i.role, expiresAt: i.expiresAt, createdAt: i.createdAt }));
}
