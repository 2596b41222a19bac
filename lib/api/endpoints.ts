import { z } from "zod";
import { ZBusinessHours, ZCaptureField } from "@/lib/agents/config";
import { CALL_OUTCOMES, CALL_SENTIMENTS as SENTIMENTS } from "@/lib/calls/list-calls";
import { zFreeText } from "@/lib/validation/free-text";
import { defineEndpoint } from "./openapi";
// Registers /callers and /messages with the rest (the OpenAPI document lists every registered endpoint).
import "./inbox-endpoints";

// Every /api/v1 endpoint with the schemas that validate it. Route handlers import their endpoint from here;
// /api/v1/openapi.json is generated from the same objects. JSON fields are snake_case; times are ISO 8601 UTC.

const ZId = z.uuid("Must be a UUID");
const ZTime = z.iso.datetime({ offset: true, error: "Must be an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z" });
const ZLimit = z.coerce.number().int().min(1).max(100).default(50).describe("Page size, 1 to 100.");
const ZCursor = z.string().min(1).max(500).optional().describe("The `next_cursor` of the previous page.");
const ZNextCursor = z.string().nullable().describe("Pass as `cursor` to get the next page; null on the last page.");

function page<T extends z.ZodType>(item: T, id: string) {
  return z.object({ data: z.array(item), next_cursor: ZNextCursor }).meta({ id });
}

export { CALL_OUTCOMES };

// ---- calls

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

export const ZIdParams = z.object({ id: ZId });

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

// ---- agents

export const ZAgentOut = z
  .object({
    id: ZId,
    name: z.string(),
    template_key: z.string().nullable(),
    live_version: z.number().int().nullable().describe("The published version live calls use; null before the first publish."),
    has_unpublished_changes: z.boolean(),
    call_count: z.number().int(),
    draft_updated_at: z.string(),
  })
  .meta({ id: "Agent" });

const ZBusinessHoursOut = z.object({
  isEnabled: z.boolean(),
  timeZone: z.string(),
  weekly: z.array(z.object({ day: z.number().int(), open: z.string(), close: z.string() })),
  afterHours: z.enum(["take_message", "hang_up"]),
  afterHoursMessage: z.string(),
});

export const ZAgentConfigOut = z
  .object({
    systemPrompt: z.string(),
    greeting: z.string(),
    disclosure: z.string(),
    recordingMode: z.enum(["record", "do_not_record", "ask_consent"]),
    language: z.string(),
    voice: z.string(),
    businessHours: ZBusinessHoursOut,
    interruptionMinSpeechMs: z.number().int(),
    endpointingSilenceMs: z.number().int(),
    maxCallDurationSec: z.number().int(),
    silenceTimeoutSec: z.number().int(),
    captureFields: z.array(z.object({ key: z.string(), label: z.string(), description: z.string() })),
  })
  .meta({ id: "AgentConfig" });

export const ZAgentDetailOut = z
  .object({
    id: ZId,
    name: z.string(),
    template_key: z.string().nullable(),
    config: ZAgentConfigOut.describe("The draft. Calls use the live version until the draft is published."),
    live_version: z
      .object({ id: ZId, version: z.number().int(), note: z.string().nullable(), published_at: z.string() })
      .nullable(),
    draft_updated_at: z.string(),
    created_at: z.string(),
  })
  .meta({ id: "AgentDetail" });

export const listAgentsEndpoint = defineEndpoint({
  method: "GET",
  path: "/agents",
  operationId: "listAgents",
  summary: "List agents",
  description: "A team has few agents: the whole list comes in one page (`next_cursor` is null).",
  tag: "Agents",
  permission: "team.view",
  response: page(ZAgentOut, "AgentPage"),
});

export const getAgentEndpoint = defineEndpoint({
  method: "GET",
  path: "/agents/{id}",
  operationId: "getAgent",
  summary: "Get an agent with its draft settings",
  tag: "Agents",
  permission: "team.view",
  params: ZIdParams,
  response: ZAgentDetailOut,
});

