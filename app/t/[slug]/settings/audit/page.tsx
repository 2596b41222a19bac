import type { Metadata } from "next";
import Link from "next/link";
import { formatInZone } from "@/components/calls/format";
import { SettingsNav } from "@/components/settings/settings-nav";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { describeAuditMetadata } from "@/lib/audit/describe-metadata";
import { listAuditLogs } from "@/lib/audit/list-audit";
import { getTeamPage } from "@/lib/auth/entry-points";
import { teamTimeZone } from "@/lib/teams/time-zone";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<{ before?: string }>;
}) {
  const { slug } = await params;
  const { db, team } = await getTeamPage(slug, "audit.view");
  const tz = await teamTimeZone(db, team);
  const before = parseCursor((await searchParams).before);
  const { entries, hasMore } = await listAuditLogs(db, team.id, { limit: 50, before });
  const last = entries.at(-1);
  return (
    <>
      <PageHeader title="Settings" />
      <SettingsNav slug={team.slug} current="audit" canViewAudit />
      <Card title="Audit log" description="Every change made by members of this team, newest first.">
        {entries.length === 0 ? (
          <EmptyState title="No changes yet">Changes to members, settings, agents and numbers will appear here.</EmptyState>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th className="py-2 pr-4 font-medium">When</th>
                  <th className="py-2 pr-4 font-medium">Who</th>
                  <th className="py-2 pr-4 font-medium">Action</th>
                  <th className="py-2 pr-4 font-medium">Target</th>
                  <th className="py-2 pr-4 font-medium">IP</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {entries.map((e) => (
                  <tr key={e.id} data-testid="audit-row">
                    <td className="whitespace-nowrap py-2 pr-4 text-slate-500" title={e.createdAt.toISOString()}>
                      {formatInZone(e.createdAt, tz)}
                    </td>
                    <td className="py-2 pr-4">{e.actorLabel}</td>
                    <td className="py-2 pr-4 font-mono text-xs">{e.action}</td>
                    <td className="py-2 pr-4">
                      {e.targetLabel ?? e.targetId ?? "—"}
                      {describeAuditMetadata(e.metadata).map((line) => (
                        <span key={line} className="block text-xs text-slate-500">{line}</span>
                      ))}
                    </td>
                    <td className="py-2 pr-4 font-mono text-xs text-slate-500">{e.ip ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {hasMore && last && (
          <Link
            className="mt-4 inline-block text-sm font-medium text-brand-600 hover:underline"
            href={`?before=${encodeURIComponent(`${last.createdAt.toISOString()}_${last.id}`)}`}
          >
            Older entries →
          </Link>
        )}
      </Card>
    </>
  );
}

function parseCursor(raw: string | undefined) {
  const [at, id] = raw?.split("_") ?? [];
  const createdAt = at ? new Date(at) : undefined;
  return createdAt && id && !Number.isNaN(createdAt.getTime()) ? { createdAt, id } : undefined;
}
