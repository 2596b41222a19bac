import { z } from "zod";
import { ZBusinessHours, ZCaptureField } from "@/lib/agents/config";
import { defineEndpoint, ZId, page, ZIdParams } from "./define";

// /agents: agents, their draft settings, and publishing the draft as the next live version.

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
