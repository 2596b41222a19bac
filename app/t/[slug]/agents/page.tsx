import type { Metadata } from "next";
import Link from "next/link";
import { formatInZone } from "@/components/calls/format";
import { buttonClass } from "@/components/ui/button-class";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui/card";
import { listAgents } from "@/lib/agents/list-agents";
import { findTemplate } from "@/lib/agents/templates";
import { getTeamPage } from "@/lib/auth/entry-points";
import { teamTimeZone } from "@/lib/teams/time-zone";
import { can } from "@/lib/auth/roles";

export const metadata: Metadata = { title: "Agents" };

export default async function AgentsPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { db, team, role } = await getTeamPage(slug);
  const [agents, tz] = await Promise.all([listAgents(db, team), teamTimeZone(db, team)]);
  const canEdit = can(role, "agents.edit");
  const newAgent = canEdit ? (
    <Link href={`/t/${team.slug}/agents/new`} className={buttonClass("primary")}>
      New agent
    </Link>
  ) : undefined;
  return (
    <>
      <PageHeader title="Agents" description="The AI agents that answer your calls. Edits stay in a draft until you publish." actions={agents.length > 0 ? newAgent : undefined} />
      {agents.length === 0 ? (
        <EmptyState title="No agents yet" action={newAgent}>
          {canEdit
            ? "Create your first agent from a template (receptionist, appointment booking or support triage) or from scratch, then publish it and attach a phone number."
            : "An owner or admin of this team can create the agent that answers your calls."}
        </EmptyState>
      ) : (
        <Card>
          <ul className="divide-y divide-slate-100" aria-label="Agents">
            {agents.map((a) => (
              <li key={a.id} className="flex flex-wrap items-center justify-between gap-3 py-3" data-testid="agent-row">
                <div className="min-w-0">
                  <Link href={`/t/${team.slug}/agents/${a.id}`} className="font-medium text-brand-700 hover:underline">
                    {a.name}
                  </Link>
                  <p className="text-xs text-slate-500">
                    {a.templateKey ? `From the ${findTemplate(a.templateKey)?.label ?? a.templateKey} template · ` : ""}
                    {a.callCount} {a.callCount === 1 ? "call" : "calls"} · draft edited {formatInZone(a.draftUpdatedAt, tz)}
                  </p>
                </div>
                <div className="flex flex-wrap gap-2">
                  {a.liveVersion === null ? <Badge>Draft only</Badge> : <Badge tone="green">Live: version {a.liveVersion}</Badge>}
                  {a.liveVersion !== null && a.hasUnpublishedChanges && <Badge tone="amber">Unpublished changes</Badge>}
                </div>
              </li>
            ))}
          </ul>
        </Card>
      )}
    </>
  );
}
