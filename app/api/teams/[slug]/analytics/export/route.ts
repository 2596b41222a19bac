import { dailySeriesCsv } from "@/lib/analytics/export-csv";
import { dailySeries, rangeFromSearchParams } from "@/lib/analytics/queries";
import { recordAudit } from "@/lib/audit/record-audit";
import { teamRoute } from "@/lib/auth/entry-points";
import { teamTimeZone } from "@/lib/teams/time-zone";

// The dashboard's daily series for the range in the query (?range=7|30|90 or ?from=YYYY-MM-DD&to=YYYY-MM-DD), in
// days of the team's time zone, like the dashboard.
export const GET = teamRoute("team.view", async ({ db, team, actor }, request) => {
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const tz = await teamTimeZone(db, team);
  const range = rangeFromSearchParams(params, new Date(), tz);
  const csv = dailySeriesCsv(await dailySeries(db, team.id, range, tz));
  const name = `${team.slug}-analytics-${range.firstDay}-to-${range.lastDay}.csv`;
  await recordAudit(db, { teamId: team.id, actor, action: "analytics.exported", targetType: "analytics", targetLabel: name, metadata: { from: range.firstDay, to: range.lastDay } });
  return new Response(csv, {
    headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${name}"`, "cache-control": "no-store" },
  });
});
