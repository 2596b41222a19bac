import { dailySeriesCsv } from "@/lib/analytics/export-csv";
import { dailySeries, rangeFromSearchParams } from "@/lib/analytics/queries";
import { recordAudit } from "@/lib/audit/record-audit";
import { teamRoute } from "@/lib/auth/entry-points";

// The dashboard's daily series for the range in the query (?range=7|30|90 or ?from=YYYY-MM-DD&to=YYYY-MM-DD).
export const GET = teamRoute("team.view", async ({ db, team, actor }, request) => {
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const range = rangeFromSearchParams(params);
  const csv = dailySeriesCsv(await dailySeries(db, team.id, range));
  const to = new Date(range.to.getTime() - 86_400_000).toISOString().slice(0, 10);
  const name = `${team.slug}-analytics-${range.from.toISOString().slice(0, 10)}-to-${to}.csv`;
  await recordAudit(db, { teamId: team.id, actor, action: "analytics.exported", targetType: "analytics", targetLabel: name, metadata: { from: range.from.toISOString(), to: range.to.toISOString() } });
  return new Response(csv, {
    headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${name}"`, "cache-control": "no-store" },
  });
});
