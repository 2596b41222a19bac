import { CALLER_NUMBER_LABEL, OPEN_NOW_LABEL } from "@/lib/agents/assemble-instructions";
import { isValidTimeZone, isWithinBusinessHours } from "@/lib/agents/business-hours";
import { normalizePhoneNumber } from "@/voice-server/tools/phone-number";
import type { TLlmEvent, TLlmProvider, TLlmRequest } from "@/voice-server/providers/types";
import { onCaller } from "./offline/dialog";
import { onEvent } from "./offline/events";
import { onToolResult } from "./offline/tool-results";
import { hasDetails, messageArgs } from "./offline/message";
import { indexFor } from "./offline/knowledge";
import { splitSentences } from "./offline/speakable";
import type { TContext, TReply, TState } from "./offline/state";
import { normalizeText } from "./offline/text";

// A local, deterministic phone agent: retrieval over the agent's knowledge plus a few phone intents (transfer,
// message taking, hours, goodbye). It keeps no state between calls of `stream`: everything a turn needs is
// replayed from `request.messages`, so any number of concurrent calls can share one provider.
// The parts live in ./offline/: text (normalisation), stem, concepts (synonyms), speakable, knowledge (retrieval),
// spoken-input (dictated names and numbers), intents, departments, message, hours, state, dialog (the order in which
// a caller line is read, with its decisions in appointments, prices, answers, urgency, fallbacks, ...), events and
// tool-results.

export { normalizeText } from "./offline/text";
export { stem } from "./offline/stem";
export { synonymsOf } from "./offline/concepts";
export { speakDigits, splitSentences, toSpoken } from "./offline/speakable";
export { MIN_CONFIDENCE, prepareOfflineIndex } from "./offline/knowledge";
export { parseName, parseSpokenPhoneNumber } from "./offline/spoken-input";

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const CALLER_NUMBER_LINE = new RegExp(`^${escapeRegExp(CALLER_NUMBER_LABEL)}[ \\t]*(.*)$`, "m");
const OPEN_NOW_LINE = new RegExp(`^${escapeRegExp(OPEN_NOW_LABEL)}[ \\t]*(.*)$`, "m");

function readContext(request: TOfflineRequest, now: Date): TContext {
  const snapshot = request.agent;
  const numberLine = CALLER_NUMBER_LINE.exec(request.system)?.[1]?.trim();
  const callerNumber = numberLine ? (normalizePhoneNumber(numberLine) ?? undefined) : undefined;
  const openLine = OPEN_NOW_LINE.exec(request.system)?.[1]?.trim();
  let isOpen: boolean | undefined;
  if (openLine === "yes" || openLine === "no") isOpen = openLine === "yes";
  else if (snapshot.config.businessHours.isEnabled && isValidTimeZone(snapshot.config.businessHours.timeZone)) {
    isOpen = isWithinBusinessHours(snapshot.config.businessHours, now);
  }
  const takeMessage = request.tools.find((t) => t.name === "take_message");
  const properties = takeMessage?.parameters.properties;
  const takeMessageHasUrgent =
    typeof properties === "object" && properties !== null && Object.hasOwn(properties, "urgent");
  return { snapshot, index: indexFor(snapshot), now, callerNumber, isOpen, takeMessageHasUrgent };
}

export type TOfflineReply = {
  text: string;
  sentences: string[];
  toolCall?: { name: string; args: Record<string, unknown> };
  knowledgeIds: string[];
};

// What a reply needs from the request; `signal` is not needed, so the session can also replay a finished call.
export type TOfflineRequest = Pick<TLlmRequest, "system" | "agent" | "messages" | "tools"> & { signal?: AbortSignal };

// Questions the caller answers with yes, no or a department's name. If the caller cut the agent off before the
// question was said, a "yes" that follows cannot be an answer to it, so it is dropped.
const YES_NO_PENDING = new Set(["anything_else", "offer_message", "message_or_transfer", "confirm_transfer", "which_department"]);

function heardAll(said: string[], heard: string): boolean {
  const last = said.at(-1);
  if (last === undefined) return true;
  return normalizeText(heard).endsWith(normalizeText(last));
}

