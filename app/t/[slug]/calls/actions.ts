"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { requestReanalysis } from "@/lib/analysis/reanalyze-call";
import { teamAction } from "@/lib/auth/entry-points";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";

export const reanalyzeCallAction = teamAction("calls.reanalyze", z.object({ callId: z.uuid("Unknown call") }), async (ctx, input) => {
  const databaseUrl = env().DATABASE_URL;
  if (!databaseUrl) throw new AppError("conflict", "The analysis queue is not configured (DATABASE_URL is not set).");
  await requestReanalysis(ctx.db, { teamId: ctx.team.id, callId: input.callId, actor: ctx.actor }, { databaseUrl });
  revalidatePath(`/t/${ctx.team.slug}/calls/${input.callId}`);
  return { success: "Analysis queued. It runs in the background; refresh in a moment." };
});
