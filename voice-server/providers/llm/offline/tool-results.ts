// What the agent says once a tool it called has answered: a transfer connecting, a message saved (or not), the
// caller's earlier calls.
import type { TChatMessage } from "@/voice-server/providers/types";
import { isToolFailure } from "@/voice-server/tools/types";
import { operatorDepartment } from "./departments";
import { NAME_NOT_GIVEN, firstName } from "./message";
import { speakDigits, splitSentences, toSpoken } from "./speakable";
import { anythingElse, goodbye, offerMessage, type TContext, type TReply, type TState } from "./state";

export function onToolResult(
  state: TState,
  ctx: TContext,
  message: Extract<TChatMessage, { role: "tool-result" }>,
): [TState, TReply] {
  const failed = isToolFailure(message.result);
  const { call, result } = message;
  switch (call.name) {
    case "transfer_call": {
      const department = typeof call.args.department === "string" ? call.args.department : "that department";
      if (!failed)
        return [{ ...state, pending: { kind: "none" } }, { say: ["You're being connected now. Please hold."] }];
      return offerMessage(state, [`I'm sorry, I couldn't connect you to ${department} right now.`]);
    }
    case "take_message": {
      if (state.pending.kind === "closing") {
        const [next, bye] = goodbye(state, ctx);
        return [
          next,
          { ...bye, say: [failed ? "I'm sorry, I couldn't save your message just now." : "I've passed that on.", ...bye.say] },
        ];
      }
      if (failed) {
        const department = operatorDepartment(ctx);
        if (department && ctx.isOpen !== false) {
          return [
            { ...state, pending: { kind: "confirm_transfer", departmentId: department.id } },
            {
              say: [
                "I'm sorry, I couldn't save your message just now.",
                `I can transfer you to ${department.name.trim()} instead. Would you like that?`,
              ],
            },
          ];
        }
        return anythingElse(state, [
          "I'm sorry, I couldn't save your message just now.",
          "Please try calling back a little later.",
        ]);
      }
      const name =
        typeof call.args.name === "string" && call.args.name.trim() && call.args.name !== NAME_NOT_GIVEN
          ? `, ${firstName(call.args.name.trim())}`
          : "";
      const number = typeof call.args.callback_number === "string" ? call.args.callback_number : "";
      return anythingElse(state, [
        `All done${name}. I've passed your message on.`,
        number ? `Someone will call you back at ${speakDigits(number)}.` : "Someone will get back to you soon.",
      ]);
    }
    case "end_call":
      return [state, { say: [] }];
    case "lookup_caller_history": {
      if (failed)
        return [
          state,
          { say: ["I'm sorry, I couldn't look up your earlier calls right now.", "How can I help you today?"] },
        ];
      const summary = typeof result.summary === "string" ? toSpoken(result.summary) : "";
      const calls = Array.isArray(result.calls) ? result.calls.length : undefined;
      const say: string[] = [];
      if (summary) say.push(...splitSentences(summary).slice(0, 2));
      else if (calls === 0) say.push("I don't see any earlier calls from this number.");
      else if (calls !== undefined)
        say.push(`I can see ${calls === 1 ? "one earlier call" : `${calls} earlier calls`} from this number.`);
      else say.push("I've checked your earlier calls.");
      say.push("How can I help you today?");
      return [state, { say }];
    }
    default:
      return failed
        ? [state, { say: ["Sorry, something went wrong on my side.", "How else can I help?"] }]
        : [state, { say: [] }];
  }
}
