"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { teamAction } from "@/lib/auth/entry-points";
import { secretKeyFrom } from "@/lib/crypto/secret-box";
import { env } from "@/lib/env";
import { WEBHOOK_EVENTS } from "@/lib/webhooks/events";
import {
  createWebhookEndpoint,
  createWebhookSchema,
  deleteWebhookEndpoint,
  resendWebhookDelivery,
  revealWebhookSecret,
  setWebhookEndpointActive,
} from "@/lib/webhooks/manage-endpoints";

function secretKey(): Buffer {
  return secretKeyFrom({ encryptionKey: env().ENCRYPTION_KEY, authSecret: env().AUTH_SECRET, nodeEnv: env().NODE_ENV, previousKeys: env().ENCRYPTION_KEY_PREVIOUS });
}

// Checkboxes arrive as `event:<name>=on`.
const ZWebhookForm = z
  .looseObject({ url: z.string().default("") })
  .transform((form) => ({ url: form.url, events: WEBHOOK_EVENTS.filter((e) => form[`event:${e}`] === "on") }))
  .pipe(createWebhookSchema({ allowPrivateAddresses: env().WEBHOOKS_ALLOW_PRIVATE_URLS }));

const ZEndpointTarget = z.object({ endpointId: z.uuid() });

export const createWebhookAction = teamAction("webhooks.manage", ZWebhookForm, async (ctx, input) => {
  const { secret } = await createWebhookEndpoint(ctx.db, ctx.team.id, ctx.actor, input, secretKey());
  revalidatePath(`/t/${ctx.team.slug}/settings/webhooks`);
  return { success: "Endpoint added. Use this signing secret to verify deliveries.", data: { secret } };
});

export const revealWebhookSecretAction = teamAction("webhooks.manage", ZEndpointTarget, async (ctx, input) => {
  const secret = await revealWebhookSecret(ctx.db, ctx.team.id, input.endpointId, ctx.actor, secretKey());
  return { success: "Signing secret", data: { secret } };
});

export const toggleWebhookAction = teamAction(
  "webhooks.manage",
  ZEndpointTarget.extend({ isActive: z.enum(["true", "false"]).transform((v) => v === "true") }),
  async (ctx, input) => {
    await setWebhookEndpointActive(ctx.db, ctx.team.id, input.endpointId, input.isActive, ctx.actor);
    revalidatePath(`/t/${ctx.team.slug}/settings/webhooks`);
    return { success: input.isActive ? "Endpoint enabled." : "Endpoint disabled." };
  },
);

export const deleteWebhookAction = teamAction("webhooks.manage", ZEndpointTarget, async (ctx, input) => {
  await deleteWebhookEndpoint(ctx.db, ctx.team.id, input.endpointId, ctx.actor);
  revalidatePath(`/t/${ctx.team.slug}/settings/webhooks`);
  return { success: "Endpoint deleted." };
});

export const resendWebhookDeliveryAction = teamAction("webhooks.manage", z.object({ deliveryId: z.uuid() }), async (ctx, input) => {
  await resendWebhookDelivery(ctx.db, ctx.team.id, input.deliveryId, ctx.actor);
  revalidatePath(`/t/${ctx.team.slug}/settings/webhooks`);
  return { success: "Queued for delivery." };
});
