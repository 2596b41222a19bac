import type { Metadata } from "next";
import Link from "next/link";
import { and, count, eq, gte, isNull, sql } from "drizzle-orm";
import { Card, PageHeader } from "@/components/ui/card";
import { agents, calls, phoneNumbers } from "@/db/schema";
import { analyticsTotals } from "@/lib/analytics/queries";
import { getTeamPage } from "@/lib/auth/entry-points";

export const metadata: Metadata = { title: "Overview" };

export default async function OverviewPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { db, team } = await getTeamPage(slug);
  const startOfDay = new Date();
  startOfDay.setUTCHours(0, 0, 0, 0);
  const endOfDay = new Date(startOfDay.getTime() + 86_400_000);
  const [[today], [live], [agentCount], [numberCount], todayTotals] = await Promise.all([
    db.select({ n: count() }).from(calls).where(and(eq(calls.teamId, team.id), gte(calls.startedAt, startOfDay))),
    db.select({ n: count() }).from(calls).where(and(eq(calls.teamId, team.id), isNull(calls.endedAt))),
    db.select({ n: count() }).from(agents).where(and(eq(agents.teamId, team.id), isNull(agents.archivedAt))),
    db.select({ n: count() }).from(phoneNumbers).where(and(eq(phoneNumbers.teamId, team.id), sql`${phoneNumbers.status} = 'active'`)),
    // Finished calls only: the rollups are refreshed as calls end and are analyzed.
    analyticsTotals(db, team.id, { from: startOfDay, to: endOfDay }),
  ]);
  const analyzed = todayTotals.sentiment.positive + todayTotals.sentiment.neutral + todayTotals.sentiment.negative;
  const steps = [
    { isDone: (agentCount?.n ?? 0) > 0, label: "Create your agent", href: `/t/${team.slug}/agents` },
    { isDone: (numberCount?.n ?? 0) > 0, label: "Attach a phone number", href: `/t/${team.slug}/numbers` },
    { isDone: (today?.n ?? 0) > 0, label: "Take your first call", href: `/t/${team.slug}/calls` },
  ];
  return (
    <>
      <PageHeader title={team.name} description="Today at a glance (UTC day)." />
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        <Stat label="Calls today" value={today?.n ?? 0} />
        <Stat label="In progress" value={live?.n ?? 0} />
        <Stat
          label="Resolution rate today"
          value={todayTotals.resolutionRate === null ? "—" : `${Math.round(todayTotals.resolutionRate * 100)}%`}
          hint={todayTotals.withOutcome > 0 ? `${todayTotals.resolved} of ${todayTotals.withOutcome} finished calls` : "No finished calls yet"}
        />
        <Stat
          label="Sentiment today"
          value={analyzed === 0 ? "—" : `${Math.round((todayTotals.sentiment.positive / analyzed) * 100)}% positive`}
          hint={analyzed > 0 ? `${todayTotals.sentiment.neutral} neutral, ${todayTotals.sentiment.negative} negative` : "No analyzed calls yet"}
        />
        <Stat label="Agents" value={agentCount?.n ?? 0} />
        <Stat label="Phone numbers" value={numberCount?.n ?? 0} />
      </div>
      {steps.some((s) => !s.isDone) && (
        <Card className="mt-6" title="Get started" description="Three steps to your first answered call.">
          <ol className="space-y-2">
            {steps.map((s, i) => (
              <li key={s.label} className="flex items-center gap-3 text-sm">
                <span className={`grid size-6 place-items-center rounded-full text-xs font-semibold ${s.isDone ? "bg-emerald-100 text-emerald-700" : "bg-slate-100 text-slate-600"}`}>
                  {s.isDone ? "✓" : i + 1}
                </span>
                <Link href={s.href} className={s.isDone ? "text-slate-400 line-through" : "font-medium text-brand-700 hover:underline"}>
                  {s.label}
                </Link>
              </li>
            ))}
          </ol>
        </Card>
      )}
    </>
  );
}

function Stat({ label, value, hint }: { label: string; value: number | string; hint?: string }) {
  return (
    <div className="rounded-lg bg-white p-5 shadow-sm ring-1 ring-slate-200">
      <p className="text-sm text-slate-500">{label}</p>
      <p className="mt-1 text-3xl font-semibold tabular-nums">{value}</p>
      {hint && <p className="mt-1 text-xs text-slate-500">{hint}</p>}
    </div>
  );
}
