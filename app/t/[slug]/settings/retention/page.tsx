import type { Metadata } from "next";
import { formatInZone } from "@/components/calls/format";
import { RetentionForm } from "@/components/settings/retention-form";
import { SettingsNav } from "@/components/settings/settings-nav";
import { Card, PageHeader } from "@/components/ui/card";
import { getTeamPage } from "@/lib/auth/entry-points";
import { can } from "@/lib/auth/roles";
import { AUDIT_LOG_MIN_RETENTION_DAYS, describeCount, RETENTION_KINDS, RETENTION_LABELS } from "@/lib/retention/kinds";
import { countsByKind, loadRetentionSummary } from "@/lib/retention/summary";
import { teamTimeZone } from "@/lib/teams/time-zone";

export const metadata: Metadata = { title: "Data retention" };

export default async function RetentionSettingsPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { db, team, role } = await getTeamPage(slug);
  const [summary, tz] = await Promise.all([loadRetentionSummary(db, team.id), teamTimeZone(db, team)]);
  const last = summary.lastRun;
  const lastCounts = last ? countsByKind(last.counts) : null;
  return (
    <>
      <PageHeader title="Settings" />
      <SettingsNav slug={team.slug} current="retention" canViewAudit={can(role, "audit.view")} />
      <Card
        title="Data retention"
        description="How long each kind of data is kept. Every hour, what is older than its period is deleted for good: from the database, from disk and S3, and voicemails from Twilio. Calls in progress are never touched."
      >
        <RetentionForm slug={team.slug} policy={summary.policy} canEdit={can(role, "team.update_settings")} timeZone={tz} />
        <p className="mt-4 text-xs text-slate-500">
          The audit log is not shortened by these settings: its entries are kept at least {AUDIT_LOG_MIN_RETENTION_DAYS} days, and purges never
          remove them. Dashboard totals keep counting calls after they are deleted.
        </p>
      </Card>
      <div className="mt-6 grid gap-6 md:grid-cols-2">
        <Card title="Last purge">
          <div data-testid="retention-last-run" className="space-y-2 text-sm text-slate-700">
            {last && lastCounts ? (
              <>
                <p>
                  {formatInZone(last.finishedAt, tz)}
                  {last.status === "partial" ? " (incomplete: it resumes on the next run)" : ""}
                </p>
                <ul className="list-disc pl-5">
                  {RETENTION_KINDS.map((k) => (
                    <li key={k}>
                      {RETENTION_LABELS[k].label}: {describeCount(k, lastCounts[k])}
                    </li>
                  ))}
                </ul>
                {last.errors.map((error) => (
                  <p key={error} className="text-red-700">
                    {error}
                  </p>
                ))}
              </>
            ) : (
              <p>No purge has run for this team yet.</p>
            )}
          </div>
        </Card>
        <Card title="Next purge">
          <div data-testid="retention-next-run" className="space-y-2 text-sm text-slate-700">
            <p>{formatInZone(summary.nextRunAt, tz)} will remove:</p>
            <ul className="list-disc pl-5">
              {RETENTION_KINDS.map((k) => (
                <li key={k}>
                  {RETENTION_LABELS[k].label}: {summary.policy[k] === null ? "nothing (kept forever)" : describeCount(k, summary.next[k])}
                </li>
              ))}
            </ul>
          </div>
        </Card>
      </div>
    </>
  );
}
