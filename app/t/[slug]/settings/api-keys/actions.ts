"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { createApiKey, revokeApiKey, ZCreateApiKey } from "@/lib/api-keys/api-keys";
import { teamAction } from "@/lib/auth/entry-points";

export const createApiKeyAction = teamAction("api_keys.manage", ZCreateApiKey, async (ctx, input) => {
  const { key } = await createApiKey(ctx.db, ctx.team.id, { ...ctx.actor, userId: ctx.user.id }, input);
  revalidatePath(`/t/${ctx.team.slug}/settings/api-keys`);
  return { success: `Key "${input.name}" created. Copy it now: it will not be shown again.`, data: { key } };
});

export const revokeApiKeyAction = teamAction("api_keys.manage", z.object({ apiKeyId: z.uuid() }), async (ctx, input) => {
  await revokeApiKey(ctx.db, ctx.team.id, input.apiKeyId, ctx.actor);
  revalidatePath(`/t/${ctx.team.slug}/settings/api-keys`);
  return { success: "Key revoked." };
});
