import { z } from "zod";
import type { TAgentSnapshot, TDepartment } from "@/lib/agents/config";
import { MESSAGE_META_KEYS } from "@/lib/calls/take-message";
import type { TToolCall, TToolSpec } from "@/voice-server/providers/types";

// What the model may call during a live call. The side effects (Twilio redirect, saving the message, ending the
// stream) live in the session; this file only describes the tools and checks the arguments a model sends.
//
// Result convention for tool-result messages: `{ ok: true, ... }` on success, `{ ok: false, error }` on failure,
// where `error` is a sentence the model can act on.

export const TOOL_NAMES = ["transfer_call", "end_call", "take_message", "lookup_caller_history"] as const;
export type TToolName = (typeof TOOL_NAMES)[number];

function departmentNames(snapshot: TAgentSnapshot): string[] {
  const seen = new Set<string>();
  const names: string[] = [];
  for (const d of snapshot.departments) {
    const name = d.name.trim();
    if (name === "" || seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    names.push(name);
  }
  return names;
}

// Digits with an optional leading "+"; spaces, dashes, dots and brackets are dropped first.
export function normalizePhoneNumber(raw: string): string | null {
  const trimmed = raw.trim();
  const hasPlus = trimmed.startsWith("+");
  const digits = trimmed.replace(/[\s\-()./]/g, "").replace(/^\+/, "");
  if (!/^[0-9]{7,15}$/.test(digits)) return null;
  return (hasPlus ? "+" : "") + digits;
}

export const ZTransferCallArgs = z.object({
  department: z
    .string({ error: 'Give "department" as a string.' })
    .trim()
    .min(1, 'Give the "department" to transfer to.'),
});

export const ZEndCallArgs = z.object({
  reason: z.string({ error: '"reason" must be a string.' }).trim().max(500).optional(),
});

export const ZTakeMessageArgs = z.object({
  name: z
    .string({ error: 'Give the caller\'s "name" as a string.' })
    .trim()
    .min(1, 'Give the caller\'s "name".')
    .max(200),
  callback_number: z.string({ error: 'Give "callback_number" as a string of digits.' }).transform((value, ctx) => {
    const normalized = normalizePhoneNumber(value);
    if (normalized === null) {
      ctx.addIssue({
        code: "custom",
        message: `"callback_number" must be a phone number of 7 to 15 digits, optionally starting with +. Got "${value}". Ask the caller for the number again.`,
      });
      return z.NEVER;
    }
    return normalized;
  }),
  message: z
    .string({ error: 'Give the "message" as a string.' })
    .trim()
    .min(1, 'Give the caller\'s "message".')
    .max(4000),
  details: z.record(z.string(), z.string().max(1000)).optional(),
  urgent: z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]).optional(),
  department: z.string().trim().max(200).optional(),
});
export type TTakeMessageArgs = z.infer<typeof ZTakeMessageArgs>;

export const ZLookupCallerHistoryArgs = z.object({
  reason: z.string().max(500).optional(),
});

export function toolSpecsFor(snapshot: TAgentSnapshot): TToolSpec[] {
  const specs: TToolSpec[] = [];
  const names = departmentNames(snapshot);
  if (names.length > 0) {
    specs.push({
      name: "transfer_call",
      description:
        'Transfer the caller to one of the business\'s departments. Say a short handoff line first, such as "Let me transfer you to Sales." After the transfer starts you are no longer on the call.',
      parameters: {
        type: "object",
        properties: {
          department: { type: "string", enum: names, description: "Exact name of the department to transfer to." },
        },
        required: ["department"],
      },
    });
  }
  specs.push({
    name: "end_call",
    description: "Hang up. Use only after you have said goodbye and the caller has nothing else.",
    parameters: {
      type: "object",
      properties: { reason: { type: "string", description: "Why the call is ending, for the call log." } },
    },
  });

  const properties: Record<string, unknown> = {
    name: { type: "string", description: "The caller's name." },
    callback_number: {
      type: "string",
      description: "Phone number to call back, digits only, with a leading + and country code if the caller gave one.",
    },
    message: { type: "string", description: "The caller's message, in their words, complete enough to act on." },
    urgent: {
      type: "boolean",
      description: "true when the caller describes an emergency or asks for an urgent callback; otherwise false.",
    },
  };
  if (names.length > 0) {
    properties.department = { type: "string", enum: names, description: "The department the message is for, if the caller said." };
  }
  const fields = snapshot.config.captureFields;
  if (fields.length > 0) {
    properties.details = {
      type: "object",
      description: "Other details the caller gave.",
      properties: Object.fromEntries(
        fields.map((f) => [f.key, { type: "string", description: f.description.trim() || f.label.trim() }]),
      ),
    };
  }
  specs.push({
    name: "take_message",
    description:
      "Save a message for the business to call the caller back. Collect the name, callback number, and message first, one question at a time.",
    parameters: { type: "object", properties, required: ["name", "callback_number", "message"] },
  });

  // Off with personalization: the agent then knows nothing of a caller's earlier requests.
  if (snapshot.config.isPersonalizationEnabled === false) return specs;
  // Gemini rejects an object schema with no properties, so the optional reason keeps this declaration valid.
  specs.push({
    name: "lookup_caller_history",
    description:
      "Look up this caller's earlier calls and messages by their phone number. Use when the caller mentions an earlier call or when knowing about a returning caller would help.",
    parameters: {
      type: "object",
      properties: { reason: { type: "string", description: "Why you are looking, for the call log." } },
    },
  });
  return specs;
}

