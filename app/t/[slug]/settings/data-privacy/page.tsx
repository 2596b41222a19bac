import type { Metadata } from "next";
import { RedactionForm } from "@/components/settings/redaction-form";
import { SettingsNav } from "@/components/settings/settings-nav";
import { Card, PageHeader } from "@/components/ui/card";
import { getTeamPage } from "@/lib/auth/entry-points";
import { can } from "@/lib/auth/roles";
import { loadRedactionSettings } from "@/lib/redaction/redaction-settings";
import { updateRedactionAction } from "./actions";

export const metadata: Metadata = { title: "Data & privacy" };

export default async function DataPrivacyPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { db, team, role } = await getTeamPage(slug);
  const redaction = await loadRedactionSettings(db, team.id);
  return (
    <>
      <PageHeader title="Settings" />
      <SettingsNav slug={team.slug} current="data-privacy" canViewAudit={can(role, "audit.view")} />
      <div className="space-y-6">
        <Card
          title="PII redaction"
          description="Replaced in transcripts before they are stored, in what the analysis model receives, in summaries and in webhooks; the recording is silenced over those words after the call. The original text is never stored."
        >
          <RedactionForm initial={redaction} canEdit={can(role, "team.update_settings")} action={updateRedactionAction.bind(null, team.slug)} />
        </Card>
      </div>
    </>
  );
}