// Only the fields sent are changed; the result must still be valid settings.
export const ZAgentDraftPatch = z
  .object({
    name: z.string().trim().min(1).max(80).optional(),
    config: z
      .object({
        systemPrompt: z.string().max(20_000).optional(),
        greeting: z.string().trim().min(1).max(500).optional(),
        disclosure: z.string().max(500).optional(),
        recordingMode: z.enum(["record", "do_not_record", "ask_consent"]).optional(),
        language: z.string().min(2).max(10).optional(),
        voice: z.string().min(1).max(80).optional(),
        businessHours: ZBusinessHours.optional(),
        interruptionMinSpeechMs: z.number().int().min(50).max(2000).optional(),
        endpointingSilenceMs: z.number().int().min(100).max(3000).optional(),
        maxCallDurationSec: z.number().int().min(30).max(4 * 3600).optional(),
        silenceTimeoutSec: z.number().int().min(5).max(600).optional(),
        captureFields: z.array(ZCaptureField).max(20).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((p) => p.name !== undefined || (p.config && Object.keys(p.config).length > 0), "Send `name` and/or `config` fields to change")
  .meta({ id: "AgentDraftPatch" });

export const updateAgentEndpoint = defineEndpoint({
  method: "PATCH",
  path: "/agents/{id}",
  operationId: "updateAgentDraft",
  summary: "Update an agent's draft",
  description: "Changes the draft only; live calls keep using the published version until you publish.",
  tag: "Agents",
  permission: "agents.edit",
  params: ZIdParams,
  body: ZAgentDraftPatch,
  response: ZAgentDetailOut,
});

export const ZPublishBody = z.object({ note: z.string().trim().max(200).optional() }).strict().meta({ id: "PublishRequest" });

export const publishAgentEndpoint = defineEndpoint({
  method: "POST",
  path: "/agents/{id}/publish",
  operationId: "publishAgent",
  summary: "Publish the draft as the next live version",
  description:
    "400 lists what must be fixed first; 409 when the draft equals the live version, or when the team requires a passing test suite (Settings) and the draft has no finished run of exactly this draft, a run is still going, or scenarios fail; the message says which, and how many of them are regressions (passed on the live version's latest run).",
  tag: "Agents",
  permission: "agents.publish",
  params: ZIdParams,
  body: ZPublishBody,
  status: 201,
  response: z
    .object({ agent_id: ZId, version: z.number().int(), version_id: ZId, note: z.string().nullable(), published_at: z.string() })
    .meta({ id: "PublishedVersion" }),
});

// ---- phone numbers

export const ZPhoneNumberOut = z
  .object({
    id: ZId,
    e164: z.string(),
    friendly_name: z.string(),
    country: z.string(),
    source: z.enum(["purchased", "imported"]),
    is_voice_configured: z.boolean(),
    agent: z.object({ id: ZId, name: z.string(), is_live: z.boolean() }).nullable(),
    calls_today: z.number().int().describe("Calls since midnight UTC."),
    created_at: z.string(),
  })
  .meta({ id: "PhoneNumber" });

export const listNumbersEndpoint = defineEndpoint({
  method: "GET",
  path: "/phone-numbers",
  operationId: "listPhoneNumbers",
  summary: "List active phone numbers",
  description: "The whole list comes in one page (`next_cursor` is null).",
  tag: "Phone numbers",
  permission: "team.view",
  response: page(ZPhoneNumberOut, "PhoneNumberPage"),
});

// ---- members

export const ZMemberOut = z
  .object({
    user_id: z.string(),
    name: z.string().nullable(),
    email: z.string(),
    role: z.enum(["owner", "admin", "member", "viewer"]),
    joined_at: z.string(),
  })
  .meta({ id: "Member" });

export const listMembersEndpoint = defineEndpoint({
  method: "GET",
  path: "/members",
  operationId: "listMembers",
  summary: "List members",
  description: "The whole list comes in one page (`next_cursor` is null).",
  tag: "Members",
  permission: "team.view",
  response: page(ZMemberOut, "MemberPage"),
});

export const ZInviteBody = z
  .object({
    email: z.email().trim().toLowerCase(),
    role: z.enum(["admin", "member", "viewer"]).describe("API keys act at most as admins, so they cannot invite owners."),
  })
  .strict()
  .meta({ id: "InviteRequest" });

export const inviteMemberEndpoint = defineEndpoint({
  method: "POST",
  path: "/members",
  operationId: "inviteMember",
  summary: "Invite a member",
  description: "Returns the single-use invitation link to send to them (valid for 7 days). No email is sent.",
  tag: "Members",
  permission: "members.invite",
  body: ZInviteBody,
  status: 201,
  response: z
    .object({ invitation_id: ZId, email: z.string(), role: z.string(), invite_url: z.string() })
    .meta({ id: "Invitation" }),
});

export const removeMemberEndpoint = defineEndpoint({
  method: "DELETE",
  path: "/members/{user_id}",
  operationId: "removeMember",
  summary: "Remove a member",
  description:
    "Needs the same permission as in the web app, where only owners may remove members. API keys act with their creator's role capped at admin, so a key always gets 403 here: remove members in the web app.",
  tag: "Members",
  permission: "members.remove",
  params: z.object({ user_id: z.string().min(1).max(200) }),
  status: 204,
  response: z.null(),
});

// ---- analytics

const ZRange = z.object({
  from: ZTime.optional().describe("Start (inclusive). Default: 30 days before `to`."),
  to: ZTime.optional().describe("End (exclusive). Default: now."),
});

export const ZAnalyticsSummaryOut = z
  .object({
    from: z.string(),
    to: z.string(),
    total_calls: z.number().int(),
    answered_calls: z.number().int(),
    completed_calls: z.number().int(),
    outcomes: z.object(Object.fromEntries(CALL_OUTCOMES.map((o) => [o, z.number().int()])) as Record<(typeof CALL_OUTCOMES)[number], z.ZodNumber>),
    resolution_rate: z.number().nullable().describe("Resolved / calls with an outcome; null without such calls."),
    avg_duration_sec: z.number().nullable(),
    sentiment: z.object({ positive: z.number().int(), neutral: z.number().int(), negative: z.number().int() }),
  })
  .meta({ id: "AnalyticsSummary" });

export const analyticsSummaryEndpoint = defineEndpoint({
  method: "GET",
  path: "/analytics/summary",
  operationId: "getAnalyticsSummary",
  summary: "Call counts, outcomes and sentiment for a period",
  description: "Counts calls started in [from, to). Test calls are excluded.",
  tag: "Analytics",
  permission: "calls.view",
  query: ZRange,
  response: ZAnalyticsSummaryOut,
});

export const TIMESERIES_METRICS = ["calls", "answered", "resolved", "abandoned", "transferred", "avg_duration_sec"] as const;

export const ZTimeseriesQuery = ZRange.extend({
  metric: z.enum(TIMESERIES_METRICS).default("calls"),
  interval: z.enum(["hour", "day", "week"]).default("day").describe("Buckets in UTC; weeks start on Monday."),
});

export const analyticsTimeseriesEndpoint = defineEndpoint({
  method: "GET",
  path: "/analytics/timeseries",
  operationId: "getAnalyticsTimeseries",
  summary: "A metric per hour, day or week",
  description: "Every bucket in the range is present, with 0 (or null for averages) when there were no calls. At most 1,000 buckets.",
  tag: "Analytics",
  permission: "calls.view",
  query: ZTimeseriesQuery,
  response: z
    .object({
      metric: z.enum(TIMESERIES_METRICS),
      interval: z.enum(["hour", "day", "week"]),
      from: z.string(),
      to: z.string(),
      data: z.array(z.object({ bucket_start: z.string(), value: z.number().nullable() })),
    })
    .meta({ id: "AnalyticsTimeseries" }),
});

// ---- data retention

const ZRetentionDaysIn = z
  .number({ error: "Must be a whole number of days, or null to keep forever" })
  .int("Must be a whole number of days")
  .min(1, "Must be at least 1 day")
  .max(3650, "Must be at most 3650 days; use null to keep forever")
  .nullable();

const RETENTION_FIELDS = {
  recordings_days: "Recordings: audio on disk or in S3, and voicemails Twilio holds. Default 90.",
  transcripts_days: "Transcripts: turns and call timelines; the calls stay. At most `calls_days`. Default 365.",
  calls_days: "Calls with their analysis (summary, sentiment, captured fields). Dashboard totals stay. Default 365.",
  messages_days: "Messages the agent took. Default 365.",
  webhook_payloads_days: "Finished webhook deliveries with their payloads. Default 365.",
  test_calls_days: "Test calls from the agent builder, with everything they hold. Default 365.",
} as const;
type TRetentionField = keyof typeof RETENTION_FIELDS;

const ZRetentionCountsOut = z
  .object({
    recordings: z.number().int(),
    transcript_turns: z.number().int(),
    call_events: z.number().int(),
    calls: z.number().int(),
    messages: z.number().int(),
    webhook_deliveries: z.number().int(),
    test_calls: z.number().int(),
  })
  .meta({ id: "RetentionCounts" });

export const ZRetentionPolicyOut = z
  .object({
    ...(Object.fromEntries(Object.entries(RETENTION_FIELDS).map(([k, d]) => [k, z.number().int().nullable().describe(`${d} null: kept forever.`)])) as Record<
      TRetentionField,
      z.ZodNullable<z.ZodNumber>
    >),
    audit_log_min_days: z.number().int().describe("Audit entries are kept at least this long; purges never remove them."),
    last_purge: z
      .object({ finished_at: z.string(), status: z.enum(["succeeded", "partial"]), counts: ZRetentionCountsOut, errors: z.array(z.string()) })
      .nullable()
      .describe("The last hourly purge of this team; null before the first."),
    next_purge: z
      .object({ at: z.string(), counts: ZRetentionCountsOut })
      .describe("When the next purge runs and what it would remove under this policy (a dry run of the purge itself)."),
  })
  .meta({ id: "RetentionPolicy" });

export const ZRetentionPolicyPatch = z
  .object(
    Object.fromEntries(Object.entries(RETENTION_FIELDS).map(([k, d]) => [k, ZRetentionDaysIn.optional().describe(`${d} null: keep forever.`)])) as Record<
      TRetentionField,
      z.ZodOptional<typeof ZRetentionDaysIn>
    >,
  )
  .strict()
  .meta({ id: "RetentionPolicyPatch" });

export const getRetentionPolicyEndpoint = defineEndpoint({
  method: "GET",
  path: "/retention-policy",
  operationId: "getRetentionPolicy",
  summary: "Get the data retention policy",
  description: "Periods in days per kind of data (null keeps it forever), the last purge and what the next one would remove.",
  tag: "Data retention",
  permission: "team.view",
  response: ZRetentionPolicyOut,
});

export const updateRetentionPolicyEndpoint = defineEndpoint({
  method: "PATCH",
  path: "/retention-policy",
  operationId: "updateRetentionPolicy",
  summary: "Change retention periods",
  description:
    "Only the fields sent change. A shorter period takes effect at the next hourly purge, which deletes for good: read `next_purge` of the answer. " +
    "Recordings and transcripts can't be kept longer than calls.",
  tag: "Data retention",
  permission: "team.update_settings",
  body: ZRetentionPolicyPatch,
  response: ZRetentionPolicyOut,
});

// ---- caller data requests (GDPR / CCPA)

const ZCallerNumber = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .describe("The caller's phone number in any common format; national numbers are read in the country of the team's first number.");

export const ZCallerLookupBody = z.object({ number: ZCallerNumber }).strict().meta({ id: "CallerLookupRequest" });

export const ZCallerDataOut = z
  .object({
    generated_at: z.string(),
    controller: z.string().describe("The team's name."),
    caller_number: z.string().describe("The number, normalized to E.164."),
    calls: z.array(
      z.object({
        id: ZId,
        direction: z.string(),
        is_test: z.boolean(),
        from: z.string(),
        to: z.string(),
        business_number: z.string().nullable(),
        agent: z.string().nullable(),
        status: z.string(),
        outcome: z.string().nullable(),
        end_reason: z.string().nullable(),
        transferred_to: z.string().nullable(),
        started_at: z.string().nullable(),
        answered_at: z.string().nullable(),
        ended_at: z.string().nullable(),
        duration_sec: z.number().int().nullable(),
        is_live: z.boolean(),
        recording_file: z.string().nullable().describe("Its file name in the export zip; null without a recording."),
        analysis: z.object({
          status: z.string(),
          summary: z.string().nullable(),
          sentiment: z.string().nullable(),
          sentiment_score: z.number().nullable(),
          topic: z.string().nullable(),
          analyzed_at: z.string().nullable(),
        }),
        captured_fields: z.record(z.string(), z.string()),
        transcript: z.array(
          z.object({
            seq: z.number().int(),
            speaker: z.string(),
            text: z.string(),
            start_ms: z.number().int(),
            end_ms: z.number().int(),
            is_interrupted: z.boolean(),
            sentiment: z.string().nullable(),
          }),
        ),
        events: z.array(z.object({ at_ms: z.number().int(), kind: z.string(), name: z.string(), data: z.record(z.string(), z.unknown()) })),
      }),
    ),
    messages: z.array(
      z.object({
        id: ZId,
        call_id: ZId.nullable(),
        caller_name: z.string(),
        callback_number: z.string(),
        message: z.string(),
        status: z.string(),
        created_at: z.string().nullable(),
        handled_at: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: "CallerData" });

export const lookupCallerEndpoint = defineEndpoint({
  method: "POST",
  path: "/caller-data/lookup",
  operationId: "lookupCallerData",
  summary: "Everything the team holds about a caller number",
  description: "A POST so the number never appears in URLs or access logs. Every lookup is written to the audit log (with a keyed hash of the number).",
  tag: "Caller data",
  permission: "privacy.manage",
  body: ZCallerLookupBody,
  response: ZCallerDataOut,
});

export const ZPrivacyRequestOut = z
  .object({
    id: ZId,
    kind: z.enum(["export", "erasure"]),
    law: z.enum(["gdpr", "ccpa"]),
    status: z.enum(["received", "processing", "waiting_for_call", "completed", "failed"]).describe(
      "`waiting_for_call`: an erasure waits for a live call from the number to end. `failed` requests are retried automatically; `error` says why.",
    ),
    caller_hint: z.string().describe("The number's last two digits; the register never stores the number."),
    note: z.string(),
    received_at: z.string(),
    due_at: z.string().describe("30 days after receipt under GDPR, 45 under CCPA."),
    completed_at: z.string().nullable(),
    requested_by: z.string(),
    counts: z.record(z.string(), z.number()).describe("What was exported or erased, by kind."),
    error: z.string().nullable(),
    download_url: z.string().nullable().describe("Exports: GET it with the same API key while it has not expired."),
    download_expires_at: z.string().nullable(),
  })
  .meta({ id: "PrivacyRequest" });

export const ZPrivacyRequestBody = z
  .object({
    number: ZCallerNumber,
    law: z.enum(["gdpr", "ccpa"]).describe("Sets the due date: 30 days (GDPR) or 45 days (CCPA)."),
    note: z.string().trim().max(500).optional(),
  })
  .strict()
  .meta({ id: "PrivacyRequestCreate" });

export const createExportEndpoint = defineEndpoint({
  method: "POST",
  path: "/caller-data/exports",
  operationId: "createCallerDataExport",
  summary: "Export a caller's data (right of access / to know)",
  description:
    "Records the request in the register and builds a zip: caller-data.json, the recordings as WAV, README.txt. Small exports are `completed` in the response; large ones are built in the background: poll GET /caller-data/requests/{id}.",
  tag: "Caller data",
  permission: "privacy.manage",
  body: ZPrivacyRequestBody,
  status: 201,
  response: ZPrivacyRequestOut,
});

export const createErasureEndpoint = defineEndpoint({
  method: "POST",
  path: "/caller-data/erasures",
  operationId: "createCallerDataErasure",
  summary: "Erase a caller's data (right to erasure / to delete)",
  description:
    "Deletes every call, transcript, event, recording (storage and Twilio), message, analysis and webhook payload of the number in this team. Analytics counts stay. A call from the number that is live is erased when it ends (`waiting_for_call`). Cannot be undone.",
  tag: "Caller data",
  permission: "privacy.manage",
  body: ZPrivacyRequestBody,
  status: 201,
  response: ZPrivacyRequestOut,
});

export const listPrivacyRequestsEndpoint = defineEndpoint({
  method: "GET",
  path: "/caller-data/requests",
  operationId: "listCallerDataRequests",
  summary: "The register of caller data requests, newest first",
  description: "The latest 200 requests in one page (`next_cursor` is null).",
  tag: "Caller data",
  permission: "privacy.manage",
  response: page(ZPrivacyRequestOut, "PrivacyRequestPage"),
});

export const getPrivacyRequestEndpoint = defineEndpoint({
  method: "GET",
  path: "/caller-data/requests/{id}",
  operationId: "getCallerDataRequest",
  summary: "One request of the register, with its status",
  tag: "Caller data",
  permission: "privacy.manage",
  params: ZIdParams,
  response: ZPrivacyRequestOut,
});

export const downloadExportEndpoint = defineEndpoint({
  method: "GET",
  path: "/caller-data/requests/{id}/download",
  operationId: "downloadCallerDataExport",
  summary: "Download a completed export (zip)",
  description: "409 while the export is being built; 404 once it has expired or the caller was erased since.",
  tag: "Caller data",
  permission: "privacy.manage",
  params: ZIdParams,
  contentType: "application/zip",
  response: z.string(),
});

// ---- agent test suites

export const ZTestRunBody = z
  .object({
    version: z.enum(["draft", "live"], { error: 'Must be "draft" or "live"' }).default("draft").describe("Run the suite against the draft or the live version."),
    mode: z
      .enum(["text", "voice"], { error: 'Must be "text" or "voice"' })
      .default("text")
      .describe("text: typed caller lines through the call loop (seconds per scenario). voice: caller lines synthesized and sent as phone audio through the real loop, speech-to-text included (real time; each scenario is a recorded test call)."),
  })
  .strict()
  .meta({ id: "TestRunRequest" });

export const ZTestRunOut = z
  .object({
    id: ZId,
    agent_id: ZId,
    version: z.enum(["draft", "live"]),
    agent_version: z.number().int().nullable().describe("The version number run (live), or the one the draft was identical to; null for unpublished changes."),
    mode: z.enum(["text", "voice"]),
    status: z.enum(["queued", "running", "done", "failed"]).describe("`failed`: the run could not run (see `error`); failed scenarios end as `done` with `passed: false`."),
    passed: z.boolean().nullable().describe("Every scenario passed. Null until the run is finished: poll until it is not."),
    counts: z.object({ total: z.number().int(), completed: z.number().int(), passed: z.number().int(), failed: z.number().int() }),
    error: z.string().nullable(),
    started_by: z.string(),
    queued_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    results: z.array(
      z.object({
        scenario_id: ZId.nullable(),
        scenario_name: z.string(),
        passed: z.boolean(),
        error: z.string().nullable().describe("Why the scenario could not run to its end (e.g. it timed out)."),
        expectations: z.array(
          z.object({ kind: z.string(), passed: z.boolean(), reason: z.string(), judged_by: z.enum(["llm", "rules"]).optional().describe("For a judge instruction: the LLM (Gemini key set) or the deterministic rules.") }),
        ),
        transcript: z.array(
          z.object({
            speaker: z.enum(["caller", "agent", "event"]),
            text: z.string().describe("For a caller turn in voice mode: what speech-to-text heard."),
            at_ms: z.number().int(),
            said: z.string().optional().describe("Voice mode: the scripted line this caller turn was, when turns and lines match one to one."),
            interrupted: z.boolean().optional(),
          }),
        ),
        reply_latencies_ms: z.array(z.number().int().nullable()).describe("Per caller line: until the agent started answering; null when it never did."),
        greeting_ms: z.number().int().nullable().describe("Until the agent's first words."),
        duration_ms: z.number().int(),
        call_id: ZId.nullable().describe("The test call (is_test) the scenario made."),
        has_recording: z.boolean().describe("Voice mode: the test call's recording is kept (played on the agent's Tests tab) under the team's retention."),
      }),
    ),
  })
  .meta({ id: "TestRun" });

export const startTestRunEndpoint = defineEndpoint({
  method: "POST",
  path: "/agents/{id}/test-runs",
  operationId: "startTestRun",
  summary: "Run the agent's test suite",
  description:
    "Queues a run of every scenario of the agent's suite, in text mode (typed caller lines through the real call loop, as test calls) or voice mode (synthesized caller audio through the voice server, speech-to-text included). Poll GET /test-runs/{id} until `status` is `done` or `failed`; `passed` then says whether every scenario passed. 400 when the suite is empty, or `live` is asked for an agent with no live version; 429 when the team already has 5 runs waiting or running.",
  tag: "Agents",
  permission: "test_calls.start",
  params: ZIdParams,
  body: ZTestRunBody,
  status: 201,
  response: ZTestRunOut,
});

export const getTestRunEndpoint = defineEndpoint({
  method: "GET",
  path: "/test-runs/{id}",
  operationId: "getTestRun",
  summary: "A test suite run: status, counts and per-scenario results",
  tag: "Agents",
  permission: "team.view",
  params: ZIdParams,
  response: ZTestRunOut,
});
