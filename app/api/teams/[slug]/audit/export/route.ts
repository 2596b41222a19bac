// GET /api/teams/[slug]/audit/export - the audit log as CSV with the page's filters (?actor=&action=&from=&to=)
import { auditCsvHeader, auditCsvRow, iterateAuditLogs, ZAuditFilters } from "@/lib/audit/list-audit";
import { recordAudit } from "@/lib/audit/record-audit";
import { teamRoute } from "@/lib/auth/entry-points";
import { AppError } from "@/lib/errors";

export const GET = teamRoute("audit.view", async ({ db, team, actor }, request) => {
  const parsed = ZAuditFilters.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) throw new AppError("bad_request", `Invalid filter: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  const filters = parsed.data;
  // The export is itself an access: recorded before the first row leaves.
  await recordAudit(db, { teamId: team.id, actor, action: "audit.exported", targetType: "audit_log", metadata: { filters } });
  const encoder = new TextEncoder();
  const rows = iterateAuditLogs(db, team.id, filters);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(auditCsvHeader()));
    },
    async pull(controller) {
      const next = await rows.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(auditCsvRow(next.value)));
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${team.slug}-audit-log-${new Date().toISOString().slice(0, 10)}.csv"`,
      "cache-control": "no-store",
    },
  });
});
