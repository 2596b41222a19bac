import { randomBytes } from "node:crypto";
import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "@/db/client";
import { webhookDeliveries, webhookEndpoints } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { openSecret, sealSecret } from "@/lib/crypto/secret-box";
import { AppError } from "@/lib/errors";
import { isPrivateHost } from "@/lib/net/public-address";
import { WEBHOOK_EVENTS } from "./events";

const MAX_ENDPOINTS_PER_TEAM = 10;

export const PRIVATE_URL_ERROR = "Webhook URLs must point to a public address";

export type TWebhookUrlPolicy = {
  // WEBHOOKS_ALLOW_PRIVATE_URLS: accept localhost, private and link-local hosts, and plain http:// to them, for
  // trying webhooks against a receiver on this machine or network. Off by default in every environment.
  allowPrivateAddresses: boolean;
};

// https to a public host. This is the cheap check, on the URL as typed (literal IPs, localhost, *.internal ...);
// delivery resolves the name and checks every address again, since DNS can change after registration.
export function webhookUrlSchema(policy: TWebhookUrlPolicy) {
  return z
    .string()
    .trim()
    .max(2000, "Use at most 2,000 characters")
    .pipe(z.url({ error: "Enter a full URL, like https://example.com/webhooks" }))
    .superRefine((raw, ctx) => {
      // zod still runs this after z.url() has reported a bad URL.
      if (!URL.canParse(raw)) return;
      const url = new URL(raw);
      const fail = (message: string) => ctx.addIssue({ code: "custom", message });
      if (url.protocol !== "https:" && url.protocol !== "http:") return fail("Use an https:// URL");
      if (url.username || url.password) return fail("Remove the user name and password from the URL; verify deliveries with the signing secret instead");
      const isPrivate = isPrivateHost(url.hostname);
      if (isPrivate && !policy.allowPrivateAddresses) return fail(PRIVATE_URL_ERROR);
      if (url.protocol === "http:" && !isPrivate) {
        return fail(policy.allowPrivateAddresses ? "Use an https:// URL (http:// is allowed for private addresses only)" : "Use an https:// URL");
      }
    });
}

export function createWebhookSchema(policy: TWebhookUrlPolicy) {
  return z.object({
    url: webhookUrlSchema(policy),
    events: z.array(z.enum(WEBHOOK_EVENTS)).min(1, "Pick at least one event"),
  });
}
export type TCreateWebhook = z.infer<ReturnType<typeof createWebhookSchema>>;

// Returns the signing secret in clear once; it is stored encrypted so admins can reveal it later.
export async function createWebhookEndpoint(
  db: Db,
  teamId: string,
  actor: TAuditActor,
  input: TCreateWebhook,
  secretKey: Buffer,
): Promise<{ id: string; secret: string }> {
  const secret = `whsec_${randomBytes(24).toString("base64url")}`;
  return db.transaction(async (tx) => {
    const existing = await tx.select({ id: webhookEndpoints.id }).from(webhookEndpoints).where(eq(webhookEndpoints.teamId, teamId));
    if (existing.length >= MAX_ENDPOINTS_PER_TEAM) {
      throw new AppError("conflict", `A team can have at most ${MAX_ENDPOINTS_PER_TEAM} webhook endpoints. Delete one first.`);
    }
    const [row] = await tx
      .insert(webhookEndpoints)
      .values({ teamId, url: input.url, events: [...new Set(input.events)], secretEnc: sealSecret(secret, secretKey) })
      .returning({ id: webhookEndpoints.id });
    if (!row) throw new Error("insert returned nothing");
    await recordAudit(tx, { teamId, actor, action: "webhook.created", targetType: "webhook_endpoint", targetId: row.id, targetLabel: input.url, metadata: { events: input.events } });
    return { id: row.id, secret };
  });
}

