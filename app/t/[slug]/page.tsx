import type { Metadata } from "next";
import Link from "next/link";
import { and, asc, count, eq, gte, isNotNull, isNull, lt, sql } from "drizzle-orm";
import { Card, PageHeader } from "@/components/ui/card";
import { agents, calls, phoneNumbers } from "@/db/schema";
import { analyticsTotals } from "@/lib/analytics/queries";
import { getTeamPage } from "@/lib/auth/entry-points";
import { teamTimeZone } from "@/lib/teams/time-zone";
import { localTodayRange } from "@/lib/time/zone";

export const metadata: Metadata = { title: "Overview" };

export default async function OverviewPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { db, team } = await getTeamPage(slug);
  const tz = await teamTimeZone(db, team);
  // Today in the team's zone, with the day boundaries Analytics uses; test calls count in neither.
  const todayRange = localTodayRange(tz);
  const isRealCall = and(eq(calls.teamId, team.id), eq(calls.isTest, false));
  const [[today], [live], [agentCount], [firstAgent], [published], [numberCount], [anyTest], [anyCall], todayTotals] = await Promise.all([
    db
      .select({ n: count() })
      .from(calls)
      .where(and(isRealCall, gte(calls.startedAt, todayRange.from), lt(calls.startedAt, todayRange.to))),
    db.select({ n: count() }).from(calls).where(and(isRealCall, isNull(calls.endedAt))),
    db.select({ n: count() }).from(agents).where(and(eq(agents.teamId, team.id), isNull(agents.archivedAt))),
    db
      .select({ id: agents.id })
      .from(agents)
      .where(and(eq(agents.teamId, team.id), isNull(agents.archivedAt)))
      .orderBy(asc(agents.createdAt))
      .limit(1),
    db
      .select({ id: agents.id })
      .from(agents)
      .where(and(eq(agents.teamId, team.id), isNull(agents.archivedAt), isNotNull(agents.publishedVersionId)))
      .limit(1),
    db.select({ n: count() }).from(phoneNumbers).where(and(eq(phoneNumbers.teamId, team.id), sql`${phoneNumbers.status} = 'active'`)),
    db.select({ id: calls.id }).from(calls).where(and(eq(calls.teamId, team.id), eq(calls.isTest, true))).limit(1),
    // Ever, not today: a quiet day does not undo the first call.
    db.select({ id: calls.id }).from(calls).where(isRealCall).limit(1),
    // Finished calls only: the rollups are refreshed as calls end and are analyzed.
    analyticsTotals(db, team.id, todayRange),
  ]);
  const analyzed = todayTotals.sentiment.positive + todayTotals.sentiment.neutral + todayTotals.sentiment.negative;
  const agentHref = firstAgent ? `/t/${team.slug}/agents/${firstAgent.id}` : `/t/${team.slug}/agents`;
  const steps = [
    { isDone: !!firstAgent, label: "Create your agent", href: `/t/${team.slug}/agents` },
    { isDone: !!anyTest, label: "Make a test call", href: firstAgent ? `${agentHref}?tab=test-call` : agentHref },
    { isDone: !!published, label: "Publish your agent", href: agentHref },
    { isDone: (numberCount?.n ?? 0) > 0, label: "Attach a phone number", href: `/t/${team.slug}/numbers` },
    { isDone: !!anyCall, label: "Take your first call", href: `/t/${team.slug}/calls` },
  ];
  return (
    <>
      <PageHeader title={team.name} description={`Today at a glance (${tz} time). Test calls are not counted, as in Analytics.`} />
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        <Stat label="Calls today" value={today?.n ?? 0} hint="Excluding test calls" />
        <Stat label="In progress" value={live?.n ?? 0} hint="Excluding test calls" />
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
        <Card className="mt-6" title="Get started" description={`${steps.length} steps to your first answered call.`}>
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
