import { z } from "zod";
import { zFreeText } from "@/lib/validation/free-text";
import { defineEndpoint, ZId, ZIdParams, ZLimit } from "./define";

// /callers and /messages: the caller directory and the inbox.

const ZUserId = z.string().min(1).max(100).describe("A member's user id (see GET /members).");
const ZDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "Must be a date like 2026-12-01");

export const ZCallerOut = z
  .object({
    id: ZId,
    phone_number: z.string().describe("E.164."),
    name: z.string().describe("From the messages and captured fields, unless a member edited it; empty when unknown."),
    first_call_at: z.string().nullable(),
    last_call_at: z.string().nullable(),
    call_count: z.number().int(),
    last_call_id: ZId.nullable(),
    last_outcome: z.string().nullable(),
    notes: z.string(),
    tags: z.array(z.string()),
    is_vip: z.boolean(),
    is_blocked: z.boolean().describe("Blocked callers hear a short refusal and never reach the agent."),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "Caller" });

export const listCallersEndpoint = defineEndpoint({
  method: "GET",
  path: "/callers",
  operationId: "listCallers",
  summary: "List or search callers, most recent first",
  description: "`q` finds a number in any common format (whole or in part: `+1 415 555 0101`, `(415) 555-0101`, `5550101`) or a name by the start of any word.",
  tag: "Callers",
  permission: "calls.view",
  query: z.object({
    q: zFreeText().trim().min(1).max(100).optional(),
    flag: z.enum(["vip", "blocked"]).optional(),
    tag: zFreeText().trim().min(1).max(40).optional(),
    cursor: z.string().min(1).max(200).optional().describe("The `next_cursor` of the previous page."),
    limit: ZLimit,
  }),
  response: z.object({ data: z.array(ZCallerOut), next_cursor: z.string().nullable() }).meta({ id: "CallerPage" }),
});

export const getCallerEndpoint = defineEndpoint({
  method: "GET",
  path: "/callers/{id}",
  operationId: "getCaller",
  summary: "Get a caller",
  tag: "Callers",
  permission: "calls.view",
  params: ZIdParams,
  response: ZCallerOut,
});

export const ZCallerPatch = z
  .object({
    name: zFreeText().trim().max(200).optional(),
    notes: zFreeText().max(10_000).optional(),
    tags: z.array(zFreeText().trim().min(1).max(40)).max(20).optional(),
    is_vip: z.boolean().optional(),
    is_blocked: z.boolean().optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, "Send at least one field to change")
  .meta({ id: "CallerPatch" });

export const updateCallerEndpoint = defineEndpoint({
  method: "PATCH",
  path: "/callers/{id}",
  operationId: "updateCaller",
  summary: "Update a caller's name, notes, tags or flags",
  description: "Flag and name changes are recorded in the audit log.",
  tag: "Callers",
  permission: "callers.edit",
  params: ZIdParams,
  body: ZCallerPatch,
  response: ZCallerOut,
});

const STATUSES = ["new", "assigned", "handled", "spam"] as const;

export const ZMessageOut = z
  .object({
    id: ZId,
    call_id: ZId.nullable(),
    caller_id: ZId.nullable(),
    kind: z.enum(["message", "voicemail"]),
    caller_name: z.string(),
    callback_number: z.string(),
    message: z.string(),
    department: z.string().nullable(),
    is_urgent: z.boolean(),
    status: z.enum(STATUSES),
    assignee_id: z.string().nullable(),
    callback_at: z.string().nullable(),
    notes: z.string(),
    handled_by_id: z.string().nullable(),
    handled_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "Message" });

export const listMessagesEndpoint = defineEndpoint({
  method: "GET",
  path: "/messages",
  operationId: "listMessages",
  summary: "List inbox messages, urgent first, then newest",
  description: "`status=open` (the default) is new and assigned messages. Dates are whole UTC days, `to` included.",
  tag: "Messages",
  permission: "calls.view",
  query: z.object({
    status: z.enum([...STATUSES, "open", "all"]).default("open"),
    assignee_id: z.union([ZUserId, z.literal("none")]).optional().describe('A member\'s user id, or "none" for unassigned.'),
    department: zFreeText().trim().min(1).max(200).optional(),
    from: ZDay.optional(),
    to: ZDay.optional(),
    urgent: z.enum(["true", "false"]).optional(),
    caller_id: ZId.optional(),
    page: z.coerce.number().int().min(1).max(10_000).default(1),
    limit: ZLimit,
  }),
  response: z
    .object({ data: z.array(ZMessageOut), total: z.number().int(), page: z.number().int() })
    .meta({ id: "MessagePage" }),
});

export const getMessageEndpoint = defineEndpoint({
  method: "GET",
  path: "/messages/{id}",
  operationId: "getMessage",
  summary: "Get an inbox message",
  tag: "Messages",
  permission: "calls.view",
  params: ZIdParams,
  response: ZMessageOut,
});

export const ZMessagePatch = z
  .object({
    status: z.enum(STATUSES).optional().describe("Marking a message handled records who (the key's creator) and when."),
    assignee_id: ZUserId.nullable().optional().describe("A member of the team; null unassigns."),
    callback_at: z.iso.datetime({ offset: true }).nullable().optional(),
    notes: zFreeText().max(10_000).optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, "Send at least one field to change")
  .meta({ id: "MessagePatch" });

export const updateMessageEndpoint = defineEndpoint({
  method: "PATCH",
  path: "/messages/{id}",
  operationId: "updateMessage",
  summary: "Change a message's status, assignee, callback time or notes",
  description: "Every change is recorded in the audit log.",
  tag: "Messages",
  permission: "messages.handle",
  params: ZIdParams,
  body: ZMessagePatch,
  response: ZMessageOut,
});
