// The caller's answer to a question the agent asked (take a message? transfer? which department? anything else?);
// null when the line is not an answer to it, and is then read as a new request.
import type { TDepartment } from "@/lib/agents/config";
import { askWhichDepartment, departmentById, departmentByDescription, departmentByName, handleTransferRequest, transferTo } from "./departments";
import { QUESTION_START, isAffirmative, isGoodbye, isNegative } from "./intents";
import { startMessage } from "./message";
import { anythingElse, goodbye, offerMessage, type TContext, type TReply, type TState } from "./state";

// wantsMessage, wantsTransfer: the line asks for a message or a person, in any words.
export type TLine = { raw: string; normalized: string; recentCaller: string; wantsMessage: boolean; wantsTransfer: boolean };

export function answerToPending(state: TState, ctx: TContext, line: TLine): [TState, TReply] | null {
  const { raw, normalized, recentCaller, wantsMessage, wantsTransfer } = line;
  const pending = state.pending;
  switch (pending.kind) {
    case "offer_message":
      if (isAffirmative(normalized)) return startMessage(state, ctx, raw, "Okay.");
      if (isNegative(normalized)) return anythingElse(state, ["No problem."]);
      return null;
    case "message_or_transfer":
      if (wantsMessage || isAffirmative(normalized)) return startMessage(state, ctx, raw, "Okay.");
      if (wantsTransfer || /\b(transfer|person|someone|connect)\b/.test(normalized)) {
        const department = departmentById(ctx, pending.departmentId);
        const named = departmentByName(ctx, normalized);
        if (named ?? department) return transferTo(state, ctx, (named ?? department) as TDepartment);
        return handleTransferRequest(state, ctx, normalized, recentCaller);
      }
      if (isNegative(normalized)) return anythingElse(state, ["No problem."]);
      return null;
    case "confirm_transfer": {
      const department = departmentById(ctx, pending.departmentId);
      if (department && isAffirmative(normalized)) return transferTo(state, ctx, department);
      if (isNegative(normalized)) return anythingElse(state, ["Okay."]);
      return null;
    }
    case "which_department": {
      // A new question instead of a department ("actually, where are you?") is answered, not asked over.
      if (QUESTION_START.test(normalized) && !departmentByName(ctx, normalized)) return null;
      const department = departmentByName(ctx, normalized) ?? departmentByDescription(ctx, normalized);
      if (department) return transferTo(state, ctx, department);
      // "Thanks, goodbye" is not a department: the caller is leaving.
      if (isGoodbye(normalized)) return goodbye(state, ctx);
      if (isNegative(normalized) || wantsMessage) return startMessage(state, ctx, raw, "Okay.");
      if (pending.attempts === 0) return askWhichDepartment(state, ctx, 1);
      return offerMessage(state, ["Sorry, I couldn't tell which department you meant."]);
    }
    case "anything_else":
      if (isNegative(normalized) || isGoodbye(normalized)) return goodbye(state, ctx);
      if (isAffirmative(normalized))
        return [{ ...state, pending: { kind: "none" } }, { say: ["Sure. What can I help you with?"] }];
      return null;
    default:
      return null;
  }
}
