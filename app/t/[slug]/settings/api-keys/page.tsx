import type { Metadata } from "next";
import { formatInZone } from "@/components/calls/format";
import Link from "next/link";
import { CreateApiKeyForm, RevokeApiKeyButton } from "@/components/settings/api-keys";
import { SettingsNav } from "@/components/settings/settings-nav";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui/card";
import { listApiKeys } from "@/lib/api-keys/api-keys";
import { getTeamPage } from "@/lib/auth/entry-points";
import { teamTimeZone } from "@/lib/teams/time-zone";
import { apiKeyRole, can } from "@/lib/auth/roles";

export const metadata: Metadata = { title: "API keys" };

// (Intl refuses dateStyle together with timeZoneName, so the shared formatter names the zone.)
const whenIn = (tz: string) => (d: Date | null) => (d ? formatInZone(d, tz) : "Never");

export default async function ApiKeysPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { db, team, role } = await getTeamPage(slug, "api_keys.manage");
  const when = whenIn(await teamTimeZone(db, team));
  const keys = await listApiKeys(db, team.id);
  return (
    <>
      <PageHeader title="Settings" />
      <SettingsNav slug={team.slug} current="api-keys" canViewAudit={can(role, "audit.view")} canManageIntegrations />
      <div className="space-y-6">
        <Card
          title="Create an API key"
          description="Keys let programs use this team's data through the REST API, with your role in the team (at most admin). A key stops working if its creator leaves the team or is no longer an admin. The key is shown once; we only keep a hash."
          actions={<Link href="/docs/api" className="text-sm font-medium text-brand-700 hover:underline">API documentation</Link>}
        >
          <CreateApiKeyForm slug={team.slug} />
        </Card>
        <Card title={`API keys (${keys.filter((k) => !k.revokedAt && apiKeyRole(k.creatorRole)).length} active)`}>
          {keys.length === 0 ? (
            <EmptyState title="No API keys yet">Create a key to call the API from your own systems.</EmptyState>
          ) : (
            <div className="overflow-x-auto">
              <table className="w-full text-left text-sm">
                <thead className="text-xs uppercase text-slate-500">
                  <tr>
                    <th className="py-2 pr-4 font-medium">Name</th>
                    <th className="py-2 pr-4 font-medium">Key</th>
                    <th className="py-2 pr-4 font-medium">Created by</th>
                    <th className="py-2 pr-4 font-medium">Created</th>
                    <th className="py-2 pr-4 font-medium">Last used</th>
                    <th className="py-2 font-medium"><span className="sr-only">Actions</span></th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {keys.map((k) => (
                    <tr key={k.id} data-testid={`api-key-${k.name}`}>
                      <td className="py-2 pr-4 font-medium text-slate-900">{k.name}</td>
                      <td className="py-2 pr-4 font-mono text-xs text-slate-600">{k.prefix}…</td>
                      <td className="py-2 pr-4 text-slate-600">{k.createdBy ?? "Former member"}</td>
                      <td className="py-2 pr-4 text-slate-600">{when(k.createdAt)}</td>
                      <td className="py-2 pr-4 text-slate-600">{when(k.lastUsedAt)}</td>
                      <td className="py-2 text-right">
                        {k.revokedAt ? (
                          <Badge tone="red">Revoked {when(k.revokedAt)}</Badge>
                        ) : (
                          <span className="inline-flex items-center gap-2">
                            {!apiKeyRole(k.creatorRole) && <Badge tone="amber">Disabled: its creator is no longer an admin</Badge>}
                            <RevokeApiKeyButton slug={team.slug} apiKeyId={k.id} name={k.name} />
                          </span>
                        )}
                      </td>
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