// Replays the conversation through the same state machine that produced it. Agent text is not parsed back: the
// state after each caller turn is what this engine decided then. What the caller heard of each reply only matters
// for one thing: whether they heard the question it ended with (an interrupted reply is kept as its heard part).
function replay(request: TOfflineRequest, now: Date): { ctx: TContext; state: TState; reply: TReply } {
  const ctx = readContext(request, now);
  let state: TState = { pending: { kind: "none" }, draft: null };
  let reply: TReply = { say: [] };
  let recentCaller = "";
  // The reply being answered, and what the caller heard of it.
  let said: string[] = [];
  let heard = "";
  const messages = request.messages;
  if (messages.length === 0) {
    reply = { say: [ctx.snapshot.config.greeting] };
  }
  for (const message of messages) {
    if (message.role === "caller") {
      if (YES_NO_PENDING.has(state.pending.kind) && !heardAll(said, heard)) {
        state = { ...state, pending: { kind: "none" } };
      }
      [state, reply] = onCaller(state, ctx, message.text, recentCaller);
      recentCaller = normalizeText(message.text);
    } else if (message.role === "event") {
      [state, reply] = onEvent(state, ctx, message.text, recentCaller);
    } else if (message.role === "tool-result") {
      [state, reply] = onToolResult(state, ctx, message);
    } else if (message.role === "agent") {
      if (message.text.trim()) state = { ...state, lastAgent: message.text.trim() };
      heard = `${heard} ${message.text}`;
      reply = { say: [] };
      continue;
    } else {
      reply = { say: [] };
      continue;
    }
    said = reply.say.flatMap((line) => splitSentences(line));
    heard = "";
  }
  return { ctx, state, reply };
}

// The reply to the last message.
export function offlineReply(request: TOfflineRequest, now: Date = new Date()): TOfflineReply {
  const { reply } = replay(request, now);
  const sentences = reply.say.flatMap((s) => splitSentences(s));
  return {
    text: sentences.join(" "),
    sentences,
    ...(reply.tool ? { toolCall: reply.tool } : {}),
    knowledgeIds: reply.knowledgeIds ?? [],
  };
}

export type TOfflineMessageSoFar = {
  // Shaped like take_message's arguments. name/message say so in words when not given ("Name not given");
  // callback_number is the caller's own number when they gave none, or null when neither is known.
  args: { name: string; callback_number: string | null; message: string; details?: Record<string, string>; urgent?: true };
  // Which of the message's own fields the caller had not given yet.
  missing: Array<"name" | "callback_number" | "message">;
};

// A message the caller started but that was never saved (they hung up mid-way): what was heard so far, for the
// session to store at hang-up. Null when no message is being taken or nothing was given yet. Same request as a
// reply (the call's system text, agent, conversation and tool specs).
export function offlineMessageSoFar(request: TOfflineRequest, now: Date = new Date()): TOfflineMessageSoFar | null {
  const { ctx, state } = replay(request, now);
  const draft = state.draft;
  if (!hasDetails(draft)) return null;
  const args = messageArgs(state, ctx, draft);
  const missing: TOfflineMessageSoFar["missing"] = [];
  if (!draft.name && !state.knownName) missing.push("name");
  if (!draft.callback) missing.push("callback_number");
  if (!draft.message) missing.push("message");
  const callback = typeof args.callback_number === "string" && args.callback_number !== "" ? args.callback_number : null;
  return {
    args: {
      name: String(args.name),
      callback_number: callback,
      message: String(args.message),
      ...(args.details ? { details: args.details as Record<string, string> } : {}),
      ...(args.urgent === true ? { urgent: true as const } : {}),
    },
    missing,
  };
}

function abortError(): DOMException {
  return new DOMException("The operation was aborted.", "AbortError");
}

export type TOfflineLlmOptions = { now?: () => Date };

export function createOfflineLlm(options: TOfflineLlmOptions = {}): TLlmProvider {
  const clock = options.now ?? (() => new Date());
  return {
    name: "offline-local",
    async *stream(request: TLlmRequest): AsyncIterable<TLlmEvent> {
      if (request.signal.aborted) throw abortError();
      const reply = offlineReply(request, clock());
      // Text events concatenate into the full reply; one sentence each so TTS can start on the first.
      for (let i = 0; i < reply.sentences.length; i++) {
        if (request.signal.aborted) throw abortError();
        yield { type: "text", text: i === 0 ? (reply.sentences[i] ?? "") : ` ${reply.sentences[i] ?? ""}` };
      }
      if (request.signal.aborted) throw abortError();
      if (reply.toolCall) {
        yield {
          type: "tool-call",
          call: {
            id: `offline-${request.messages.length}-${reply.toolCall.name}`,
            name: reply.toolCall.name,
            args: reply.toolCall.args,
          },
        };
      }
      yield { type: "done", ...(reply.knowledgeIds.length > 0 ? { knowledgeIds: reply.knowledgeIds } : {}) };
    },
  };
}