export async function listWebhookEndpoints(db: DbOrTx, teamId: string) {
  return db
    .select({ id: webhookEndpoints.id, url: webhookEndpoints.url, events: webhookEndpoints.events, isActive: webhookEndpoints.isActive, createdAt: webhookEndpoints.createdAt })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.teamId, teamId))
    .orderBy(desc(webhookEndpoints.createdAt));
}

async function findEndpoint(db: DbOrTx, teamId: string, endpointId: string) {
  const [row] = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.teamId, teamId)))
    .limit(1);
  if (!row) throw new AppError("not_found", "That webhook endpoint does not exist.");
  return row;
}

export async function revealWebhookSecret(db: Db, teamId: string, endpointId: string, actor: TAuditActor, secretKey: Buffer): Promise<string> {
  const row = await findEndpoint(db, teamId, endpointId);
  await recordAudit(db, { teamId, actor, action: "webhook.secret_revealed", targetType: "webhook_endpoint", targetId: row.id, targetLabel: row.url });
  return openSecret(row.secretEnc, secretKey);
}

export async function setWebhookEndpointActive(db: Db, teamId: string, endpointId: string, isActive: boolean, actor: TAuditActor): Promise<void> {
  const row = await findEndpoint(db, teamId, endpointId);
  await db.transaction(async (tx) => {
    await tx.update(webhookEndpoints).set({ isActive }).where(and(eq(webhookEndpoints.id, row.id), eq(webhookEndpoints.teamId, teamId)));
    await recordAudit(tx, { teamId, actor, action: isActive ? "webhook.enabled" : "webhook.disabled", targetType: "webhook_endpoint", targetId: row.id, targetLabel: row.url });
  });
}

export async function deleteWebhookEndpoint(db: Db, teamId: string, endpointId: string, actor: TAuditActor): Promise<void> {
  const row = await findEndpoint(db, teamId, endpointId);
  await db.transaction(async (tx) => {
    await tx.delete(webhookEndpoints).where(and(eq(webhookEndpoints.id, row.id), eq(webhookEndpoints.teamId, teamId)));
    await recordAudit(tx, { teamId, actor, action: "webhook.deleted", targetType: "webhook_endpoint", targetId: row.id, targetLabel: row.url });
  });
}

export async function listWebhookDeliveries(db: DbOrTx, teamId: string, options: { limit?: number } = {}) {
  return db
    .select({
      id: webhookDeliveries.id,
      event: webhookDeliveries.event,
      url: webhookEndpoints.url,
      status: webhookDeliveries.status,
      attempts: webhookDeliveries.attempts,
      nextAttemptAt: webhookDeliveries.nextAttemptAt,
      lastStatusCode: webhookDeliveries.lastStatusCode,
      lastError: webhookDeliveries.lastError,
      deliveredAt: webhookDeliveries.deliveredAt,
      createdAt: webhookDeliveries.createdAt,
      payload: webhookDeliveries.payload,
    })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, and(eq(webhookEndpoints.id, webhookDeliveries.endpointId), eq(webhookEndpoints.teamId, webhookDeliveries.teamId)))
    .where(eq(webhookDeliveries.teamId, teamId))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(options.limit ?? 50);
}

// Queues a fresh copy of a delivery (same event id and payload), leaving the original in the log.
export async function resendWebhookDelivery(db: Db, teamId: string, deliveryId: string, actor: TAuditActor): Promise<string> {
  const [original] = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.teamId, teamId)))
    .limit(1);
  if (!original) throw new AppError("not_found", "That delivery does not exist.");
  return db.transaction(async (tx) => {
    const [copy] = await tx
      .insert(webhookDeliveries)
      .values({ teamId, endpointId: original.endpointId, event: original.event, payload: original.payload, status: "pending", nextAttemptAt: new Date() })
      .returning({ id: webhookDeliveries.id });
    if (!copy) throw new Error("insert returned nothing");
    await recordAudit(tx, { teamId, actor, action: "webhook.delivery_resent", targetType: "webhook_delivery", targetId: original.id, targetLabel: original.event, metadata: { newDeliveryId: copy.id } });
    return copy.id;
  });
}
