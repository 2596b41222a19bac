import type { z } from "zod";
import type { Db } from "@/db/client";
import type { Call } from "@/db/schema";
import type { TAgentSnapshot } from "@/lib/agents/config";

// One tool the model may call during a live call: its name, what it is for, its arguments as a zod schema (the
// same schema checks what a model sends and, through z.toJSONSchema, tells the model what to send) and what it
// does. The registry (registry.ts) lists them; the call session hands each a TToolContext.

export type TToolResult = Record<string, unknown>;

export type TToolOutcome = {
  // Sent back to the model as the tool-result message: `{ ok: true, ... }` or `{ ok: false, error }`, where
  // `error` is a sentence the model can act on.
  result: TToolResult;
  // What the tool still does once its result is in the conversation and on record (hang up, hand the line over).
  // Resolves "stop" when the reply (and usually the call) is over.
  after?: () => Promise<"continue" | "stop">;
};

// What a tool may do to the live call. Implemented by the call session; faked in unit tests.
export type TToolContext = {
  db: Db;
  agent: TAgentSnapshot;
  call: Call;
  isAfterHours: boolean;
  // What the model already said in this round before calling the tool ("" if nothing): a handoff line is only
  // spoken by the tool when the model said nothing.
  spokenText: string;
  // Queues a fixed line (cached audio) in the current reply.
  say(text: string): void;
  // Resolves true once everything queued in the reply has played, false if the caller interrupted first.
  untilPlayed(): Promise<boolean>;
  // The reply says nothing more: it ends once its audio has played.
  finishReply(): void;
  setEndReason(reason: string): void;
  close(reason: string): void;
  noteMessageTaken(): void;
  recordError(stage: string, kind: string, error: unknown, data?: Record<string, unknown>): void;
  recordEvent(kind: "transfer", name: string, data: Record<string, unknown>): void;
  // Hands the line over to `twiml` (a <Dial>); false when the carrier refused. Null when the line cannot.
  readonly lineControl: {
    redirect(twiml: string, department: string): Promise<boolean>;
    noteTransferred(e164: string): void;
    // Waits (bounded) for the carrier to stop the media stream after a redirect.
    untilStreamStops(): Promise<void>;
  } | null;
};

export type TTool<TSchema extends z.ZodType = z.ZodType> = {
  name: string;
  description: string;
  // Whether this agent offers the tool at all (e.g. transfer_call needs a department), and the error a model gets
  // when it calls an unavailable one.
  availability?: (agent: TAgentSnapshot) => { ok: true } | { ok: false; error: string };
  // Per agent: department names and capture fields are part of the arguments.
  parameters: (agent: TAgentSnapshot) => TSchema;
  execute: (args: z.output<TSchema>, ctx: TToolContext) => Promise<TToolOutcome>;
  // What the caller hears while the tool runs when the model called it without a word first: a short line said
  // at once (cached audio, like the fixed lines), so a slow tool and the model's next round never leave the line
  // silent. null: no line (the tool says its own, like end_call's goodbye). Absent: the registry's default.
  acknowledgement?: string | null | ((args: z.output<TSchema>, ctx: TToolContext) => string | null);
};

// Keeps each tool's argument type while listing tools of different schemas together.
export function defineTool<TSchema extends z.ZodType>(tool: TTool<TSchema>): TTool<TSchema> {
  return tool;
}

export function toolErrorResult(error: string): TToolResult {
  return { ok: false, error };
}

export function isToolFailure(result: TToolResult): boolean {
  return result.ok === false || typeof result.error === "string";
}
