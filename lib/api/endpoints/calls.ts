import { z } from "zod";
import { CALL_OUTCOMES, CALL_SENTIMENTS as SENTIMENTS } from "@/lib/calls/list-calls";
import { zFreeText } from "@/lib/validation/free-text";
import { defineEndpoint, ZId, ZTime, ZLimit, ZCursor, page, ZIdParams } from "./define";

// GET /calls and /calls/{id}: calls with their transcript, timeline and analysis.

export const ZCallOut = z
  .object({
    id: ZId,
    agent_id: ZId.nullable(),
    agent_name: z.string().nullable(),
    phone_number_id: ZId.nullable(),
    phone_number: z.string().nullable().describe("The team's number that was called (E.164)."),
    direction: z.enum(["inbound", "web"]),
    is_test: z.boolean(),
    from: z.string(),
    to: z.string(),
    status: z.enum(["ringing", "in_progress", "completed", "busy", "no_answer", "failed", "canceled"]),
    outcome: z.enum(CALL_OUTCOMES).nullable(),
    end_reason: z.string().nullable(),
    transferred_to: z.string().nullable(),
    started_at: z.string(),
    answered_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    duration_sec: z.number().int().nullable(),
    has_recording: z.boolean(),
    analysis_status: z.enum(["pending", "running", "done", "failed", "skipped"]),
    summary: z.string().nullable(),
    sentiment: z.enum(SENTIMENTS).nullable(),
    sentiment_score: z.number().nullable(),
    topic: z.string().nullable(),
    captured_fields: z.record(z.string(), z.string()),
    turn_count: z.number().int(),
    voice_to_voice_p50_ms: z.number().int().nullable(),
    voice_to_voice_p95_ms: z.number().int().nullable(),
  })
  .meta({ id: "Call" });

export const ZCallTurnOut = z
  .object({
    seq: z.number().int(),
    speaker: z.enum(["caller", "agent"]),
    text: z.string(),
    start_ms: z.number().int().describe("Offset from the start of the call."),
    end_ms: z.number().int(),
    is_interrupted: z.boolean().describe("The caller talked over this agent turn; `text` is what was actually said."),
    sentiment: z.enum(SENTIMENTS).nullable(),
    first_audio_ms: z.number().int().nullable().describe("Agent turns: voice-to-voice latency at the server."),
  })
  .meta({ id: "CallTurn" });

export const ZCallEventOut = z
  .object({
    at_ms: z.number().int(),
    kind: z.enum(["tool_call", "transfer", "error", "dtmf", "barge_in", "status"]),
    name: z.string(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "CallEvent" });

export const ZCallerMessageOut = z
  .object({ caller_name: z.string(), callback_number: z.string(), message: z.string(), status: z.enum(["new", "assigned", "handled", "spam"]), created_at: z.string() })
  .meta({ id: "CallerMessage" });

export const ZCallDetailOut = ZCallOut.extend({
  agent_version: z.number().int().nullable().describe("The published agent version the call used."),
  turns: z.array(ZCallTurnOut),
  events: z.array(ZCallEventOut).describe("Tool calls, transfers, errors and other moments of the call."),
  messages: z.array(ZCallerMessageOut).describe("Messages the agent took during the call."),
}).meta({ id: "CallDetail" });

export const ZCallsQuery = z.object({
  from: ZTime.optional().describe("Calls started at or after this time."),
  to: ZTime.optional().describe("Calls started before this time."),
  agent_id: ZId.optional(),
  phone_number_id: ZId.optional(),
  outcome: z.enum(CALL_OUTCOMES).optional(),
  sentiment: z.enum(SENTIMENTS).optional(),
  topic: zFreeText().trim().min(1).max(200).optional().describe("Calls whose topic contains this text."),
  topic_cluster_id: ZId.optional(),
  q: zFreeText().trim().min(1).max(200).optional().describe('Full-text search in transcripts: words, "quoted phrases", -excluded.'),
  test_calls: z.enum(["exclude", "include", "only"]).default("exclude").describe("Test calls from the agent builder."),
  cursor: ZCursor,
  limit: ZLimit,
});

export const listCallsEndpoint = defineEndpoint({
  method: "GET",
  path: "/calls",
  operationId: "listCalls",
  summary: "List calls, newest first",
  description: "The same filters as the calls page. Paginated with `cursor`; test calls are excluded unless `test_calls` says otherwise.",
  tag: "Calls",
  permission: "calls.view",
  query: ZCallsQuery,
  response: page(ZCallOut, "CallPage"),
});

export const getCallEndpoint = defineEndpoint({
  method: "GET",
  path: "/calls/{id}",
  operationId: "getCall",
  summary: "Get a call with its transcript and analysis",
  tag: "Calls",
  permission: "calls.view",
  params: ZIdParams,
  response: ZCallDetailOut,
});
