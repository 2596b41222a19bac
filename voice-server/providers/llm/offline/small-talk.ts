// Lines that are about the call rather than the business: who the agent is, the caller's earlier calls, a greeting.
import { GREETING_ONLY, HOW_ARE_YOU } from "./intents";
import type { TContext, TReply, TState } from "./state";
import { contentWords } from "./text";

export function introduce(state: TState, ctx: TContext): [TState, TReply] {
  const agent = ctx.snapshot.agentName.trim() || "a virtual assistant";
  const team = ctx.snapshot.teamName.trim();
  return [
    state,
    {
      say: [
        `I'm ${agent}, the virtual assistant${team ? ` for ${team}` : ""}.`,
        "I can answer questions, take a message, or connect you with the right person.",
      ],
    },
  ];
}

export function lookUpHistory(state: TState, raw: string): [TState, TReply] {
  return [
    state,
    {
      say: ["Let me check your earlier calls."],
      tool: { name: "lookup_caller_history", args: { reason: raw.trim().slice(0, 200) } },
    },
  ];
}

// "Can you hear me?", "hello, are you there?": the caller checks the line.
const LINE_CHECK =
  /^(?:(?:hello|hi|hey|yes|yeah|okay|ok|sorry)\s+)*(?:can you hear me|do you hear me|are you (?:still )?there|is (?:anyone|anybody|someone|somebody) (?:there|on the line)|is this thing on|hello)(?: now| okay| ok)?$/;

// "Hi", "how are you?" with no question after it; null when the line asks something.
export function greetingReply(state: TState, normalized: string, withoutGreeting: string): [TState, TReply] | null {
  if (GREETING_ONLY.test(normalized) || withoutGreeting === "") {
    return [state, { say: ["Hi! How can I help you today?"] }];
  }
  if (LINE_CHECK.test(normalized)) return [state, { say: ["Yes, I can hear you.", "How can I help you today?"] }];
  if (HOW_ARE_YOU.test(normalized) && contentWords(normalized.replace(HOW_ARE_YOU, "")).length === 0) {
    return [state, { say: ["I'm doing well, thanks for asking.", "How can I help you today?"] }];
  }
  return null;
}
