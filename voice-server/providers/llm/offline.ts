import {
  CALLER_NUMBER_LABEL,
  OPEN_NOW_LABEL,
  isValidTimeZone,
  isWithinBusinessHours,
} from "@/lib/agents/assemble-instructions";
import { normalizePhoneNumber } from "@/voice-server/tools/specs";
import type { TLlmEvent, TLlmProvider, TLlmRequest } from "@/voice-server/providers/types";
import { onCaller, onEvent, onToolResult } from "./offline/dialog";
import { indexFor } from "./offline/knowledge";
import { splitSentences } from "./offline/speakable";
import type { TContext, TReply, TState } from "./offline/state";
import { normalizeText } from "./offline/text";

// A local, deterministic phone agent: retrieval over the agent's knowledge plus a few phone intents (transfer,
// message taking, hours, goodbye). It keeps no state between calls of `stream`: everything a turn needs is
// replayed from `request.messages`, so any number of concurrent calls can share one provider.
// The parts live in ./offline/: text (normalisation), stem, concepts (synonyms), speakable, knowledge (retrieval),
// spoken-input (dictated names and numbers), intents, departments, message, hours, state and dialog (the policy).

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

function readContext(request: TLlmRequest, now: Date): TContext {
  const snapshot = request.agent;
  const numberLine = CALLER_NUMBER_LINE.exec(request.system)?.[1]?.trim();
  const callerNumber = numberLine ? (normalizePhoneNumber(numberLine) ?? undefined) : undefined;
  const openLine = OPEN_NOW_LINE.exec(request.system)?.[1]?.trim();
  let isOpen: boolean | undefined;
  if (openLine === "yes" || openLine === "no") isOpen = openLine === "yes";
  else if (snapshot.config.businessHours.isEnabled && isValidTimeZone(snapshot.config.businessHours.timeZone)) {
    isOpen = isWithinBusinessHours(snapshot.config.businessHours, now);
  }
  return { snapshot, index: indexFor(snapshot), now, callerNumber, isOpen };
}

export type TOfflineReply = {
  text: string;
  sentences: string[];
  toolCall?: { name: string; args: Record<string, unknown> };
  knowledgeIds: string[];
};

// Replays the conversation through the same state machine that produced it and returns the reply to the last
// message. Agent text is not parsed back: the state after each caller turn is what this engine decided then.
export function offlineReply(request: TLlmRequest, now: Date = new Date()): TOfflineReply {
  const ctx = readContext(request, now);
  let state: TState = { pending: { kind: "none" }, draft: null };
  let reply: TReply = { say: [] };
  let recentCaller = "";
  const messages = request.messages;
  if (messages.length === 0) {
    reply = { say: [ctx.snapshot.config.greeting] };
  }
  for (const message of messages) {
    if (message.role === "caller") {
      [state, reply] = onCaller(state, ctx, message.text, recentCaller);
      recentCaller = normalizeText(message.text);
    } else if (message.role === "event") {
      [state, reply] = onEvent(state, ctx, message.text, recentCaller);
    } else if (message.role === "tool-result") {
      [state, reply] = onToolResult(state, ctx, message);
    } else if (message.role === "agent") {
      if (message.text.trim()) state = { ...state, lastAgent: message.text.trim() };
      reply = { say: [] };
    } else {
      reply = { say: [] };
    }
  }
  const sentences = reply.say.flatMap((s) => splitSentences(s));
  return {
    text: sentences.join(" "),
    sentences,
    ...(reply.tool ? { toolCall: reply.tool } : {}),
    knowledgeIds: reply.knowledgeIds ?? [],
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
