import type { z } from "zod";
import type { Agent, AgentVersion, Call, CallEvent, CallTurn } from "@/db/schema";
import type { TAgentListItem } from "@/lib/agents/list-agents";
import { normalizeConfig } from "@/lib/agents/draft-snapshot";
import type { TNumberListItem } from "@/lib/numbers/list-numbers";
import type { TCallDetail } from "@/lib/calls/get-call";
import type { ZAgentDetailOut, ZAgentOut } from "./endpoints/agents";
import type { ZCallDetailOut, ZCallEventOut, ZCallOut, ZCallTurnOut } from "./endpoints/calls";
import type { ZMemberOut } from "./endpoints/members";
import type { ZPhoneNumberOut } from "./endpoints/phone-numbers";

// Database rows to the public JSON shapes (snake_case, ISO times). Only fields listed in the schemas leave.

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

export function toCallOut(c: Call & { agentName: string | null; phoneNumberE164: string | null }): z.input<typeof ZCallOut> {
  return {
    id: c.id,
    agent_id: c.agentId,
    agent_name: c.agentName,
    phone_number_id: c.phoneNumberId,
    phone_number: c.phoneNumberE164,
    direction: c.direction,
    is_test: c.isTest,
    from: c.fromNumber,
    to: c.toNumber,
    status: c.status,
    outcome: c.outcome,
    end_reason: c.endReason,
    transferred_to: c.transferredTo,
    started_at: iso(c.startedAt),
    answered_at: isoOrNull(c.answeredAt),
    ended_at: isoOrNull(c.endedAt),
    duration_sec: c.durationSec,
    has_recording: !!c.recordingPath,
    analysis_status: c.analysisStatus,
    summary: c.summary,
    sentiment: c.sentiment,
    sentiment_score: c.sentimentScore,
    topic: c.topic,
    captured_fields: c.capturedFields,
    turn_count: c.turnCount,
    voice_to_voice_p50_ms: c.voiceToVoiceP50Ms,
    voice_to_voice_p95_ms: c.voiceToVoiceP95Ms,
  };
}

export function toCallDetailOut(c: TCallDetail): z.input<typeof ZCallDetailOut> {
  return {
    ...toCallOut(c),
    agent_version: c.agentVersion,
    turns: c.turns.map(toCallTurnOut),
    events: c.events.map(toCallEventOut),
    messages: c.messages.map((m) => ({
      caller_name: m.callerName,
      callback_number: m.callbackNumber,
      message: m.message,
      status: m.status,
      created_at: iso(m.createdAt),
    })),
  };
}

export function toCallTurnOut(t: Pick<CallTurn, "seq" | "speaker" | "text" | "startMs" | "endMs" | "isInterrupted" | "sentiment" | "firstAudioMs">): z.input<typeof ZCallTurnOut> {
  return {
    seq: t.seq,
    speaker: t.speaker,
    text: t.text,
    start_ms: t.startMs,
    end_ms: t.endMs,
    is_interrupted: t.isInterrupted,
    sentiment: t.sentiment,
    first_audio_ms: t.firstAudioMs,
  };
}

export function toCallEventOut(e: Pick<CallEvent, "atMs" | "kind" | "name" | "data">): z.input<typeof ZCallEventOut> {
  return { at_ms: e.atMs, kind: e.kind, name: e.name, data: e.data };
}

export function toAgentOut(a: TAgentListItem): z.input<typeof ZAgentOut> {
  return {
    id: a.id,
    name: a.name,
    template_key: a.templateKey,
    live_version: a.liveVersion,
    has_unpublished_changes: a.hasUnpublishedChanges,
    call_count: a.callCount,
    draft_updated_at: iso(a.draftUpdatedAt),
  };
}

export function toAgentDetailOut(a: Agent, live: AgentVersion | null): z.input<typeof ZAgentDetailOut> {
  const config = normalizeConfig(a.config);
  return {
    id: a.id,
    name: a.name,
    template_key: a.templateKey,
    config: {
      systemPrompt: config.systemPrompt,
      greeting: config.greeting,
      disclosure: config.disclosure,
      recordingMode: config.recordingMode,
      language: config.language,
      voice: config.voice,
      businessHours: config.businessHours,
      interruptionMinSpeechMs: config.interruptionMinSpeechMs,
      endpointingSilenceMs: config.endpointingSilenceMs,
      maxCallDurationSec: config.maxCallDurationSec,
      silenceTimeoutSec: config.silenceTimeoutSec,
      captureFields: config.captureFields,
    },
    live_version: live ? { id: live.id, version: live.version, note: live.note, published_at: iso(live.createdAt) } : null,
    draft_updated_at: iso(a.draftUpdatedAt),
    created_at: iso(a.createdAt),
  };
}

export function toPhoneNumberOut(n: TNumberListItem): z.input<typeof ZPhoneNumberOut> {
  return {
    id: n.id,
    e164: n.e164,
    friendly_name: n.friendlyName,
    country: n.country,
    source: n.source,
    is_voice_configured: n.isVoiceConfigured,
    agent: n.agent ? { id: n.agent.id, name: n.agent.name, is_live: n.agent.isLive } : null,
    calls_today: n.callsToday,
    created_at: iso(n.createdAt),
  };
}

export function toMemberOut(m: { userId: string; name: string | null; email: string; role: "owner" | "admin" | "member" | "viewer"; joinedAt: Date }): z.input<typeof ZMemberOut> {
  return { user_id: m.userId, name: m.name, email: m.email, role: m.role, joined_at: iso(m.joinedAt) };
}
