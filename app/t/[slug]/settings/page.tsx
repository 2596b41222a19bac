import type { Metadata } from "next";
import { DeleteTeamForm } from "@/components/settings/delete-team-form";
import { PublishGateForm } from "@/components/settings/publish-gate-form";
import { SettingsNav } from "@/components/settings/settings-nav";
import { TeamSettingsForm } from "@/components/settings/team-settings-form";
import { TransferCountriesForm } from "@/components/settings/transfer-countries-form";
import { Card, PageHeader } from "@/components/ui/card";
import { getTeamPage } from "@/lib/auth/entry-points";
import { can } from "@/lib/auth/roles";
import { env } from "@/lib/env";
import { timeZoneOptions } from "@/lib/agents/options";
import { loadTransferPolicy } from "@/lib/telephony/transfer-policy";
import { firstAgentTimeZone } from "@/lib/teams/time-zone";
import { deleteTeamAction, updatePublishGateAction } from "./actions";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { db, team, role } = await getTeamPage(slug);
  const [transferPolicy, agentZone] = await Promise.all([loadTransferPolicy(db, team.id), team.timeZone ? null : firstAgentTimeZone(db, team.id)]);
  const timeZone = team.timeZone ?? agentZone ?? "UTC";
  return (
    <>
      <PageHeader title="Settings" />
      <SettingsNav slug={team.slug} current="general" canViewAudit={can(role, "audit.view")} />
      <Card title="Team" description="Limits that apply to every agent and number of this team.">
        <TeamSettingsForm
          slug={team.slug}
          canEdit={can(role, "team.update_settings")}
          initial={{ name: team.name, concurrentCallLimit: team.concurrentCallLimit, timeZone }}
          timeZones={timeZoneOptions()}
          timeZoneSource={team.timeZone ? null : agentZone ? "your first agent's business hours" : "the default (UTC)"}
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
      <Card
        className="mt-6"
        title="Publishing"
        description="Agents' test suites (agent › Tests) before a draft goes live. Required: publishing is refused, in the app and the API, until every scenario passes on the exact draft being published."
      >
        <PublishGateForm canEdit={can(role, "team.update_settings")} isRequired={team.testsRequiredToPublish} action={updatePublishGateAction.bind(null, team.slug)} />
      </Card>
      {can(role, "team.delete") && (
        <Card className="mt-6" title="Delete team" description="Only owners can delete a team.">
          <DeleteTeamForm teamName={team.name} action={deleteTeamAction.bind(null, team.slug)} />
        </Card>
      )}
    </>
  );
}
