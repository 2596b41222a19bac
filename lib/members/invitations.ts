import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { invitations, memberships, teams, users, type TeamRole } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { canGrantRole } from "@/lib/auth/roles";
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

export async function findInvitation(db: Db, token: string) {
  const rows = await db
    .select({ invitation: invitations, teamName: teams.name, teamSlug: teams.slug })
    .from(invitations)
    .innerJoin(teams, eq(teams.id, invitations.teamId))
    .where(
      and(
        eq(invitations.tokenHash, hashInviteToken(token)),
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
        gt(invitations.expiresAt, new Date()),
      ),
    )
    .limit(1);
  return rows[0] ?? null;
}

// Any signed-in user holding the link may accept; the invitation is single-use.
export async function acceptInvitation(db: Db, token: string, user: { id: string; email: string }, ip?: string | null) {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(invitations)
      .set({ acceptedAt: new Date(), acceptedById: user.id })
      .where(
        and(
          eq(invitations.tokenHash, hashInviteToken(token)),
          isNull(invitations.acceptedAt),
          isNull(invitations.revokedAt),
          gt(invitations.expiresAt, new Date()),
        ),
      )
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
    const [team] = await tx.select({ slug: teams.slug }).from(teams).where(eq(teams.id, row.teamId));
    return { teamSlug: team?.slug ?? "" };
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

export async function listPendingInvitations(db: Db, teamId: string) {
  return db
    .select({
      id: invitations.id,
      email: invitations.email,
      role: invitations.role,
      expiresAt: invitations.expiresAt,
      createdAt: invitations.createdAt,
    })
    .from(invitations)
    .where(
      and(
        eq(invitations.teamId, teamId),
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
        gt(invitations.expiresAt, new Date()),
      ),
    )
    .orderBy(desc(invitations.createdAt));
}
