import type { Metadata } from "next";
import Link from "next/link";
import { OutcomeBadge } from "@/components/calls/call-badges";
import { formatInZone } from "@/components/calls/format";
import { Alert } from "@/components/ui/alert";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui/card";
import { inputClass } from "@/components/ui/field";
import { buttonClass } from "@/components/ui/button-class";
import { getTeamPage } from "@/lib/auth/entry-points";
import { teamTimeZone } from "@/lib/teams/time-zone";
import { listCallers, type TCallerPage } from "@/lib/callers/list-callers";
import { isAppError } from "@/lib/errors";

export const metadata: Metadata = { title: "Callers" };

export default async function CallersPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { slug } = await params;
  const { db, team } = await getTeamPage(slug, "calls.view");
  const tz = await teamTimeZone(db, team);
  const raw = await searchParams;
  const q = typeof raw.q === "string" ? raw.q.trim() : "";
  const flag = raw.flag === "vip" || raw.flag === "blocked" ? raw.flag : undefined;
  const cursor = typeof raw.cursor === "string" ? raw.cursor : null;
  let page: TCallerPage = { callers: [], nextCursor: null };
  let error: string | null = null;
  try {
    page = await listCallers(db, team.id, { q: q || undefined, flag }, cursor, 50);
  } catch (e) {
    if (!isAppError(e)) throw e;
    error = e.message;
  }
  const base = `/t/${team.slug}/callers`;
  const next = new URLSearchParams({ ...(q ? { q } : {}), ...(flag ? { flag } : {}), ...(page.nextCursor ? { cursor: page.nextCursor } : {}) });
  return (
    <>
      <PageHeader title="Callers" description="Everyone who called, kept up to date by every call: name, calls, last outcome, notes and flags." />
      <form className="mb-4 flex flex-wrap items-end gap-2" role="search" action={base}>
        <div className="min-w-64 flex-1">
          <label htmlFor="caller-search" className="sr-only">Search callers</label>
          <input id="caller-search" name="q" defaultValue={q} maxLength={100} placeholder="Name or number, in any format" className={inputClass} />
        </div>
        <select name="flag" defaultValue={flag ?? ""} aria-label="Flag" className={`${inputClass} sm:w-auto`}>
          <option value="">All callers</option>
          <option value="vip">VIP</option>
          <option value="blocked">Blocked</option>
        </select>
        <button type="submit" className={buttonClass("secondary")}>Search</button>
      </form>
      {error && <div className="mb-4"><Alert tone="error">{error}</Alert></div>}
      {page.callers.length === 0 ? (
        <EmptyState title={q || flag ? "No callers match" : "No callers yet"}>
          {q || flag ? "Try part of the number or the start of a name." : "Each caller gets an entry here with their first call."}
        </EmptyState>
      ) : (
        <Card>
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm" aria-label="Callers">
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th className="py-2 pr-4 font-medium">Caller</th>
                  <th className="py-2 pr-4 font-medium">Number</th>
                  <th className="py-2 pr-4 font-medium">Calls</th>
                  <th className="py-2 pr-4 font-medium">Last call</th>
                  <th className="py-2 pr-4 font-medium">Last outcome</th>
                  <th className="py-2 pr-4 font-medium">Tags</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {page.callers.map((c) => (
                  <tr key={c.id} data-testid="caller-row" className="hover:bg-slate-50">
                    <td className="py-2 pr-4">
                      <Link href={`${base}/${c.id}`} className="font-medium text-brand-700 hover:underline">{c.name || "Unknown name"}</Link>
                      {c.isVip && <span className="ml-2"><Badge tone="brand">VIP</Badge></span>}
                      {c.isBlocked && <span className="ml-2"><Badge tone="red">Blocked</Badge></span>}
                    </td>
                    <td className="whitespace-nowrap py-2 pr-4 font-mono text-xs">{c.e164}</td>
                    <td className="py-2 pr-4 tabular-nums">{c.callCount}</td>
                    <td className="whitespace-nowrap py-2 pr-4">{c.lastCallAt ? formatInZone(c.lastCallAt, tz) : "—"}</td>
                    <td className="py-2 pr-4"><OutcomeBadge outcome={c.lastOutcome} /></td>
                    <td className="py-2 pr-4">{c.tags.length > 0 ? c.tags.join(", ") : <span className="text-slate-400">—</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {page.nextCursor && (
            <div className="mt-4 text-right">
              <Link href={`${base}?${next.toString()}`} className="text-sm font-medium text-brand-700 hover:underline">Older callers →</Link>
            </div>
          )}
        </Card>
      )}
    </>
  );
}