export type TValidToolCall =
  | { name: "transfer_call"; args: z.infer<typeof ZTransferCallArgs>; department: TDepartment }
  | { name: "end_call"; args: z.infer<typeof ZEndCallArgs> }
  | { name: "take_message"; args: TTakeMessageArgs }
  | { name: "lookup_caller_history"; args: z.infer<typeof ZLookupCallerHistoryArgs> };

export type TToolValidation = { ok: true; call: TValidToolCall } | { ok: false; error: string };

function describeIssues(tool: string, error: z.ZodError): string {
  const details = error.issues.map((issue) => issue.message).join(" ");
  return `Invalid arguments for ${tool}: ${details}`;
}

function findDepartment(snapshot: TAgentSnapshot, requested: string): TDepartment | undefined {
  const wanted = requested.trim().toLowerCase();
  return snapshot.departments.find((d) => d.name.trim().toLowerCase() === wanted && d.name.trim() !== "");
}

// Never throws: a model's bad call becomes an `{ ok: false, error }` the session sends back as the tool result.
export function validateToolCall(call: TToolCall, snapshot: TAgentSnapshot): TToolValidation {
  const args: unknown = call.args ?? {};
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    return { ok: false, error: `Invalid arguments for ${call.name}: arguments must be an object.` };
  }
  switch (call.name) {
    case "transfer_call": {
      const names = departmentNames(snapshot);
      if (names.length === 0) {
        return {
          ok: false,
          error: "transfer_call is not available: this business has no departments. Offer to take a message instead.",
        };
      }
      const parsed = ZTransferCallArgs.safeParse(args);
      if (!parsed.success) return { ok: false, error: describeIssues(call.name, parsed.error) };
      const department = findDepartment(snapshot, parsed.data.department);
      if (!department) {
        return {
          ok: false,
          error: `Invalid arguments for transfer_call: there is no department "${parsed.data.department}". Use one of: ${names.join(", ")}.`,
        };
      }
      return { ok: true, call: { name: "transfer_call", args: { department: department.name.trim() }, department } };
    }
    case "end_call": {
      const parsed = ZEndCallArgs.safeParse(args);
      if (!parsed.success) return { ok: false, error: describeIssues(call.name, parsed.error) };
      return { ok: true, call: { name: "end_call", args: parsed.data } };
    }
    case "take_message": {
      const parsed = ZTakeMessageArgs.safeParse(args);
      if (!parsed.success) return { ok: false, error: describeIssues(call.name, parsed.error) };
      const keys = new Set(snapshot.config.captureFields.map((f) => f.key));
      const details = parsed.data.details
        ? Object.fromEntries(Object.entries(parsed.data.details).filter(([k, v]) => keys.has(k) && v.trim() !== ""))
        : undefined;
      const { urgent, department: requested, ...data } = parsed.data;
      // The flag and the department ride in details under reserved keys (lib/calls/take-message.ts).
      const meta: Record<string, string> = {};
      if (urgent !== undefined) meta[MESSAGE_META_KEYS.urgent] = String(urgent);
      const department = requested ? findDepartment(snapshot, requested) : undefined;
      if (department) meta[MESSAGE_META_KEYS.department] = department.name.trim();
      const merged = { ...details, ...meta };
      const message: TTakeMessageArgs = { ...data };
      if (Object.keys(merged).length > 0) message.details = merged;
      return { ok: true, call: { name: "take_message", args: message } };
    }
    case "lookup_caller_history": {
      const parsed = ZLookupCallerHistoryArgs.safeParse(args);
      if (!parsed.success) return { ok: false, error: describeIssues(call.name, parsed.error) };
      return { ok: true, call: { name: "lookup_caller_history", args: parsed.data } };
    }
    default: {
      const available = toolSpecsFor(snapshot).map((s) => s.name);
      return { ok: false, error: `Unknown tool "${call.name}". Available tools: ${available.join(", ")}.` };
    }
  }
}

export function toolErrorResult(error: string): Record<string, unknown> {
  return { ok: false, error };
}

export function isToolFailure(result: Record<string, unknown>): boolean {
  return result.ok === false || typeof result.error === "string";
}
