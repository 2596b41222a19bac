import type { Metadata } from "next";
import Link from "next/link";
import { and, eq } from "drizzle-orm";
import { CallFilters, type TFilterValues } from "@/components/calls/call-filters";
import { OutcomeBadge, SentimentBadge } from "@/components/calls/call-badges";
import { formatDuration, formatInZone } from "@/components/calls/format";
import { LiveCalls } from "@/components/calls/live-calls";
import { Alert } from "@/components/ui/alert";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui/card";
import { calls } from "@/db/schema";
import { listAgents } from "@/lib/agents/list-agents";
import { listTopicClusters } from "@/lib/analysis/top-topics";
import { getTeamPage } from "@/lib/auth/entry-points";
import { listCalls, type TCallPage } from "@/lib/calls/list-calls";
import { isAppError } from "@/lib/errors";
import { listNumbers } from "@/lib/numbers/list-numbers";
import { teamTimeZone } from "@/lib/teams/time-zone";
import { addDays, localMidnight } from "@/lib/time/zone";

export const metadata: Metadata = { title: "Calls" };

const KEYS = ["from", "to", "agentId", "phoneNumberId", "outcome", "sentiment", "topicClusterId", "q", "testCalls"] as const;
const PAGE_SIZE = 50;

export default async function CallsPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { slug } = await params;
  const { db, team } = await getTeamPage(slug, "calls.view");
  const raw = await searchParams;
  const values: TFilterValues = {};
  for (const key of KEYS) {
    const v = raw[key];
    if (typeof v === "string" && v.trim() !== "") values[key] = v.trim();
  }
  const cursor = typeof raw.cursor === "string" ? raw.cursor : null;
  // Picked days are the team's local days; a date picker's "to" day is included: the filter's upper bound is the
  // start of the next day.
  const tz = await teamTimeZone(db, team);
  const isDay = (d: string | undefined): d is string => !!d && /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`));
  const to = isDay(values.to) ? localMidnight(tz, addDays(values.to, 1)).toISOString() : values.to;
  const from = isDay(values.from) ? localMidnight(tz, values.from).toISOString() : values.from;

  let page: TCallPage = { calls: [], nextCursor: null };
  let error: string | null = null;
  try {
    page = await listCalls(db, team.id, { ...values, from, to }, cursor, PAGE_SIZE);
  } catch (e) {
    if (!isAppError(e)) throw e;
    error = e.message;
  }
  const [agentList, numbers, topics, anyCall] = await Promise.all([
    listAgents(db, team),
    listNumbers(db, team.id, new Date(), tz),
    listTopicClusters(db, team.id),
    db.select({ id: calls.id }).from(calls).where(and(eq(calls.teamId, team.id))).limit(1),
  ]);
  const base = `/t/${team.slug}/calls`;
  const query = new URLSearchParams(Object.entries(values) as [string, string][]);
  const isFiltered = Object.keys(values).some((k) => k !== "testCalls" || values.testCalls !== "exclude");

  return (
    <>
      <PageHeader
        title="Calls"
        description="Every call with its transcript, outcome, sentiment and latency."
        actions={<Link href={`${base}/live`} className="text-sm font-medium text-brand-700 hover:underline">Live view →</Link>}
      />
      <LiveCalls slug={team.slug} variant="compact" />
      <CallFilters
        basePath={base}
        values={values}
        agents={agentList.map((a) => ({ id: a.id, name: a.name }))}
        numbers={numbers.active.map((n) => ({ id: n.id, e164: n.e164 }))}
        topics={topics}
      />
      {error && <div className="mb-4"><Alert tone="error">{error}</Alert></div>}
      {anyCall.length === 0 ? (
        <EmptyState title="No calls yet">
          Calls appear here as soon as your agent answers its first one. Publish an agent, attach a phone number, or place a test call from the agent builder.
        </EmptyState>
      ) : page.calls.length === 0 ? (
        <EmptyState title="No calls match these filters" action={<Link href={base} className="text-sm font-medium text-brand-700 hover:underline">Clear filters</Link>}>
          {isFiltered ? "Try a wider date range or fewer filters." : "Nothing on this page."}
        </EmptyState>
      ) : (
        <Card>
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm" aria-label="Calls">
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th className="py-2 pr-4 font-medium">Started</th>
                  <th className="py-2 pr-4 font-medium">From</th>
                  <th className="py-2 pr-4 font-medium">To</th>
                  <th className="py-2 pr-4 font-medium">Agent</th>
                  <th className="py-2 pr-4 font-medium">Duration</th>
                  <th className="py-2 pr-4 font-medium">Outcome</th>
                  <th className="py-2 pr-4 font-medium">Sentiment</th>
                  <th className="py-2 pr-4 font-medium">Topic</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {page.calls.map((c) => (
                  <tr key={c.id} data-testid="call-row" className="hover:bg-slate-50">
                    <td className="whitespace-nowrap py-2 pr-4">
                      <Link href={`${base}/${c.id}`} className="font-medium text-brand-700 hover:underline">
                        {formatInZone(c.startedAt, tz)}
                      </Link>
                    </td>
                    <td className="whitespace-nowrap py-2 pr-4 font-mono text-xs">
                      {c.fromNumber || (c.direction === "web" ? "Browser" : "Unknown")}
                      {c.isTest && <span className="ml-2"><Badge tone="amber">Test</Badge></span>}
                    </td>
                    <td className="whitespace-nowrap py-2 pr-4 font-mono text-xs">{c.phoneNumberE164 ?? (c.toNumber || "—")}</td>
                    <td className="py-2 pr-4">{c.agentName ?? "—"}</td>
                    <td className="py-2 pr-4 tabular-nums">{formatDuration(c.durationSec)}</td>
                    <td className="py-2 pr-4"><OutcomeBadge outcome={c.outcome} isLive={!c.endedAt && c.status === "in_progress"} /></td>
                    <td className="py-2 pr-4"><SentimentBadge sentiment={c.sentiment} /></td>
                    <td className="max-w-48 truncate py-2 pr-4" title={c.topic ?? undefined}>{c.topic ?? <span className="text-slate-400">—</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="mt-4 flex gap-4 text-sm font-medium">
            {cursor && <Link href={`${base}?${query.toString()}`} className="text-brand-700 hover:underline">← Newest</Link>}
            {page.nextCursor && (
              <Link href={`${base}?${new URLSearchParams({ ...Object.fromEntries(query), cursor: page.nextCursor }).toString()}`} className="text-brand-700 hover:underline">
                Older calls →
              </Link>
            )}
          </div>
        </Card>
      )}
    </>
  );
}
