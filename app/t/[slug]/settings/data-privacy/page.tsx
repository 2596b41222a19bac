import type { Metadata } from "next";
import { PrivacyNoticeText } from "@/components/settings/privacy-notice-text";
import { RedactionForm } from "@/components/settings/redaction-form";
import { SettingsNav } from "@/components/settings/settings-nav";
import { Card, PageHeader } from "@/components/ui/card";
import { getTeamPage } from "@/lib/auth/entry-points";
import { can } from "@/lib/auth/roles";
import { env } from "@/lib/env";
import { loadPrivacyFacts } from "@/lib/privacy/load-privacy-facts";
import { buildPrivacyNotice } from "@/lib/privacy/privacy-notice";
import { updateRedactionAction } from "./actions";

export const metadata: Metadata = { title: "Data & privacy" };

export default async function DataPrivacyPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { db, team, role } = await getTeamPage(slug);
  const facts = await loadPrivacyFacts(db, team, env());
  const notice = buildPrivacyNotice(facts);
  return (
    <>
      <PageHeader title="Settings" />
      <SettingsNav slug={team.slug} current="data-privacy" canViewAudit={can(role, "audit.view")} />
      <div className="space-y-6">
        <Card title="What your calls collect" description="From your live agents, your settings and this platform's configuration. It changes when they do.">
          <div className="overflow-x-auto">
            <table className="min-w-full text-left text-sm" data-testid="data-map">
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th className="py-2 pr-4 font-medium">Data</th>
                  <th className="py-2 pr-4 font-medium">Where</th>
                  <th className="py-2 pr-4 font-medium">Protection</th>
                  <th className="py-2 font-medium">Kept for</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {notice.dataMap.map((row) => (
                  <tr key={row.data}>
                    <td className="py-2 pr-4 font-medium text-slate-800">{row.data}</td>
                    <td className="py-2 pr-4 text-slate-600">{row.where}</td>
                    <td className="py-2 pr-4 text-slate-600">{row.protection}</td>
                    <td className="py-2 text-slate-600">{row.kept}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h3 className="mt-5 text-sm font-semibold text-slate-900">Who receives it</h3>
          {facts.processors.length === 0 ? (
            <p className="mt-1 text-sm text-slate-600">No third-party provider is configured: calls are handled on this platform&apos;s own servers.</p>
          ) : (
            <ul className="mt-1 list-disc space-y-1 pl-5 text-sm text-slate-600" data-testid="processors">
              {facts.processors.map((p) => (
                <li key={p.key}>
                  <span className="font-medium text-slate-800">{p.name}</span>: {p.receives}, for {p.purpose}.
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Text for your privacy notice" description="Paste it into your privacy notice and add how callers reach you for copies or deletion.">
          <PrivacyNoticeText text={notice.text} />
        </Card>
        <Card
          title="PII redaction"
          description="Replaced in transcripts before they are stored, in what the analysis model receives, in summaries and in webhooks; the recording is silenced over those words after the call. The original text is never stored."
        >
          <RedactionForm initial={facts.redaction} canEdit={can(role, "team.update_settings")} action={updateRedactionAction.bind(null, team.slug)} />
        </Card>
      </div>
    </>
  );
}
