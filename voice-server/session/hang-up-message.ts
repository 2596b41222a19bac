import type { TChatMessage } from "@/voice-server/providers/types";
import { offlineMessageSoFar } from "@/voice-server/providers/llm/offline";
import { normalizePhoneNumber } from "@/voice-server/tools/phone-number";
import { toolSpecsFor, validateToolCall } from "@/voice-server/tools/registry";
import { errorKind } from "./call-record";
import { hungUpToolContext, type TToolCallFacts } from "./tool-context";

// The caller hung up in the middle of leaving a message with the offline engine: what was heard is stored
// through take_message, as if the engine had called it, with what was still missing said in the message. The
// callback number falls back to the number the caller called from. Cloud models keep their own judgement:
// nothing is guessed for them.

// The offline LLM's provider name: only its dialog state can say what a half-given message holds.
export const OFFLINE_LLM_NAME = "offline-local";
const MISSING_FIELD_WORDS = { name: "their name", callback_number: "a callback number", message: "the message itself" } as const;

export type THangUpMessageInput = TToolCallFacts & {
  llmName: string;
  instructions(): string;
  conversation: readonly TChatMessage[];
  now: Date;
};

export async function storeMessageSoFar(input: THangUpMessageInput): Promise<void> {
  const { agent, call, record } = input;
  if (input.outcome.isMessageTaken || input.llmName !== OFFLINE_LLM_NAME) return;
  try {
    const soFar = offlineMessageSoFar({ system: input.instructions(), agent, messages: [...input.conversation], tools: toolSpecsFor(agent) }, input.now);
    if (!soFar) return;
    // A browser test call has no number of its own ("browser").
    const callbackNumber = soFar.args.callback_number ?? normalizePhoneNumber(call.fromNumber);
    if (!callbackNumber) {
      record.event("status", "message_not_stored", { reason: "no_callback_number", missing: soFar.missing });
      return;
    }
    const missing = soFar.missing.map((field) =>
      field === "callback_number" ? `${MISSING_FIELD_WORDS[field]} (the number they called from is kept)` : MISSING_FIELD_WORDS[field],
    );
    const note = `The caller hung up before the message was finished${missing.length > 0 ? `; not given: ${missing.join(", ")}` : ""}.`;
    const toolCall = {
      id: `hang-up-message-${call.id}`,
      name: "take_message",
      args: { ...soFar.args, callback_number: callbackNumber, message: `${soFar.args.message.trim()}\n\n(${note})` },
    };
    const validation = validateToolCall(toolCall, agent);
    if (!validation.ok) {
      record.error("tool", "invalid_args", new Error(validation.error), { tool: "take_message", atHangUp: true });
      return;
    }
    const { result } = await validation.call.tool.execute(validation.call.args, hungUpToolContext(input));
    record.event("tool_call", "take_message", { args: toolCall.args, ok: result.ok !== false, atHangUp: true, missing: soFar.missing });
  } catch (error) {
    record.error("tool", errorKind(error), error, { tool: "take_message", atHangUp: true });
  }
}
