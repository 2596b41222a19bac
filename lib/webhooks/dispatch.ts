import { randomUUID } from "node:crypto";
import { and, arrayContains, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { webhookDeliveries, webhookEndpoints } from "@/db/schema";
import type { TWebhookEnvelope, TWebhookEvent } from "./events";

// Whether any active endpoint of the team subscribes to `event`: one indexed query, written out (no query builder),
// so callers with a payload to build first can skip all of it when nobody listens (most teams, most events).
export async function hasSubscribedEndpoint(db: DbOrTx, teamId: string, event: TWebhookEvent): Promise<boolean> {
  const rows = await db.execute(sql`select 1 from webhook_endpoints
    where team_id = ${teamId} and is_active and events @> array[${event}]::text[] limit 1`);
  return rows.length > 0;
}

// Queues one delivery per active endpoint of the team subscribed to the event; the worker in deliver.ts sends
// them. Cheap when nobody listens (one indexed query), so callers can emit unconditionally.
export async function emitTeamEvent(
  db: DbOrTx,
  teamId: string,
  event: TWebhookEvent,
  data: Record<string, unknown>,
  now = new Date(),
): Promise<{ eventId: string; deliveries: number }> {
  const endpoints = await db
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.teamId, teamId), eq(webhookEndpoints.isActive, true), arrayContains(webhookEndpoints.events, [event])));
  const eventId = randomUUID();
  if (endpoints.length === 0) return { eventId, deliveries: 0 };
  const payload: TWebhookEnvelope = { id: eventId, type: event, created_at: now.toISOString(), team_id: teamId, data };
  await db.insert(webhookDeliveries).values(
    endpoints.map((e) => ({ teamId, endpointId: e.id, event, payload, status: "pending" as const, nextAttemptAt: now })),
  );
  return { eventId, deliveries: endpoints.length };
}
