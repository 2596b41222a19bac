import { z } from "zod";
import { defineEndpoint, ZId, page, ZIdParams } from "./define";

// /caller-data: a caller's data on request (GDPR / CCPA): lookup, export, erasure and the register of requests.

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
