import { z } from "zod";
import type { TAgentSnapshot } from "@/lib/agents/config";
import { takeCallerMessage } from "@/lib/calls/take-message";
import { normalizePhoneNumber } from "./phone-number";
import { departmentNames, findDepartment } from "./transfer-call";
import { defineTool } from "./types";

function parametersFor(agent: TAgentSnapshot) {
  const names = departmentNames(agent);
  const fields = agent.config.captureFields;
  const keys = new Set(fields.map((f) => f.key));
  const details = z
    .record(z.string(), z.string().max(1000))
    // Only the agent's capture fields, and only those the caller gave: a model's extra keys are dropped.
    .transform((value) => Object.fromEntries(Object.entries(value).filter(([k, v]) => keys.has(k) && v.trim() !== "")))
    .optional()
    .meta({
      description: "Other details the caller gave.",
      type: "object",
      properties: Object.fromEntries(fields.map((f) => [f.key, { type: "string", description: f.description.trim() || f.label.trim() }])),
    });
  const base = z.object({
    name: z
      .string({ error: 'Give the caller\'s "name" as a string.' })
      .trim()
      .min(1, 'Give the caller\'s "name".')
      .max(200)
      .describe("The caller's name."),
    callback_number: z
      .string({ error: 'Give "callback_number" as a string of digits.' })
      .transform((value, ctx) => {
        const normalized = normalizePhoneNumber(value);
        if (normalized === null) {
          ctx.addIssue({
            code: "custom",
            message: `"callback_number" must be a phone number of 7 to 15 digits, optionally starting with +. Got "${value}". Ask the caller for the number again.`,
          });
          return z.NEVER;
        }
        return normalized;
      })
      .describe("Phone number to call back, digits only, with a leading + and country code if the caller gave one."),
    message: z
      .string({ error: 'Give the "message" as a string.' })
      .trim()
      .min(1, 'Give the caller\'s "message".')
      .max(4000)
      .describe("The caller's message, in their words, complete enough to act on."),
    urgent: z
      .union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")])
      .optional()
      .describe("true when the caller describes an emergency or asks for an urgent callback; otherwise false."),
    // A department the agent does not have is dropped rather than refused: the message itself is what matters.
    department: (names.length > 0 ? z.string().trim().max(200).meta({ enum: names }) : z.string().trim().max(200))
      .optional()
      .describe("The department the message is for, if the caller said."),
  });
  // No capture fields: no details property is offered, and any details a model sends anyway are dropped.
  const schema = fields.length > 0 ? base.extend({ details }) : base;
  return schema.transform((parsed): z.output<typeof base> & { details?: Record<string, string> } => {
    const { details: given, ...rest } = parsed as z.output<typeof base> & { details?: Record<string, string> };
    return given && Object.keys(given).length > 0 ? { ...rest, details: given } : rest;
  });
}

export type TTakeMessageArgs = z.output<ReturnType<typeof parametersFor>>;

export const takeMessage = defineTool({
  name: "take_message",
  description:
    "Save a message for the business to call the caller back. Collect the name, callback number, and message first, one question at a time.",
  parameters: parametersFor,
  acknowledgement: "Let me make a note of that.",
  async execute(args, ctx) {
    const saved = await takeCallerMessage(ctx.db, {
      teamId: ctx.call.teamId,
      callId: ctx.call.id,
      agentId: ctx.call.agentId,
      callerName: args.name,
      callbackNumber: args.callback_number,
      message: args.message,
      details: args.details,
      isUrgent: args.urgent,
      department: args.department ? (findDepartment(ctx.agent, args.department)?.name.trim() ?? null) : null,
    });
    ctx.noteMessageTaken();
    return { result: { ok: true, messageId: saved.id, note: "The message is saved. Tell the caller someone will call them back." } };
  },
});
