import { z } from "zod";
import type { TAgentSnapshot } from "@/lib/agents/config";
import type { TToolCall, TToolSpec } from "@/voice-server/providers/types";
import { endCall } from "./end-call";
import { lookupCallerHistory } from "./lookup-caller-history";
import { takeMessage } from "./take-message";
import { transferCall } from "./transfer-call";
import type { TTool, TToolContext } from "./types";

// Every tool a live call can offer, in the order the model sees them. Adding a tool: one file, one line here.
export const TOOLS: readonly TTool[] = [transferCall, endCall, takeMessage, lookupCallerHistory] as readonly TTool[];

export type TValidToolCall = { tool: TTool; args: unknown };
export type TToolValidation = { ok: true; call: TValidToolCall } | { ok: false; error: string };

export function toolsFor(agent: TAgentSnapshot): TTool[] {
  return TOOLS.filter((tool) => tool.availability?.(agent).ok ?? true);
}

function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

// Several rounds per reply each ask for the specs; the snapshot of a call never changes, so they are built once.
const specsCache = new WeakMap<TAgentSnapshot, TToolSpec[]>();

export function toolSpecsFor(agent: TAgentSnapshot): TToolSpec[] {
  const cached = specsCache.get(agent);
  if (cached) return cached;
  const specs = toolsFor(agent).map((tool) => ({
    name: tool.name,
    description: tool.description,
    parameters: jsonSchemaOf(tool.parameters(agent)),
  }));
  specsCache.set(agent, specs);
  return specs;
}

function describeIssues(tool: string, error: z.ZodError): string {
  return `Invalid arguments for ${tool}: ${error.issues.map((issue) => issue.message).join(" ")}`;
}

// Never throws: a model's bad call becomes an `{ ok: false, error }` the session sends back as the tool result.
export function validateToolCall(call: TToolCall, agent: TAgentSnapshot): TToolValidation {
  const args: unknown = call.args ?? {};
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    return { ok: false, error: `Invalid arguments for ${call.name}: arguments must be an object.` };
  }
  const tool = TOOLS.find((t) => t.name === call.name);
  if (!tool) {
    const available = toolsFor(agent).map((t) => t.name);
    return { ok: false, error: `Unknown tool "${call.name}". Available tools: ${available.join(", ")}.` };
  }
  const availability = tool.availability?.(agent) ?? { ok: true };
  if (!availability.ok) return { ok: false, error: availability.error };
  const parsed = tool.parameters(agent).safeParse(args);
  if (!parsed.success) return { ok: false, error: describeIssues(call.name, parsed.error) };
  return { ok: true, call: { tool, args: parsed.data } };
}

// Said while a tool runs when the tool declares no line of its own.
export const DEFAULT_ACKNOWLEDGEMENT = "One moment, please.";

// The line the caller hears while `call` runs (see TTool.acknowledgement), or null for none.
export function acknowledgementFor(call: TValidToolCall, ctx: TToolContext): string | null {
  const declared = call.tool.acknowledgement;
  if (declared === undefined) return DEFAULT_ACKNOWLEDGEMENT;
  const line = typeof declared === "function" ? declared(call.args, ctx) : declared;
  return line?.trim() || null;
}
