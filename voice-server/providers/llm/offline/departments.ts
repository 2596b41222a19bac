// Routing a call to a department: by its name, by the meaning of its "when to transfer" text, or to the operator.
import type { TDepartment } from "@/lib/agents/config";
import { CONCEPT_CREDIT } from "./knowledge";
import { routingConceptsOf } from "./routing";
import { stem } from "./stem";
import { contentWords } from "./text";
import { anythingElse, offerMessage, type TContext, type TReply, type TState } from "./state";

const INTENT_WEIGHT = 1.5;
const RELATED_CREDIT = 0.6;

export function departmentById(ctx: TContext, id: string | undefined): TDepartment | undefined {
  return id === undefined ? undefined : ctx.index.departments.find((d) => d.department.id === id)?.department;
}

export function departmentByName(ctx: TContext, normalized: string): TDepartment | undefined {
  const stems = new Set(normalized.split(" ").map(stem));
  const padded = ` ${normalized} `;
  let best: TDepartment | undefined;
  let bestLength = 0;
  for (const d of ctx.index.departments) {
    const whole = d.nameNormalized !== "" && padded.includes(` ${d.nameNormalized} `);
    const allStems = d.nameStems.length > 0 && d.nameStems.every((s) => stems.has(s));
    if ((whole || allStems) && d.nameNormalized.length > bestLength) {
      best = d.department;
      bestLength = d.nameNormalized.length;
    }
  }
  return best;
}

const ASKS_WHAT_IS_OFFERED =
  /^(?:(?:hi|hello|hey|um|uh|so|yeah|and|also|oh)\s+)*(?:do|does|can|could|will|would) (?:you|they|the \w+|your \w+)(?: guys| folks| all)? (?:do|offer|provide|perform|have|sell|carry|fix|treat|see|take|handle|work on)\b|^(?:(?:hi|hello|hey|so)\s+)*(?:is|are) (?:\w+ ){1,3}(?:something|anything|a service) (?:you|that you)\b/;
const SOUNDS_URGENT = /\b(urgent|urgently|emergency|emergencies|now|right away|today|tonight|asap|pain|painful|hurts?|hurting|bleeding|swollen|swelling|broke|broken|knocked|collapsed?|can not breathe|fever)\b/;

// Best department by the meaning of its "when to transfer" text; only when one clearly beats the others. A caller
// word counts when the department uses the same word (stemmed), a synonym, or a related concept ("toothache" for
// "dental emergencies"). Words that say what kind of call this is weigh more than other shared nouns, so "book a
// cleaning for my tooth" goes to the desk that books appointments, not to the line for broken teeth.
export function departmentByDescription(ctx: TContext, normalized: string): TDepartment | undefined {
  const words = contentWords(normalized);
  if (words.length === 0) return undefined;
  const scored = ctx.index.departments
    .map((d) => {
      let score = 0;
      const seen = new Set<string>();
      for (const w of words) {
        if (seen.has(w.stem)) continue;
        seen.add(w.stem);
        const routes = routingConceptsOf(w.stem);
        const weight = routes.length > 0 ? INTENT_WEIGHT : 1;
        if (d.terms.has(w.stem)) score += weight;
        else if (w.concept && d.terms.has(w.concept)) score += weight * CONCEPT_CREDIT;
        else if (routes.some((r) => d.routes.has(r))) score += weight * RELATED_CREDIT;
      }
      // Asking what the business offers ("do you do teeth whitening?") is no emergency, whatever noun it shares with
      // the emergency line's text ("a broken tooth").
      if (d.routes.has("emergency") && ASKS_WHAT_IS_OFFERED.test(normalized) && !SOUNDS_URGENT.test(normalized)) score = 0;
      return { d, score };
    })
    .sort((a, b) => b.score - a.score);
  const top = scored[0];
  const second = scored[1];
  if (!top || top.score < CONCEPT_CREDIT) return undefined;
  if (second && second.score >= top.score) return undefined;
  return top.d.department;
}

// The department for an emergency the caller described: the best match by meaning when it is one whose
// "when to transfer" text covers emergencies or urgent requests; otherwise none (a plain front desk is not an
// emergency line just because it was the closest match).
export function emergencyDepartment(ctx: TContext, normalized: string): TDepartment | undefined {
  const handles = ctx.index.departments.filter((d) => d.routes.has("emergency"));
  if (handles.length === 0) return undefined;
  if (handles.length === 1) return handles[0]?.department;
  const best = departmentByDescription(ctx, normalized);
  return best && handles.some((d) => d.department === best) ? best : handles[0]?.department;
}

export function operatorDepartment(ctx: TContext): TDepartment | undefined {
  const departments = ctx.index.departments.map((d) => d.department);
  if (departments.length === 1) return departments[0];
  return departments.find((d) =>
    /\b(operator|reception|front desk|general|main|office|customer service)\b/i.test(d.name),
  );
}

export function transferTo(state: TState, ctx: TContext, department: TDepartment, lead?: string): [TState, TReply] {
  if (ctx.isOpen === false) return closedNoTransfer(state, ctx);
  const name = department.name.trim();
  return [
    { ...state, pending: { kind: "none" } },
    {
      say: [lead ?? `Sure, let me transfer you to ${name}.`],
      tool: { name: "transfer_call", args: { department: name } },
    },
  ];
}

// Not the after-hours message again: a call answered while closed opened with it.
export function closedNoTransfer(state: TState, ctx: TContext): [TState, TReply] {
  if (ctx.snapshot.config.businessHours.afterHours === "take_message")
    return offerMessage(state, ["We're closed right now, so I can't put you through to anyone."]);
  return anythingElse(state, ["We're closed right now, so I can't put you through to anyone. Please call back during our business hours."]);
}

export function handleTransferRequest(state: TState, ctx: TContext, normalized: string, recent: string): [TState, TReply] {
  if (ctx.index.departments.length === 0) {
    return offerMessage(state, ["I'm sorry, there's nobody I can transfer you to right now."]);
  }
  if (ctx.isOpen === false) return closedNoTransfer(state, ctx);
  const named = departmentByName(ctx, normalized);
  if (named) return transferTo(state, ctx, named);
  const described = departmentByDescription(ctx, normalized) ?? departmentByDescription(ctx, recent);
  if (described)
    return transferTo(
      state,
      ctx,
      described,
      `Sure, let me transfer you to ${described.name.trim()}. They can help with that.`,
    );
  const fallback = operatorDepartment(ctx);
  if (fallback) return transferTo(state, ctx, fallback);
  return askWhichDepartment(state, ctx, 0);
}

export function askWhichDepartment(state: TState, ctx: TContext, attempts: number): [TState, TReply] {
  const names = ctx.index.departments.map((d) => d.department.name.trim());
  const list =
    names.length <= 2 ? names.join(" or ") : `${names.slice(0, -1).join(", ")}, or ${names[names.length - 1]}`;
  const say =
    attempts === 0
      ? [`Sure. Which department would you like? I can connect you with ${list}.`]
      : [`Sorry, which one? ${list}?`];
  return [{ ...state, pending: { kind: "which_department", attempts } }, { say }];
}

