import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "@/db/client";
import { departments, type Department } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import { checkTransferDestination, loadTransferPolicy } from "@/lib/telephony/transfer-policy";
import { getAgent, isUuid, touchDraft } from "./get-agent";

export const E164_HINT = "Use international format with country code, e.g. +14155550123";

// Accepts what people paste ("+1 (415) 555-0123") and stores E.164 ("+14155550123").
export function normalizeE164(raw: string): string | null {
  const compact = raw.trim().replace(/[\s().-]/g, "");
  const withPlus = compact.startsWith("00") ? `+${compact.slice(2)}` : compact;
  return /^\+[1-9]\d{6,14}$/.test(withPlus) ? withPlus : null;
}

export const ZE164 = z.string().transform((value, ctx) => {
  const normalized = normalizeE164(value);
  if (!normalized) {
    ctx.addIssue({ code: "custom", message: value.trim() ? `Not a valid phone number. ${E164_HINT}` : `Enter a phone number. ${E164_HINT}` });
    return z.NEVER;
  }
  return normalized;
});

export const ZDepartmentInput = z.object({
  name: z.string().trim().min(1, "Enter a department name").max(80, "Use at most 80 characters"),
  phoneNumber: ZE164,
  whenToTransfer: z.string().trim().max(500, "Use at most 500 characters").default(""),
});
export type TDepartmentInput = z.infer<typeof ZDepartmentInput>;

type TScope = { teamId: string; agentId: string };

// The number must be one the team may transfer to (a real, ordinary number in an allowed country).
async function allowedDestination(db: DbOrTx, teamId: string, input: TDepartmentInput): Promise<TDepartmentInput> {
  const check = checkTransferDestination(input.phoneNumber, (await loadTransferPolicy(db, teamId)).countries);
  if (!check.ok) throw new AppError("bad_request", `Phone number: ${check.message}`, { field: "phoneNumber", reason: check.reason });
  return { ...input, phoneNumber: check.e164 };
}

export async function listDepartments(db: DbOrTx, scope: TScope): Promise<Department[]> {
  return db
    .select()
    .from(departments)
    .where(and(eq(departments.teamId, scope.teamId), eq(departments.agentId, scope.agentId)))
    .orderBy(asc(departments.createdAt), asc(departments.id));
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; cause?: { code?: string } } | null;
  return e?.code === "23505" || e?.cause?.code === "23505";
}

function duplicateName(name: string): AppError {
  return new AppError("conflict", `This agent already has a department named "${name}".`);
}

export async function addDepartment(db: Db, scope: TScope, actor: TAuditActor, raw: TDepartmentInput): Promise<Department> {
  const agent = await getAgent(db, scope.teamId, scope.agentId);
  const input = await allowedDestination(db, scope.teamId, raw);
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx.insert(departments).values({ ...scope, ...input }).returning();
      if (!row) throw new Error("insert returned nothing");
      await touchDraft(tx, scope);
      await recordAudit(tx, {
        teamId: scope.teamId,
        actor,
        action: "department.created",
        targetType: "department",
        targetId: row.id,
        targetLabel: `${agent.name} / ${row.name}`,
        metadata: { phoneNumber: row.phoneNumber },
      });
      return row;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateName(input.name);
    throw error;
  }
}

export async function updateDepartment(
  db: Db,
  scope: TScope & { departmentId: string },
  actor: TAuditActor,
  raw: TDepartmentInput,
): Promise<Department> {
  const agent = await getAgent(db, scope.teamId, scope.agentId);
  const existing = await findDepartment(db, scope);
  const input = await allowedDestination(db, scope.teamId, raw);
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .update(departments)
        .set(input)
        .where(and(eq(departments.id, existing.id), eq(departments.teamId, scope.teamId), eq(departments.agentId, scope.agentId)))
        .returning();
      if (!row) throw notFound();
      const changes = Object.fromEntries(
        (["name", "phoneNumber", "whenToTransfer"] as const)
          .filter((k) => existing[k] !== row[k])
          .map((k) => [k, { from: existing[k], to: row[k] }]),
      );
      if (Object.keys(changes).length > 0) {
        await touchDraft(tx, scope);
        await recordAudit(tx, {
          teamId: scope.teamId,
          actor,
          action: "department.updated",
          targetType: "department",
          targetId: row.id,
          targetLabel: `${agent.name} / ${row.name}`,
          metadata: { changes },
        });
      }
      return row;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateName(input.name);
    throw error;
  }
}

export async function deleteDepartment(db: Db, scope: TScope & { departmentId: string }, actor: TAuditActor): Promise<void> {
  const agent = await getAgent(db, scope.teamId, scope.agentId);
  const existing = await findDepartment(db, scope);
  await db.transaction(async (tx) => {
    await tx
      .delete(departments)
      .where(and(eq(departments.id, existing.id), eq(departments.teamId, scope.teamId), eq(departments.agentId, scope.agentId)));
    await touchDraft(tx, scope);
    await recordAudit(tx, {
      teamId: scope.teamId,
      actor,
      action: "department.deleted",
      targetType: "department",
      targetId: existing.id,
      targetLabel: `${agent.name} / ${existing.name}`,
    });
  });
}

async function findDepartment(db: DbOrTx, scope: TScope & { departmentId: string }): Promise<Department> {
  if (!isUuid(scope.departmentId)) throw notFound();
  const [row] = await db
    .select()
    .from(departments)
    .where(and(eq(departments.id, scope.departmentId), eq(departments.teamId, scope.teamId), eq(departments.agentId, scope.agentId)))
    .limit(1);
  if (!row) throw notFound();
  return row;
}

function notFound(): AppError {
  return new AppError("not_found", "That department no longer exists. Reload the page.");
}
