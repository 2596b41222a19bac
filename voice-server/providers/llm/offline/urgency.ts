// Emergencies: whether a caller line describes one (or only asks for someone urgently), and where it goes.
import type { TDepartment } from "@/lib/agents/config";
import { emergencyDepartment, transferTo } from "./departments";
import { QUESTION_START } from "./intents";
import type { TRetrieval } from "./knowledge";
import { startMessage } from "./message";
import { describesEmergency, emergencySigns, namesAPerson } from "./routing";
import { foreignWord } from "./scope";
import type { TContext, TReply, TState } from "./state";
import { contentWords } from "./text";

export const URGENT_NOW = /\b(urgent|urgently|asap|as soon as possible|right away|immediately|straight away)\b/;
// Words that only say who is needed and how fast: with nothing else said, an urgent line is an emergency call.
const URGENT_ONLY = new Set("urgent asap soon possibl away immediately immediat straight dentist doctor see emergency".split(" "));

// emergency: the line that handles the emergency described. unmistakable: the line describes one beyond doubt
// (for a business with no line for emergencies, where it becomes an urgent message).
export type TUrgency = { emergency: TDepartment | undefined; unmistakable: boolean };

export function readUrgency(ctx: TContext, normalized: string, stems: string[]): TUrgency {
  // An animal in trouble, where the business treats none, is no emergency for its lines ("my dog ate chocolate" on a
  // dental office's phone): the caller is told what this line is for instead. A person hurt with it still is.
  if (foreignWord(ctx.index, normalized, { animalsOnly: true }) !== null && !namesAPerson(stems)) {
    return { emergency: undefined, unmistakable: false };
  }
  // "This is urgent, I need a dentist right away" is an emergency call even without a symptom; a question about
  // urgent care ("do you take urgent cases?") is not.
  const urgentNow =
    URGENT_NOW.test(normalized) &&
    !QUESTION_START.test(normalized) &&
    contentWords(normalized).every((w) => URGENT_ONLY.has(w.stem) || URGENT_ONLY.has(w.concept?.slice(1) ?? ""));
  const emergency = describesEmergency(stems) || urgentNow ? emergencyDepartment(ctx, normalized) : undefined;
  // With no line for emergencies, only an unmistakable one ("it broke and it's bleeding") becomes an urgent
  // message: one sign alone ("my printer is broken") is an ordinary question for most businesses.
  const signs = emergencySigns(stems);
  const unmistakable = signs.strong + signs.weak >= 2 || /\bemergenc/.test(normalized);
  return { emergency, unmistakable };
}

// An emergency goes straight to the line that handles it, or becomes an urgent message when nobody can take it;
// null when the line describes none. A question about emergencies ("do you handle emergencies?") is answered or
// offered a transfer like any other; a question that describes one ("can you help, my face is swollen?") is one.
export function emergencyReply(
  state: TState,
  ctx: TContext,
  raw: string,
  normalized: string,
  urgency: TUrgency,
  retrieval: TRetrieval | null,
): [TState, TReply] | null {
  const asksAboutEmergencies = QUESTION_START.test(normalized) && (retrieval !== null || /\bemergenc/.test(normalized));
  if (asksAboutEmergencies) return null;
  const { emergency, unmistakable } = urgency;
  if (!emergency && !(unmistakable && !ctx.index.departments.some((d) => d.routes.has("emergency")))) return null;
  if (emergency && ctx.isOpen !== false) {
    return transferTo(
      state,
      ctx,
      emergency,
      `I'm sorry to hear that. Let me put you through to ${emergency.name.trim()} right away.`,
    );
  }
  return startMessage(
    state,
    ctx,
    raw,
    emergency
      ? "I'm sorry to hear that. Nobody can take your call right now, so let me take an urgent message and have someone call you back as soon as possible."
      : "I'm sorry to hear that. Let me take an urgent message and have someone call you back as soon as possible.",
  );
}
