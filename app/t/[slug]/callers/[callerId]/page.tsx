import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { CallerDataActions } from "@/components/callers/caller-data-actions";
import { CallerForm } from "@/components/callers/caller-form";
import { OutcomeBadge } from "@/components/calls/call-badges";
import { formatDuration, formatInZone } from "@/components/calls/format";
import { readableMessage, STATUS_LABEL, STATUS_TONE } from "@/components/inbox/format";
import { Badge, Card, PageHeader } from "@/components/ui/card";
import { getTeamPage } from "@/lib/auth/entry-points";
import { teamTimeZone } from "@/lib/teams/time-zone";
import { can } from "@/lib/auth/roles";
import { getCallerDetail } from "@/lib/callers/get-caller";
import { isAppError } from "@/lib/errors";
import { updateCallerAction } from "../actions";

export const metadata: Metadata = { title: "Caller" };

export default async function CallerPage({ params }: { params: Promise<{ slug: string; callerId: string }> }) {
  const { slug, callerId } = await params;
  const { db, team, role } = await getTeamPage(slug, "calls.view");
  const tz = await teamTimeZone(db, team);
  const caller = await getCallerDetail(db, team.id, callerId).catch((error: unknown) => {
    if (isAppError(error) && error.code === "not_found") notFound();
    throw error;
  });
  const base = `/t/${team.slug}`;
  return (
    <>
      <div className="mb-2 text-sm"><Link href={`${base}/callers`} className="text-brand-700 hover:underline">← Callers</Link></div>
      <PageHeader
        title={caller.name || "Unknown name"}
        description={`${caller.e164} · ${caller.callCount} call${caller.callCount === 1 ? "" : "s"}${caller.firstCallAt ? ` since ${formatInZone(caller.firstCallAt, tz)}` : ""}`}
        actions={<CallerDataActions slug={team.slug} e164={caller.e164} canManagePrivacy={can(role, "privacy.manage")} />}
      />
      <div className="mb-6 flex flex-wrap gap-2">
        {caller.isVip && <Badge tone="brand">VIP</Badge>}
        {caller.isBlocked && <Badge tone="red">Blocked</Badge>}
        {caller.tags.map((t) => <Badge key={t}>{t}</Badge>)}
        {caller.lastCallAt && <Badge>Last call {formatInZone(caller.lastCallAt, tz)}</Badge>}
      </div>
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="min-w-0 space-y-6 lg:col-span-2">
          <Card title="Calls" description="Newest first; open one for its transcript and recording.">
            {caller.calls.length === 0 ? (
              <p className="text-sm text-slate-500">No calls.</p>
            ) : (
              // Scrolls inside its card on a phone, so the page keeps the screen's width.
              <div className="overflow-x-auto">
              <table className="w-full text-left text-sm" aria-label="Caller's calls">
                <thead className="text-xs uppercase text-slate-500">
                  <tr>
                    <th className="py-2 pr-4 font-medium">Started</th>
                    <th className="py-2 pr-4 font-medium">Duration</th>
                    <th className="py-2 pr-4 font-medium">Outcome</th>
                    <th className="py-2 pr-4 font-medium">Summary</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {caller.calls.map((c) => (
                    <tr key={c.id} data-testid="caller-call-row">
                      <td className="whitespace-nowrap py-2 pr-4">
                        <Link href={`${base}/calls/${c.id}`} className="font-medium text-brand-700 hover:underline">{formatInZone(c.startedAt, tz)}</Link>
                      </td>
                      <td className="py-2 pr-4 tabular-nums">{formatDuration(c.durationSec)}</td>
                      <td className="py-2 pr-4">
                        {c.endReason === "caller_blocked" ? <Badge tone="red">Refused (blocked)</Badge> : <OutcomeBadge outcome={c.outcome} />}
                      </td>
                      <td className="min-w-48 py-2 pr-4 text-slate-700">{c.summary ?? c.topic ?? <span className="text-slate-400">—</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              </div>
            )}
          </Card>
          <Card title="Messages">
            {caller.messages.length === 0 ? (
              <p className="text-sm text-slate-500">No messages from this caller.</p>
            ) : (
              <ul className="space-y-3 text-sm">
                {caller.messages.map((m) => (
                  <li key={m.id} data-testid="caller-message">
                    <div className="flex flex-wrap items-center gap-2">
                      <Link href={`${base}/inbox/${m.id}`} className="font-medium text-brand-700 hover:underline">{formatInZone(m.createdAt, tz)}</Link>
                      {m.isUrgent && <Badge tone="red">Urgent</Badge>}
                      {m.kind === "voicemail" && <Badge>Voicemail</Badge>}
                      <Badge tone={STATUS_TONE[m.status] ?? "slate"}>{STATUS_LABEL[m.status] ?? m.status}</Badge>
                    </div>
                    <p className="whitespace-pre-line text-slate-700">{readableMessage(m.message, m)}</p>
                  </li>
                ))}
              </ul>
            )}
          </Card>
          <Card title="Captured details over time" description="What the agent captured on each call, oldest first.">
            {caller.capturedHistory.length === 0 ? (
              <p className="text-sm text-slate-500">Nothing captured yet.</p>
            ) : (
              <ul className="space-y-3 text-sm">
                {caller.capturedHistory.map((h) => (
                  <li key={h.callId}>
                    <Link href={`${base}/calls/${h.callId}`} className="text-xs font-medium text-brand-700 hover:underline">{formatInZone(h.at, tz)}</Link>
                    <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
                      {Object.entries(h.fields).map(([k, v]) => (
                        <div key={k} className="contents">
                          <dt className="text-slate-500">{k.replace(/_/g, " ")}</dt>
                          <dd>{v}</dd>
                        </div>
                      ))}
                    </dl>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
        <div className="space-y-6">
          <Card title="Details">
            <CallerForm
              action={updateCallerAction.bind(null, team.slug)}
              canEdit={can(role, "callers.edit")}
              caller={{ id: caller.id, name: caller.name, notes: caller.notes, tags: caller.tags, isVip: caller.isVip, isBlocked: caller.isBlocked }}
            />
          </Card>
        </div>
      </div>
    </>
  );
}
