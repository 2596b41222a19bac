"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { fieldErrorsOf, teamAction } from "@/lib/auth/entry-points";
import { RETENTION_KINDS, saveRetentionPolicy, shortenedKinds, loadRetentionPolicy, ZRetentionPolicy, type TRetentionPolicy } from "@/lib/retention/policy";
import { previewNextRun } from "@/lib/retention/summary";

// The retention form: per kind a number of days, or "keep forever". A shorter period is saved only once the member
// has seen what the next purge would then remove (the dry run of the new policy) and confirmed that exact policy.
const ZRetentionForm = z.object({
  ...Object.fromEntries(RETENTION_KINDS.flatMap((k) => [[k, z.string().max(20).optional()], [`${k}Forever`, z.string().max(5).optional()]])),
  confirmedPolicy: z.string().max(500).optional(),
}) as z.ZodType<Record<string, string | undefined>>;

export const saveRetentionAction = teamAction("team.update_settings", ZRetentionForm, async (ctx, input) => {
  const fieldErrors: Record<string, string> = {};
  const draft: Record<string, number | null> = {};
  for (const kind of RETENTION_KINDS) {
    if (input[`${kind}Forever`]) {
      draft[kind] = null;
      continue;
    }
    const raw = (input[kind] ?? "").trim();
    if (raw === "") fieldErrors[kind] = "Enter a number of days, or choose keep forever";
    else if (!/^\d+$/.test(raw)) fieldErrors[kind] = "Use a whole number of days";
    else draft[kind] = Number(raw);
  }
  if (Object.keys(fieldErrors).length > 0) return { error: "Please fix the highlighted fields.", fieldErrors, values: input as Record<string, string> };
  const parsed = ZRetentionPolicy.safeParse(draft);
  if (!parsed.success) return { error: "Please fix the highlighted fields.", fieldErrors: fieldErrorsOf(parsed.error), values: input as Record<string, string> };
  const policy: TRetentionPolicy = parsed.data;
  const current = await loadRetentionPolicy(ctx.db, ctx.team.id);
  const shorter = shortenedKinds(current, policy);
  if (shorter.length > 0 && input.confirmedPolicy !== JSON.stringify(policy)) {
    const next = await previewNextRun(ctx.db, ctx.team.id, policy);
    return {
      values: input as Record<string, string>,
      data: { confirm: { policy: JSON.stringify(policy), kinds: shorter, counts: next.byKind, at: next.at.toISOString() } },
    };
  }
  await saveRetentionPolicy(ctx.db, ctx.team.id, ctx.actor, policy);
  revalidatePath(`/t/${ctx.team.slug}/settings/retention`);
  return { success: "Retention policy saved." };
});
