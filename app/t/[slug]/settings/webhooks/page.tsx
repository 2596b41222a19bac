import type { Metadata } from "next";
import { formatInZone } from "@/components/calls/format";
import Link from "next/link";
import { SettingsNav } from "@/components/settings/settings-nav";
import { CreateWebhookForm, ResendDeliveryButton, WebhookEndpointActions } from "@/components/settings/webhooks";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui/card";
import { getTeamPage } from "@/lib/auth/entry-points";
import { teamTimeZone } from "@/lib/teams/time-zone";
import { can } from "@/lib/auth/roles";
import { env } from "@/lib/env";
import { listWebhookDeliveries, listWebhookEndpoints } from "@/lib/webhooks/manage-endpoints";

export const metadata: Metadata = { title: "Webhooks" };

// (Intl refuses dateStyle together with timeZoneName, so the shared formatter names the zone.)
const whenIn = (tz: string) => (d: Date | null) => (d ? formatInZone(d, tz) : "—");
const STATUS_TONE = { pending: "amber", succeeded: "green", failed: "red" } as const;

export default async function WebhooksPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { db, team, role } = await getTeamPage(slug, "webhooks.manage");
  const when = whenIn(await teamTimeZone(db, team));
  const [endpoints, deliveries] = await Promise.all([listWebhookEndpoints(db, team.id), listWebhookDeliveries(db, team.id, { limit: 50 })]);
  return (
    <>
      <PageHeader title="Settings" />
      <SettingsNav slug={team.slug} current="webhooks" canViewAudit={can(role, "audit.view")} canManageIntegrations />
      <div className="space-y-6">
        <Card
          title="Add a webhook endpoint"
          description="We POST a signed JSON event to your URL when calls start, end and are analyzed, and retry failures with backoff for about 9 hours."
          actions={<Link href="/docs/api#webhooks" className="text-sm font-medium text-brand-700 hover:underline">Verifying signatures</Link>}
        >
          <CreateWebhookForm slug={team.slug} allowsPrivateUrls={env().WEBHOOKS_ALLOW_PRIVATE_URLS} />
        </Card>
        <Card title={`Endpoints (${endpoints.length})`}>
          {endpoints.length === 0 ? (
            <EmptyState title="No endpoints yet">Add a URL above to receive call events.</EmptyState>
          ) : (
            <ul className="divide-y divide-slate-100">
              {endpoints.map((e) => (
                <li key={e.id} className="flex flex-wrap items-start justify-between gap-3 py-3" data-testid="webhook-endpoint">
                  <div className="min-w-0">
                    <p className="break-all font-mono text-sm text-slate-900">{e.url}</p>
                    <p className="mt-1 flex flex-wrap gap-1">
                      {e.events.map((ev) => (
                        <Badge key={ev}>{ev}</Badge>
                      ))}
                      {!e.isActive && <Badge tone="red">Disabled</Badge>}
                    </p>
                  </div>
                  <WebhookEndpointActions slug={team.slug} endpointId={e.id} url={e.url} isActive={e.isActive} />
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Recent deliveries" description="The last 50 deliveries, newest first.">
          {deliveries.length === 0 ? (
            <EmptyState title="No deliveries yet">Deliveries appear here once a call event is sent to an endpoint.</EmptyState>
          ) : (
            <div className="overflow-x-auto">
              <table className="w-full text-left text-sm">
                <thead className="text-xs uppercase text-slate-500">
                  <tr>
                    <th className="py-2 pr-4 font-medium">Created</th>
                    <th className="py-2 pr-4 font-medium">Event</th>
                    <th className="py-2 pr-4 font-medium">Endpoint</th>
                    <th className="py-2 pr-4 font-medium">Status</th>
                    <th className="py-2 pr-4 font-medium">Attempts</th>
                    <th className="py-2 pr-4 font-medium">Last response</th>
                    <th className="py-2 font-medium"><span className="sr-only">Actions</span></th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100 align-top">
                  {deliveries.map((d) => (
                    <tr key={d.id} data-testid="webhook-delivery">
                      <td className="py-2 pr-4 whitespace-nowrap text-slate-600">{when(d.createdAt)}</td>
                      <td className="py-2 pr-4 font-mono text-xs">{d.event}</td>
                      <td className="max-w-56 truncate py-2 pr-4 font-mono text-xs text-slate-600" title={d.url}>{d.url}</td>
                      <td className="py-2 pr-4">
                        <Badge tone={STATUS_TONE[d.status]}>{d.status}</Badge>
                        {d.status === "pending" && d.nextAttemptAt && <p className="mt-1 text-xs text-slate-500">next {when(d.nextAttemptAt)}</p>}
                      </td>
                      <td className="py-2 pr-4 text-slate-600">{d.attempts}</td>
                      <td className="py-2 pr-4 text-xs text-slate-600">
                        {d.lastStatusCode ? `HTTP ${d.lastStatusCode}` : null}
                        {d.lastError && <p className="max-w-64 break-words text-red-700">{d.lastError}</p>}
                        <details className="mt-1">
                          <summary className="cursor-pointer text-brand-700">Payload</summary>
                          <pre className="mt-1 max-h-64 max-w-md overflow-auto rounded bg-slate-50 p-2 text-[11px]">{JSON.stringify(d.payload, null, 2)}</pre>
                        </details>
                      </td>
                      <td className="py-2 text-right">{d.status !== "pending" && <ResendDeliveryButton slug={team.slug} deliveryId={d.id} />}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>
      </div>
    </>
  );
}
