import type { Metadata } from "next";
import Link from "next/link";
import { NewAgentForm } from "@/components/agents/new-agent-form";
import { Card, PageHeader } from "@/components/ui/card";
import { timeZoneOptions } from "@/lib/agents/options";
import { AGENT_TEMPLATES } from "@/lib/agents/templates";
import { getTeamPage } from "@/lib/auth/entry-points";

export const metadata: Metadata = { title: "New agent" };

export default async function NewAgentPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { team } = await getTeamPage(slug, "agents.edit");
  const templates = AGENT_TEMPLATES.map((t) => {
    const content = t.build({ teamName: team.name, timeZone: "UTC" });
    const qa = content.knowledge.filter((k) => k.kind === "qa").length;
    const docs = content.knowledge.length - qa;
    return {
      key: t.key,
      label: t.label,
      description: t.description,
      defaultName: content.name,
      summary:
        t.key === "blank"
          ? []
          : [
              `${qa} Q&A, ${docs} document${docs === 1 ? "" : "s"}`,
              `${content.departments.length} department${content.departments.length === 1 ? "" : "s"}`,
              content.config.businessHours.isEnabled ? "business hours" : "always open",
              `${content.config.captureFields.length} details to collect`,
            ],
    };
  });
  return (
    <>
      <Link href={`/t/${team.slug}/agents`} className="text-sm text-slate-500 hover:text-slate-800">
        ← Agents
      </Link>
      <PageHeader title="New agent" description="Templates are complete agents with example facts and numbers for you to replace." />
      <Card>
        <NewAgentForm slug={team.slug} templates={templates} timeZones={timeZoneOptions()} />
      </Card>
    </>
  );
}
