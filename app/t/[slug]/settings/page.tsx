import type { Metadata } from "next";
import { SettingsNav } from "@/components/settings/settings-nav";
import { TeamSettingsForm } from "@/components/settings/team-settings-form";
import { TransferCountriesForm } from "@/components/settings/transfer-countries-form";
import { Card, PageHeader } from "@/components/ui/card";
import { getTeamPage } from "@/lib/auth/entry-points";
import { can } from "@/lib/auth/roles";
import { env } from "@/lib/env";
import { loadTransferPolicy } from "@/lib/telephony/transfer-policy";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { db, team, role } = await getTeamPage(slug);
  const transferPolicy = await loadTransferPolicy(db, team.id);
  return (
    <>
      <PageHeader title="Settings" />
      <SettingsNav slug={team.slug} current="general" canViewAudit={can(role, "audit.view")} />
      <Card title="Team" description="Limits that apply to every agent and number of this team.">
        <TeamSettingsForm
          slug={team.slug}
          canEdit={can(role, "team.update_settings")}
          initial={{ name: team.name, concurrentCallLimit: team.concurrentCallLimit }}
          maxConcurrentCalls={env().PLATFORM_MAX_CONCURRENT_CALLS_PER_TEAM}
        />
      </Card>
      <Card className="mt-6" title="Transfers" description="Where agents may send callers. Each transfer is an outbound call billed to the platform.">
        <TransferCountriesForm
          slug={team.slug}
          canEdit={can(role, "team.update_settings")}
          chosen={team.transferCountries ?? []}
          effective={transferPolicy}
        />
      </Card>
    </>
  );
}
