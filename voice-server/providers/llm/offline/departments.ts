// Routing a call to a department: by its name, by the meaning of its "when to transfer" text, or to the operator.
import type { TDepartment } from "@/lib/agents/config";
import { CONCEPT_CREDIT } from "./knowledge";
import { stem } from "./stem";
import { contentWords } from "./text";
import { anythingElse, offerMessage, type TContext, type TReply, type TState } from "./state";

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

// Best department by what its whenToTransfer says; only when one clearly beats the others.
export function departmentByDescription(ctx: TContext, normalized: string): TDepartment | undefined {
  const words = contentWords(normalized);
  if (words.length === 0) return undefined;
  const scored = ctx.index.departments
    .map((d) => {
      let score = 0;
      for (const w of words) {
        if (d.terms.has(w.stem)) score += 1;
        else if (w.concept && d.terms.has(w.concept)) score += CONCEPT_CREDIT;
      }
      return { d, score };
    })
    .sort((a, b) => b.score - a.score);
  const top = scored[0];
  const second = scored[1];
  if (!top || top.score < CONCEPT_CREDIT) return undefined;
  if (second && second.score >= top.score) return undefined;
  return top.d.department;
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

