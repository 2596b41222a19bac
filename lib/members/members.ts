import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { memberships, users, type TeamRole } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";

export async function listMembers(db: Db, teamId: string) {
  return db
    .select({
      userId: users.id,
      name: users.name,
      email: users.email,
      role: memberships.role,
      joinedAt: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.teamId, teamId))
    .orderBy(asc(memberships.createdAt));
}

// Locks the team's owner rows so two concurrent demotions cannot both pass the last-owner check.
async function assertAnotherOwner(tx: Parameters<Parameters<Db["transaction"]>[0]>[0], teamId: string, userId: string) {
  const owners = await tx.execute<{ user_id: string }>(
    sql`select user_id from memberships where team_id = ${teamId} and role = 'owner' for update`,
  );
  if (!owners.some((o) => o.user_id !== userId)) {
    throw new AppError("conflict", "A team must keep at least one owner. Make someone else owner first.");
  }
}

export async function changeMemberRole(db: Db, teamId: string, userId: string, role: TeamRole, actor: TAuditActor) {
  await db.transaction(async (tx) => {
    const [current] = await tx
      .select({ role: memberships.role, email: users.email })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.teamId, teamId), eq(memberships.userId, userId)));
    if (!current) throw new AppError("not_found", "Member not found.");
    if (current.role === role) return;
    if (current.role === "owner") await assertAnotherOwner(tx, teamId, userId);
    await tx
      .update(memberships)
      .set({ role })
      .where(and(eq(memberships.teamId, teamId), eq(memberships.userId, userId)));
    await recordAudit(tx, {
      teamId,
      actor,
      action: "member.role_changed",
      targetType: "user",
      targetId: userId,
      targetLabel: current.email,
      metadata: { from: current.role, to: role },
    });
  });
}

export async function removeMember(db: Db, teamId: string, userId: string, actor: TAuditActor) {
  await db.transaction(async (tx) => {
    const [current] = await tx
      .select({ role: memberships.role, email: users.email })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.teamId, teamId), eq(memberships.userId, userId)));
    if (!current) throw new AppError("not_found", "Member not found.");
    if (current.role === "owner") await assertAnotherOwner(tx, teamId, userId);
    await tx.delete(memberships).where(and(eq(memberships.teamId, teamId), eq(memberships.userId, userId)));
    await recordAudit(tx, {
      teamId,
      actor,
      action: "member.removed",
      targetType: "user",
      targetId: userId,
      targetLabel: current.email,
      metadata: { role: current.role },
    });
  });
}
