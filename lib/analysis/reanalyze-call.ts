import { and, eq, isNotNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { calls } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import { enqueueCallAnalysis } from "./queue";

// An admin asked to analyze a call again (new capture fields, a better model, a failed run).
export async function requestReanalysis(
  db: Db,
  input: { teamId: string; callId: string; actor: TAuditActor },
  queue: { databaseUrl: string },
): Promise<void> {
  const [call] = await db.select({ id: calls.id, endedAt: calls.endedAt }).from(calls).where(and(eq(calls.id, input.callId), eq(calls.teamId, input.teamId))).limit(1);
  if (!call) throw new AppError("not_found", "Call not found.");
  if (!call.endedAt) throw new AppError("conflict", "The call is still in progress; it is analyzed when it ends.");
  await db
    .update(calls)
    .set({ analysisStatus: "pending" })
    .where(and(eq(calls.id, input.callId), eq(calls.teamId, input.teamId), isNotNull(calls.endedAt)));
  await enqueueCallAnalysis({ teamId: input.teamId, callId: input.callId }, queue);
  await recordAudit(db, { teamId: input.teamId, actor: input.actor, action: "call.reanalyze", targetType: "call", targetId: input.callId });
}
