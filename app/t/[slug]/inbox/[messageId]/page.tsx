import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { formatInZone } from "@/components/calls/format";
import { readableMessage, STATUS_LABEL, STATUS_TONE } from "@/components/inbox/format";
import { MessageForm } from "@/components/inbox/message-form";
import { Badge, Card, PageHeader } from "@/components/ui/card";
import { getTeamPage } from "@/lib/auth/entry-points";
import { teamTimeZone } from "@/lib/teams/time-zone";
import { can } from "@/lib/auth/roles";
import { isAppError } from "@/lib/errors";
import { callbackDisplay } from "@/lib/callers/phone";
import { getMessage } from "@/lib/inbox/list-messages";
import { listMembers } from "@/lib/members/members";
import { updateMessageAction } from "../actions";

export const metadata: Metadata = { title: "Message" };

export default async function MessagePage({ params }: { params: Promise<{ slug: string; messageId: string }> }) {
  const { slug, messageId } = await params;
  const { db, team, role } = await getTeamPage(slug, "calls.view");
  const tz = await teamTimeZone(db, team);
  const message = await getMessage(db, team.id, messageId).catch((error: unknown) => {
    if (isAppError(error) && error.code === "not_found") notFound();
    throw error;
  });
  const members = await listMembers(db, team.id);
  const base = `/t/${team.slug}`;
  const caller = message.callerName || message.callerEntryName || "Unknown caller";
  // Dictated numbers arrive as digits ("4155550199"): shown as one dials them, and one tap away on a phone.
  const callback = callbackDisplay(message.callbackNumber || message.callFromNumber || "", message.callFromNumber);
  return (
    <>
      <div className="mb-2 text-sm"><Link href={`${base}/inbox`} className="text-brand-700 hover:underline">← Inbox</Link></div>
      <PageHeader title={`Message from ${caller}`} description={`Received ${formatInZone(message.createdAt, tz)}`} />
      <div className="mb-6 flex flex-wrap items-center gap-2">
        {message.isUrgent && <Badge tone="red">Urgent</Badge>}
        {message.kind === "voicemail" && <Badge>Voicemail</Badge>}
        {message.department && <Badge tone="brand">{message.department}</Badge>}
        <Badge tone={STATUS_TONE[message.status] ?? "slate"}>{STATUS_LABEL[message.status] ?? message.status}</Badge>
        {message.status === "handled" && message.handledAt && (
          <span className="text-sm text-slate-600" data-testid="handled-by">
            Handled by {message.handledByEmail ?? "a former member"} at {formatInZone(message.handledAt, tz)}
          </span>
        )}
      </div>
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="space-y-6 lg:col-span-2">
          <Card title="Message">
            <p className="whitespace-pre-line text-sm text-slate-800" data-testid="message-text">{readableMessage(message.message, message)}</p>
            <dl className="mt-4 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
              <dt className="text-slate-500">Call back on</dt>
              <dd data-testid="callback-number">
                {callback.tel ? (
                  <a href={`tel:${callback.tel}`} className="text-brand-700 hover:underline">{callback.text}</a>
                ) : (
                  callback.text || "—"
                )}
              </dd>
              <dt className="text-slate-500">Caller</dt>
              <dd>{message.callerId ? <Link href={`${base}/callers/${message.callerId}`} className="text-brand-700 hover:underline">{caller} ({message.callerE164})</Link> : caller}</dd>
              <dt className="text-slate-500">Call</dt>
              <dd>
                {message.callId ? (
                  <Link href={`${base}/calls/${message.callId}`} className="text-brand-700 hover:underline">
                    {message.hasRecording ? "Transcript and recording" : "Transcript"}
                  </Link>
                ) : (
                  "—"
                )}
              </dd>
            </dl>
          </Card>
        </div>
        <Card title="Triage">
          <MessageForm
            action={updateMessageAction.bind(null, team.slug)}
            canHandle={can(role, "messages.handle")}
            members={members.filter((m) => m.role !== "viewer").map((m) => ({ userId: m.userId, label: m.name ? `${m.name} (${m.email})` : m.email }))}
            message={{ id: message.id, status: message.status, assigneeId: message.assigneeId, callbackAt: message.callbackAt?.toISOString() ?? null, notes: message.notes }}
            timeZone={tz}
          />
        </Card>
      </div>
    </>
  );
}
