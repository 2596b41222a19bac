import type { Metadata } from "next";
import Link from "next/link";
import { formatInZone } from "@/components/calls/format";
import { AuditVerify } from "@/components/settings/audit-verify";
import { SettingsNav } from "@/components/settings/settings-nav";
import { inputClass } from "@/components/ui/field";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { describeAuditMetadata } from "@/lib/audit/describe-metadata";
import { listAuditLogs, ZAuditFilters, type TAuditFilters } from "@/lib/audit/list-audit";
import { getTeamPage } from "@/lib/auth/entry-points";
import { teamTimeZone } from "@/lib/teams/time-zone";
import { verifyAuditChainAction } from "./actions";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<{ before?: string; actor?: string; action?: string; from?: string; to?: string }>;
}) {
  const { slug } = await params;
  const { db, team } = await getTeamPage(slug, "audit.view");
  const tz = await teamTimeZone(db, team);
  const query = await searchParams;
  const before = parseCursor(query.before);
  const parsed = ZAuditFilters.safeParse({ actor: query.actor, action: query.action, from: query.from, to: query.to });
  const filters: TAuditFilters = parsed.success ? parsed.data : {};
  const filterError = parsed.success ? null : parsed.error.issues[0]?.message;
  const { entries, hasMore } = await listAuditLogs(db, team.id, { limit: 50, before, filters });
  const last = entries.at(-1);
  const filterQuery = new URLSearchParams(Object.entries(filters).filter((e): e is [string, string] => typeof e[1] === "string")).toString();
  return (
    <>
      <PageHeader title="Settings" />
      <SettingsNav slug={team.slug} current="audit" canViewAudit />
      <Card
        title="Audit log"
        description="Every change, sign-in and access to call data (pages, recordings, exports, API reads, caller data requests), newest first. Entries form a hash chain: Verify finds any entry edited or removed afterwards."
        actions={<AuditVerify action={verifyAuditChainAction.bind(null, team.slug)} />}
      >
        <form method="get" className="mb-4 grid gap-2 sm:grid-cols-[1fr_1fr_auto_auto_auto_auto] sm:items-end" aria-label="Filter the audit log">
          <label className="text-xs font-medium text-slate-600">Actor<input name="actor" defaultValue={filters.actor ?? ""} placeholder="email or key" className={inputClass} /></label>
          <label className="text-xs font-medium text-slate-600">Action<input name="action" defaultValue={filters.action ?? ""} placeholder="e.g. call.viewed or privacy." className={inputClass} /></label>
          <label className="text-xs font-medium text-slate-600">From<input type="date" name="from" defaultValue={filters.from ?? ""} className={inputClass} /></label>
          <label className="text-xs font-medium text-slate-600">To<input type="date" name="to" defaultValue={filters.to ?? ""} className={inputClass} /></label>
          <button type="submit" className="rounded-md bg-slate-800 px-3 py-2 text-sm font-semibold text-white">Filter</button>
          <a className="py-2 text-sm font-medium text-brand-600 hover:underline" href={`/api/teams/${team.slug}/audit/export${filterQuery ? `?${filterQuery}` : ""}`}>Export CSV</a>
        </form>
        {filterError && <p className="mb-2 text-sm text-red-600">{filterError}</p>}
        {entries.length === 0 ? (
          <EmptyState title={filterQuery ? "No entries match" : "No entries yet"}>Changes, sign-ins and access to call data will appear here.</EmptyState>
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
                  <tr key={e.id} data-testid="audit-row" data-seq={e.seq ?? undefined}>
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
            href={`?${filterQuery ? `${filterQuery}&` : ""}before=${encodeURIComponent(`${last.createdAt.toISOString()}_${last.id}`)}`}
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
