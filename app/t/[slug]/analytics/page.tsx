import type { Metadata } from "next";
import { AnsweredChart, HandleTimeChart, HorizontalBars, LatencyChart, ResolutionChart, SentimentChart, VolumeChart, type TChartDay } from "@/components/analytics/charts";
import { HourHeatmap } from "@/components/analytics/hour-heatmap";
import { RangePicker } from "@/components/analytics/range-picker";
import { buttonClass } from "@/components/ui/button-class";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { loadDashboard, rangeFromSearchParams } from "@/lib/analytics/queries";
import { getTeamPage } from "@/lib/auth/entry-points";
import { teamTimeZone } from "@/lib/teams/time-zone";
import { offsetMs } from "@/lib/time/zone";

export const metadata: Metadata = { title: "Analytics" };

type TSearch = { range?: string; from?: string; to?: string };

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function percentOrDash(value: number | null): string {
  return value === null ? "—" : `${Math.round(value * 1000) / 10}%`;
}

function secondsOrDash(value: number | null): string {
  if (value === null) return "—";
  const s = Math.round(value);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export default async function AnalyticsPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { slug } = await params;
  const { db, team } = await getTeamPage(slug);
  const raw = await searchParams;
  const search: TSearch = { range: first(raw.range), from: first(raw.from), to: first(raw.to) };
  const tz = await teamTimeZone(db, team);
  const range = rangeFromSearchParams(search, new Date(), tz);
  const fromDay = range.firstDay;
  const toDay = range.lastDay;
  const data = await loadDashboard(db, team.id, range, tz);
  const basePath = `/t/${team.slug}/analytics`;
  const exportHref = `/api/teams/${team.slug}/analytics/export?from=${fromDay}&to=${toDay}`;
  const { totals } = data;
  // Rollups are whole UTC hours (lib/time/zone.ts): in a half- or quarter-hour zone each one straddles two local hours.
  const offsetMinutes = Math.abs(Math.round(offsetMs(tz, range.from) / 60_000)) % 60;
  const hourNote =
    offsetMinutes === 0
      ? ""
      : ` Counts are kept per UTC hour, which in ${tz} starts at :${String(offsetMinutes).padStart(2, "0")}: the 9 o'clock column covers 9:${String(offsetMinutes).padStart(2, "0")} to 10:${String(offsetMinutes).padStart(2, "0")}, and days run from 00:${String(offsetMinutes).padStart(2, "0")}.`;

  const header = (
    <PageHeader
      title="Analytics"
      description={`${fromDay} to ${toDay}, days in ${tz}. Test calls are not counted.`}
      actions={
        totals.calls > 0 ? (
          <a href={exportHref} download className={buttonClass("secondary")}>
            Export CSV
          </a>
        ) : undefined
      }
    />
  );
  const picker = <RangePicker basePath={basePath} preset={range.preset} from={fromDay} to={toDay} />;

  if (totals.calls === 0) {
    return (
      <>
        {header}
        {picker}
        <EmptyState title="No calls in this range">
          There are no finished calls for {team.name} between {fromDay} and {toDay}. Charts appear here once calls come in; try a longer range if you
          expected some.
        </EmptyState>
      </>
    );
  }

  const chartDays: TChartDay[] = data.daily.map((d) => ({
    day: d.day,
    calls: d.calls,
    answered: d.answered,
    abandoned: d.abandoned,
    resolutionRate: d.resolutionRate,
    avgHandleSec: d.avgHandleSec,
    positive: d.sentiment.positive,
    neutral: d.sentiment.neutral,
    negative: d.sentiment.negative,
    v2vP50Ms: d.v2vP50Ms,
    v2vP95Ms: d.v2vP95Ms,
  }));
  const analyzed = totals.sentiment.positive + totals.sentiment.neutral + totals.sentiment.negative;

  return (
    <>
      {header}
      {picker}
      <dl className="grid gap-4 sm:grid-cols-3 lg:grid-cols-6">
        <Stat label="Calls" value={totals.calls.toLocaleString("en-US")} />
        <Stat label="Answered" value={percentOrDash(totals.calls > 0 ? totals.answered / totals.calls : null)} />
        <Stat label="Resolution rate" value={percentOrDash(totals.resolutionRate)} />
        <Stat label="Avg handle time" value={secondsOrDash(totals.avgHandleSec)} />
        <Stat label="Positive sentiment" value={percentOrDash(analyzed > 0 ? totals.sentiment.positive / analyzed : null)} />
        <Stat label="Voice-to-voice p50 / p95" value={totals.v2vP50Ms === null ? "—" : `${totals.v2vP50Ms} / ${totals.v2vP95Ms ?? "—"} ms`} />
      </dl>
      <div className="mt-6 grid gap-6 lg:grid-cols-2">
        <Card title="Call volume" description="Calls per day.">
          <VolumeChart data={chartDays} />
        </Card>
        <Card title="Answered vs abandoned" description="Abandoned: the caller hung up before the agent could help.">
          <AnsweredChart data={chartDays} />
        </Card>
        <Card title="Resolution rate" description="Resolved calls out of calls with an outcome.">
          <ResolutionChart data={chartDays} />
        </Card>
        <Card title="Sentiment" description="Analyzed calls per day by caller sentiment.">
          <SentimentChart data={chartDays} />
        </Card>
        <Card title="Average handle time" description="Mean call duration per day.">
          <HandleTimeChart data={chartDays} />
        </Card>
        <Card title="Voice-to-voice latency" description="Median of calls' p50 and 95th percentile of calls' p95, per day (to within one histogram bucket).">
          <LatencyChart data={chartDays} />
        </Card>
        <Card title="When calls come in" description={`Calls by weekday and hour, ${tz} time.${hourNote}`} className="lg:col-span-2">
          <HourHeatmap cells={data.heatmap} zone={tz} />
        </Card>
        <Card title="Transfers per department">
          {data.transfers.length === 0 ? (
            <p className="text-sm text-slate-500">No transfers in this range.</p>
          ) : (
            <HorizontalBars label="Transfers per department" data={data.transfers.map((t) => ({ name: t.department || "Not recorded", value: t.transfers }))} color="amber" />
          )}
        </Card>
        <Card title="Top topics" description="What analyzed calls were about.">
          {data.topics.length === 0 ? (
            <p className="text-sm text-slate-500">No analyzed topics in this range yet.</p>
          ) : (
            <HorizontalBars label="Top topics" data={data.topics.map((t) => ({ name: t.label, value: t.calls }))} />
          )}
        </Card>
        <Card title="Busiest numbers">
          <BusiestTable rows={data.numbers} />
        </Card>
        <Card title="Busiest agents">
          <BusiestTable rows={data.agents} />
        </Card>
      </div>
    </>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
      <dt className="text-sm text-slate-500">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold tabular-nums">{value}</dd>
    </div>
  );
}

function BusiestTable({ rows }: { rows: { id: string | null; label: string; calls: number; resolved: number; avgHandleSec: number | null }[] }) {
  return (
    <table className="w-full text-sm">
      <thead className="text-left text-xs text-slate-500">
        <tr>
          <th className="py-1 font-medium">Name</th>
          <th className="py-1 text-right font-medium">Calls</th>
          <th className="py-1 text-right font-medium">Resolved</th>
          <th className="py-1 text-right font-medium">Avg handle</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {rows.map((r) => (
          <tr key={r.id ?? "none"}>
            <td className="py-1.5">{r.label}</td>
            <td className="py-1.5 text-right tabular-nums">{r.calls.toLocaleString("en-US")}</td>
            <td className="py-1.5 text-right tabular-nums">{r.resolved.toLocaleString("en-US")}</td>
            <td className="py-1.5 text-right tabular-nums">{secondsOrDash(r.avgHandleSec)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
