import type { Metadata } from "next";
import { formatInZone } from "@/components/calls/format";
import { NotificationSettingsForm } from "@/components/settings/notification-settings-form";
import { SettingsNav } from "@/components/settings/settings-nav";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui/card";
import { getTeamPage } from "@/lib/auth/entry-points";
import { can } from "@/lib/auth/roles";
import { env } from "@/lib/env";
import { getNotificationSettings, listNotificationDeliveries } from "@/lib/notifications/preferences";
import { teamTimeZone } from "@/lib/teams/time-zone";
import { saveNotificationSettingsAction } from "./actions";

export const metadata: Metadata = { title: "Notifications" };

const TONE = { pending: "amber", sent: "green", failed: "red", skipped: "slate" } as const;

export default async function NotificationsPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { db, team, role, user } = await getTeamPage(slug);
  const isAdmin = can(role, "audit.view");
  const [settings, deliveries, tz] = await Promise.all([
    getNotificationSettings(db, { teamId: team.id, userId: user.id }),
    listNotificationDeliveries(db, { teamId: team.id, userId: isAdmin ? undefined : user.id, limit: 50 }),
    teamTimeZone(db, team),
  ]);
  return (
    <>
      <PageHeader title="Settings" />
      <SettingsNav slug={team.slug} current="notifications" canViewAudit={isAdmin} />
      <div className="space-y-6">
        <Card
          title="Your notifications"
          description={`How you hear about messages the agent takes for ${team.name}. Sent once the call has ended; the team's webhooks get the message.taken event.`}
        >
          <NotificationSettingsForm
            action={saveNotificationSettingsAction.bind(null, team.slug)}
            canEdit={can(role, "messages.handle")}
            isEmailConfigured={!!env().SMTP_URL}
            initial={settings}
          />
        </Card>
        <Card title="Recent deliveries" description={isAdmin ? "Everyone's emails and texts for this team, newest first; failures are retried with backoff." : "Your emails and texts, newest first."}>
          {deliveries.length === 0 ? (
            <EmptyState title="Nothing sent yet">
              {/* Says why a message the owner can see in the Inbox sent no email: with the default (urgent only) a
                  routine message is not emailed, which a first-day owner otherwise takes for a fault. */}
              {settings.emailMode === "urgent"
                ? "You get an email for urgent messages only, so routine ones wait in the Inbox without one. Pick \"Every message\" above to be emailed about each."
                : settings.emailMode === "digest"
                  ? "Your daily digest is sent once a day when there were new messages."
                  : settings.emailMode === "off"
                    ? "Emails are off for you; new messages wait in the Inbox."
                    : "Deliveries appear here when the agent takes a message."}
            </EmptyState>
          ) : (
            <div className="overflow-x-auto">
              <table className="w-full text-left text-sm" aria-label="Notification deliveries">
                <thead className="text-xs uppercase text-slate-500">
                  <tr>
                    <th className="py-2 pr-4 font-medium">Created</th>
                    <th className="py-2 pr-4 font-medium">What</th>
                    <th className="py-2 pr-4 font-medium">To</th>
                    <th className="py-2 pr-4 font-medium">Status</th>
                    <th className="py-2 pr-4 font-medium">Attempts</th>
                    <th className="py-2 pr-4 font-medium">Last error</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {deliveries.map((d) => (
                    <tr key={d.id} data-testid="notification-delivery">
                      <td className="whitespace-nowrap py-2 pr-4">{formatInZone(d.createdAt, tz)}</td>
                      <td className="py-2 pr-4">{d.kind === "digest" ? "Daily digest" : "New message"} · {d.channel === "sms" ? "Text" : "Email"}</td>
                      <td className="py-2 pr-4 font-mono text-xs">{d.recipient}</td>
                      <td className="py-2 pr-4"><Badge tone={TONE[d.status]}>{d.status}</Badge></td>
                      <td className="py-2 pr-4 tabular-nums">{d.attempts}</td>
                      <td className="max-w-64 truncate py-2 pr-4 text-slate-600" title={d.lastError ?? undefined}>{d.lastError ?? "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>
      </div>
    </>
  );
}
