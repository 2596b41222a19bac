import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { OutcomeBadge, SentimentBadge } from "@/components/calls/call-badges";
import { CallPlayer } from "@/components/calls/call-player";
import { formatClock, formatDuration, formatInZone } from "@/components/calls/format";
import { readableMessage, STATUS_LABEL, STATUS_TONE } from "@/components/inbox/format";
import { ReanalyzeButton } from "@/components/calls/reanalyze-button";
import { Badge, Card, PageHeader } from "@/components/ui/card";
import type { CallTurn } from "@/db/schema";
import { getTeamPage } from "@/lib/auth/entry-points";
import { can } from "@/lib/auth/roles";
import { getCall, type TCallDetail } from "@/lib/calls/get-call";
import { recordingNoteOf } from "@/lib/calls/recording-note";
import { isAppError } from "@/lib/errors";
import { callbackDisplay } from "@/lib/callers/phone";
import { teamTimeZone } from "@/lib/teams/time-zone";
import { recordAccessOnce } from "@/lib/audit/record-access";

export const metadata: Metadata = { title: "Call" };

const ANALYSIS_LABEL: Record<string, string> = {
  pending: "Analysis pending",
  running: "Analyzing…",
  done: "Analyzed",
  failed: "Analysis failed",
  skipped: "Not analyzed",
};

