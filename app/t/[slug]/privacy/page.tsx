import type { Metadata } from "next";
import { formatInZone } from "@/components/calls/format";
import { AutoRefresh } from "@/components/privacy/auto-refresh";
import { CallerLookup } from "@/components/privacy/caller-lookup";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui/card";
import { getTeamPage } from "@/lib/auth/entry-points";
import { isOverdue, KIND_LABELS, LAW_LABELS, listPrivacyRequests, requestCounts } from "@/lib/privacy/requests";
import { teamTimeZone } from "@/lib/teams/time-zone";
import { lookupCallerAction, submitPrivacyRequestAction } from "./actions";

export const metadata: Metadata = { title: "Caller data requests" };

const STATUS: Record<string, { label: string; tone: "slate" | "green" | "amber" | "red" | "brand" }> = {
  received: { label: "Received", tone: "slate" },
  processing: { label: "In progress", tone: "brand" },
  waiting_for_call: { label: "Waiting for live call to end", tone: "amber" },
  completed: { label: "Completed", tone: "green" },
  failed: { label: "Failed, retrying", tone: "red" },
};

export default async function PrivacyPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { slug } = await params;
  // ?number= comes from a caller's page: filled in and looked up by the browser once the page has loaded (a click on
  // that page asked for it); rendering this page, or prefetching it, never makes the audited lookup.
  const numberParam = (await searchParams).number;
  const initialNumber = typeof numberParam === "string" ? numberParam.slice(0, 40) : undefined;
  const { db, team } = await getTeamPage(slug, "privacy.manage");
  const [requests, tz] = await Promise.all([listPrivacyRequests(db, team.id, { limit: 200 }), teamTimeZone(db, team)]);
  const fmt = (d: Date | null) => (d ? formatInZone(d, tz) : "—");
  const now = new Date();
  const isWorking = requests.some((r) => r.status === "received" || r.status === "processing" || r.status === "waiting_for_call");
  return (
    <>
      <PageHeader
        title="Caller data requests"
        description="Answer a caller's request to see (GDPR Art. 15, CCPA right to know) or delete (GDPR Art. 17, CCPA right to delete) what this team holds about their phone number."
      />
      <div className="space-y-6">
        <Card title="Find a caller" description="Every lookup is recorded in the audit log.">
          <CallerLookup
            lookupAction={lookupCallerAction.bind(null, team.slug)}
            requestAction={submitPrivacyRequestAction.bind(null, team.slug)}
            recordingBase={`/api/teams/${team.slug}/calls`}
            timeZone={tz}
            initialNumber={initialNumber}
          />
        </Card>
        <Card title="Register of requests" description="Received, due and completed dates of every request. The caller's number is kept only as a keyed hash; the last two digits help tell requests apart.">
          <AutoRefresh isActive={isWorking} />
          {requests.length === 0 ? (
            <EmptyState title="No requests yet">Requests you record above appear here with their deadlines.</EmptyState>
          ) : (
            <div className="overflow-x-auto">
              <table className="w-full text-left text-sm" data-testid="privacy-register">
                <thead className="text-xs uppercase text-slate-500">
                  <tr>
                    <th className="py-2 pr-4 font-medium">Request</th>
                    <th className="py-2 pr-4 font-medium">Received</th>
                    <th className="py-2 pr-4 font-medium">Due</th>
                    <th className="py-2 pr-4 font-medium">Status</th>
                    <th className="py-2 pr-4 font-medium">Result</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {requests.map((r) => {
                    const status = STATUS[r.status] ?? { label: r.status, tone: "slate" as const };
                    const counts = requestCounts(r);
                    const canDownload = r.kind === "export" && r.exportKey && r.exportExpiresAt && r.exportExpiresAt > now;
                    return (
                      <tr key={r.id} data-testid="privacy-request">
                        {/* Five columns, so the whole row (and its download link) fits a laptop screen without a
                            sideways scroll: who asked and when it was done sit under the status. */}
                        <td className="py-2 pr-4">
                          {KIND_LABELS[r.kind]} <span className="text-xs text-slate-500">({LAW_LABELS[r.law]})</span>
                          <span className="block font-mono text-xs text-slate-500" title="Last digits of the caller's number">{r.subjectHint}</span>
                          {r.note && <span className="block text-xs text-slate-500">{r.note}</span>}
                        </td>
                        <td className="py-2 pr-4 text-slate-500">{fmt(r.receivedAt)}</td>
                        <td className="py-2 pr-4">
                          {fmt(r.dueAt)}
                          {isOverdue(r, now) && <Badge tone="red">Overdue</Badge>}
                        </td>
                        <td className="py-2 pr-4">
                          <Badge tone={status.tone}>{status.label}</Badge>
                          {r.completedAt && <span className="block text-xs text-slate-500">{fmt(r.completedAt)}</span>}
                          <span className="block break-all text-xs text-slate-500">by {r.requestedByLabel}</span>
                          {r.error && <span className="block text-xs text-red-600">{r.error}</span>}
                        </td>
                        <td className="py-2 pr-4 text-xs text-slate-600">
                          {Object.entries(counts)
                            .filter(([, n]) => n > 0)
                            .map(([k, n]) => `${n} ${k.replaceAll("_", " ")}`)
                            .join(", ")}
                          {canDownload && (
                            <a className="block font-medium text-brand-600 hover:underline" href={`/api/teams/${team.slug}/privacy/requests/${r.id}/download`}>
                              Download zip (until {fmt(r.exportExpiresAt)})
                            </a>
                          )}
                          {r.kind === "export" && r.status === "completed" && !canDownload && <span className="block text-slate-500">Download expired or erased</span>}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </Card>
      </div>
    </>
  );
}
