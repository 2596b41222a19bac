// The dialog's state and reply shapes, and the small replies every part of the dialog ends with.
import type { TAgentSnapshot } from "@/lib/agents/config";
import type { TIndex } from "./knowledge";

export type TSlot = "name" | "callback" | "message" | `field:${string}`;

export type TDraft = {
  name?: string;
  callback?: string;
  message?: string;
  details: Record<string, string>;
  skipped: string[];
  // What the agent read back last, so "no, it's ..." corrects that.
  lastFilled?: "name" | "callback";
};

export type TPending =
  | { kind: "none" }
  | { kind: "anything_else" }
  | { kind: "offer_message" }
  | { kind: "message_or_transfer"; departmentId?: string }
  | { kind: "confirm_transfer"; departmentId: string }
  | { kind: "which_department"; attempts: number }
  | { kind: "slot"; slot: TSlot; attempts: number }
  // The caller said goodbye mid-message: the message is being saved, then the call ends.
  | { kind: "closing" };

// lastAgent: what the caller last heard, for "sorry, can you say that again?". urgent: the caller described an
// emergency or asked for an urgent callback earlier in the call.
export type TState = {
  pending: TPending;
  draft: TDraft | null;
  knownName?: string;
  lastAgent?: string;
  urgent?: boolean;
  // How many caller turns in a row had no usable words (see onCaller).
  unheard?: number;
};

// isFallback: the dialog could not make sense of the line (a "not sure", a redirect, a "say it another way").
export type TReply = {
  say: string[];
  tool?: { name: string; args: Record<string, unknown> };
  knowledgeIds?: string[];
  isFallback?: boolean;
  // The line had no usable words (silence, fillers, noise heard as stray numbers): the caller was asked again.
  isUnheard?: boolean;
};

export type TContext = {
  snapshot: TAgentSnapshot;
  index: TIndex;
  now: Date;
  callerNumber?: string;
  isOpen?: boolean;
  // The take_message tool declares an `urgent` parameter.
  takeMessageHasUrgent: boolean;
};

export function anythingElse(state: TState, say: string[], extra?: Partial<TReply>): [TState, TReply] {
  return [
    { ...state, pending: { kind: "anything_else" } },
    { say: [...say, "Is there anything else I can help you with?"], ...extra },
  ];
}


export function offerMessage(state: TState, lead: string[]): [TState, TReply] {
  return [
    { ...state, pending: { kind: "offer_message" } },
    { say: [...lead, "I can take a message and have someone call you back. Would you like that?"] },
  ];
}


export function goodbye(state: TState, ctx: TContext): [TState, TReply] {
  const team = ctx.snapshot.teamName.trim();
  return [
    { ...state, pending: { kind: "none" }, draft: null },
    {
      say: [team ? `Thanks for calling ${team}.` : "Thanks for calling.", "Have a great day. Goodbye!"],
      tool: { name: "end_call", args: { reason: "The caller said goodbye." } },
    },
  ];
}

