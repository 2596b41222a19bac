// Call events that are not words: keypad presses, the caller's silence, a failure on the agent's side.
import { handleTransferRequest, operatorDepartment, transferTo } from "./departments";
import { onCaller } from "./dialog";
import { onSlotAnswer } from "./message";
import { offerMessage, type TContext, type TReply, type TState } from "./state";

export function onEvent(state: TState, ctx: TContext, text: string, recentCaller: string): [TState, TReply] {
  const lower = text.toLowerCase();
  const dtmf = /(?:press(?:ed)?|dtmf|digits?|keypad|key)\D*?([0-9*#]+)/.exec(lower);
  if (dtmf?.[1]) {
    const keys = dtmf[1];
    if (state.pending.kind === "slot" && state.pending.slot === "callback") {
      return onSlotAnswer(state, ctx, state.pending, keys.replace(/[*#]/g, ""), keys.replace(/[*#]/g, ""), onCaller);
    }
    if (keys.replace(/#/g, "") === "0") {
      if (ctx.index.departments.length === 0)
        return offerMessage(state, ["There's no operator I can connect you to right now."]);
      const department = operatorDepartment(ctx);
      if (department)
        return transferTo(state, ctx, department, `Sure, let me connect you to ${department.name.trim()}.`);
      return handleTransferRequest({ ...state, pending: { kind: "none" } }, ctx, "operator", recentCaller);
    }
    return [state, { say: ["Sorry, I can't use keypad choices on this line.", "Just tell me what you need."] }];
  }
  if (/silen|no (speech|response|answer)|quiet|did not say|didn't say/.test(lower)) {
    return [state, { say: ["Are you still there?"] }];
  }
  if (/fail|error/.test(lower)) {
    return offerMessage({ ...state, pending: { kind: "none" } }, ["Sorry, something went wrong on my side."]);
  }
  return [state, { say: [] }];
}