export default async function CallDetailPage({ params }: { params: Promise<{ slug: string; callId: string }> }) {
  const { slug, callId } = await params;
  const { db, team, role, actor } = await getTeamPage(slug, "calls.view");
  let call: TCallDetail;
  try {
    call = await getCall(db, team.id, callId);
  } catch (error) {
    if (isAppError(error) && error.code === "not_found") notFound();
    throw error;
  }
  const tz = await teamTimeZone(db, team);
  // Who read which caller's transcript: one audit entry per member and call every 10 minutes.
  await recordAccessOnce(db, { teamId: team.id, actor, action: "call.viewed", targetType: "call", targetId: call.id, targetLabel: call.direction === "web" ? "Web call" : "Phone call" });
  const base = `/t/${team.slug}/calls`;
  const isLive = !call.endedAt;
  const toolCalls = call.events.filter((e) => e.kind === "tool_call");
  const transfers = call.events.filter((e) => e.kind === "transfer");
  const errors = call.events.filter((e) => e.kind === "error");
  const agentTurns = call.turns.filter((t) => t.speaker === "agent" && t.firstAudioMs !== null);
  const captured = Object.entries(call.capturedFields ?? {});
  const recordingNote = recordingNoteOf(call.events);

  return (
    <>
      <PageHeader
        title={`Call from ${call.fromNumber || (call.direction === "web" ? "the browser" : "an unknown number")}`}
        description={`${formatInZone(call.startedAt, tz)} · ${call.agentName ?? "No agent"}${call.agentVersion !== null ? ` (version ${call.agentVersion})` : ""} · to ${call.phoneNumberE164 ?? (call.toNumber || (call.direction === "web" ? "a browser test call" : "an unknown number"))}`}
        actions={<Link href={base} className="text-sm font-medium text-brand-700 hover:underline">← All calls</Link>}
      />
      <div className="mb-6 flex flex-wrap items-center gap-2" aria-label="Call facts">
        <OutcomeBadge outcome={call.outcome} isLive={isLive} />
        {call.isTest && <Badge tone="amber">Test call</Badge>}
        <Badge>Duration {formatDuration(call.durationSec)}</Badge>
        <Badge>{call.turnCount} turns</Badge>
        {call.voiceToVoiceP50Ms !== null && <Badge>Voice-to-voice p50 {call.voiceToVoiceP50Ms} ms</Badge>}
        {call.voiceToVoiceP95Ms !== null && <Badge>p95 {call.voiceToVoiceP95Ms} ms</Badge>}
        {call.endReason && <Badge>Ended: {call.endReason.replace(/_/g, " ")}</Badge>}
        {call.transferredTo && <Badge tone="brand">Transferred to {call.transferredTo}</Badge>}
        {call.errorCount > 0 && <Badge tone="red">{call.errorCount} error{call.errorCount === 1 ? "" : "s"}</Badge>}
      </div>

      <div className="grid gap-6 lg:grid-cols-3">
        <div className="space-y-6 lg:col-span-2">
          {/* id: the inbox links here for a message's recording. */}
          <div id="recording" className="scroll-mt-4">
          <Card title="Transcript" description={isLive ? "This call is still in progress; the live view shows it as it grows." : "Click a line to play the recording from there."}>
            {recordingNote && (
              <p className="mb-3 text-sm text-slate-600" data-testid="recording-note">
                {recordingNote}
              </p>
            )}
            <CallPlayer
              recordingUrl={call.recordingPath ? `/api/teams/${team.slug}/calls/${call.id}/recording` : null}
              turns={call.turns.map((t) => ({ seq: t.seq, speaker: t.speaker, text: t.text, startMs: t.startMs, endMs: t.endMs, isInterrupted: t.isInterrupted, sentiment: t.sentiment }))}
            />
          </Card>
          </div>
          <Card title="Latency per turn" description="Agent turns, measured at the server from the end of the caller's speech.">
            {agentTurns.length === 0 ? (
              <p className="text-sm text-slate-500">No agent turns with latency measurements.</p>
            ) : (
              <LatencyTable turns={agentTurns} />
            )}
          </Card>
        </div>

        <div className="space-y-6">
          <Card
            title="Analysis"
            description={ANALYSIS_LABEL[call.analysisStatus]}
            actions={can(role, "calls.reanalyze") && !isLive ? <ReanalyzeButton slug={team.slug} callId={call.id} /> : undefined}
          >
            <dl className="space-y-3 text-sm">
              <div>
                <dt className="font-medium text-slate-500">Summary</dt>
                <dd className="mt-1 text-slate-800" data-testid="call-summary">{call.summary ?? "—"}</dd>
              </div>
              <div>
                <dt className="font-medium text-slate-500">Sentiment</dt>
                <dd className="mt-1"><SentimentBadge sentiment={call.sentiment} score={call.sentimentScore} /></dd>
              </div>
              <div>
                <dt className="font-medium text-slate-500">Topic</dt>
                <dd className="mt-1 text-slate-800">{call.topic ?? "—"}</dd>
              </div>
              <div>
                <dt className="font-medium text-slate-500">Outcome</dt>
                <dd className="mt-1"><OutcomeBadge outcome={call.outcome} isLive={isLive} /></dd>
              </div>
            </dl>
          </Card>
          <Card title="Captured fields">
            {captured.length === 0 ? (
              <p className="text-sm text-slate-500">Nothing captured.</p>
            ) : (
              <dl className="space-y-2 text-sm">
                {captured.map(([key, value]) => (
                  <div key={key} className="flex justify-between gap-3">
                    <dt className="text-xs text-slate-500">{key.replace(/_/g, " ")}</dt>
                    <dd className="text-right text-slate-800">{value}</dd>
                  </div>
                ))}
              </dl>
            )}
          </Card>
          <Card title="Tools and transfers">
            {toolCalls.length + transfers.length === 0 ? (
              <p className="text-sm text-slate-500">The agent used no tools.</p>
            ) : (
              <ul className="space-y-2 text-sm">
                {[...toolCalls, ...transfers]
                  .sort((a, b) => a.atMs - b.atMs)
                  .map((e) => (
                    <li key={e.id}>
                      <span className="mr-2 font-mono text-xs text-slate-400">{formatClock(e.atMs)}</span>
                      <Badge tone={e.kind === "transfer" ? "brand" : "slate"}>{e.kind === "transfer" ? "Transfer" : "Tool"}</Badge>{" "}
                      <span className="font-medium">{e.name}</span>
                      <EventData data={e.data} />
                    </li>
                  ))}
              </ul>
            )}
          </Card>
          {errors.length > 0 && (
            <Card title="Errors">
              <ul className="space-y-2 text-sm">
                {errors.map((e) => (
                  <li key={e.id} className="text-red-800">
                    <span className="mr-2 font-mono text-xs text-slate-400">{formatClock(e.atMs)}</span>
                    <span className="font-medium">{e.name}</span>
                    <EventData data={e.data} />
                  </li>
                ))}
              </ul>
            </Card>
          )}
          <Card title="Messages taken">
            {call.messages.length === 0 ? (
              <p className="text-sm text-slate-500">No message was taken on this call.</p>
            ) : (
              <ul className="space-y-3 text-sm">
                {call.messages.map((m) => (
                  <li key={m.id}>
                    <p className="font-medium">
                      {m.callerName || "Unknown caller"}
                      {m.callbackNumber && <span className="ml-2 text-xs text-slate-500">{callbackDisplay(m.callbackNumber, call.fromNumber).text}</span>}
                    </p>
                    <p className="whitespace-pre-line text-slate-700">{readableMessage(m.message, m)}</p>
                    <span className="flex flex-wrap items-center gap-2">
                      {m.isUrgent && <Badge tone="red">Urgent</Badge>}
                      <Badge tone={STATUS_TONE[m.status] ?? "slate"}>{STATUS_LABEL[m.status] ?? m.status}</Badge>
                      <Link href={`/t/${team.slug}/inbox/${m.id}`} className="text-xs font-medium text-brand-700 hover:underline">Open in inbox</Link>
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
      </div>
    </>
  );
}

function EventData({ data }: { data: Record<string, unknown> }) {
  const entries = Object.entries(data).filter(([, v]) => v !== null && v !== undefined && v !== "");
  if (entries.length === 0) return null;
  return (
    <span className="mt-0.5 block break-words font-mono text-xs text-slate-500">
      {entries.map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`).join(" · ").slice(0, 300)}
    </span>
  );
}

const ms = (v: number | null) => (v === null ? "—" : `${v}`);

function LatencyTable({ turns }: { turns: CallTurn[] }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm tabular-nums" aria-label="Latency per turn">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th className="py-2 pr-3 font-medium">Turn</th>
            <th className="py-2 pr-3 font-medium">Endpointing</th>
            <th className="py-2 pr-3 font-medium">STT final</th>
            <th className="py-2 pr-3 font-medium">LLM first token</th>
            <th className="py-2 pr-3 font-medium">TTS first byte</th>
            <th className="py-2 pr-3 font-medium">First audio</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {turns.map((t) => (
            <tr key={t.seq}>
              <td className="py-1.5 pr-3 font-mono text-xs">{formatClock(t.startMs)}</td>
              <td className="py-1.5 pr-3">{ms(t.endpointingMs)}</td>
              <td className="py-1.5 pr-3">{ms(t.sttFinalMs)}</td>
              <td className="py-1.5 pr-3">{ms(t.llmFirstTokenMs)}</td>
              <td className="py-1.5 pr-3">{ms(t.ttsFirstByteMs)}</td>
              <td className={`py-1.5 pr-3 font-medium ${t.firstAudioMs !== null && t.firstAudioMs > 1500 ? "text-red-700" : ""}`}>{ms(t.firstAudioMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="mt-2 text-xs text-slate-500">Milliseconds after the caller stopped speaking.</p>
    </div>
  );
}
