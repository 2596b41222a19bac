// What the agent says when it cannot answer: "say that again", a redirect for what this line is not for, or an
// offer of a message or a transfer (to the department the line describes, when one does).
import type { TDepartment } from "@/lib/agents/config";
import { departmentByDescription } from "./departments";
import { asksAPrice } from "./prices";
import { emergencySigns, routingConceptsOf } from "./routing";
import { whatICanDo } from "./scope";
import { stem } from "./stem";
import { offerMessage, type TContext, type TReply, type TState } from "./state";
import { contentWords } from "./text";
import { URGENT_NOW } from "./urgency";

// The line made no sense as heard (a "not sure", a redirect, a "say it another way"): the repair may try again.
export function fallback([state, reply]: [TState, TReply]): [TState, TReply] {
  return [state, { ...reply, isFallback: true }];
}

// Nothing usable was heard: asked once to say it again (onCaller offers a way on the second time).
export function sayAgain(state: TState, say: string): [TState, TReply] {
  return [state, { say: [say], isFallback: true, isUnheard: true }];
}

export function notSure(state: TState, ctx: TContext, normalized: string): [TState, TReply] {
  return fallback(notSureReply(state, ctx, normalized));
}

function notSureReply(state: TState, ctx: TContext, normalized: string): [TState, TReply] {
  const lead = "I'm sorry, I don't have that information.";
  if (ctx.index.departments.length > 0 && ctx.isOpen !== false) {
    const department = describedDepartment(ctx, normalized);
    return [
      { ...state, pending: { kind: "message_or_transfer", departmentId: department?.id } },
      {
        say: [
          lead,
          department
            ? `I can transfer you to ${department.name.trim()}, or take a message for the team. Which would you prefer?`
            : "I can take a message for the team, or transfer you to someone who can help. Which would you prefer?",
        ],
      },
    ];
  }
  return offerMessage(state, [lead]);
}

// The department whose "when to transfer" text the line describes, to offer the caller; never a line for
// emergencies for a price question with no sign of one ("how much is teeth whitening" shares "teeth" with "broken
// teeth", but it is a question, possibly misheard, not a call for the on-call dentist). Other lines reach it by its
// own words ("seizures", "gas smell"): each business names its emergencies in words no table can list.
export function describedDepartment(ctx: TContext, normalized: string): TDepartment | undefined {
  const department = departmentByDescription(ctx, normalized);
  const entry = department && ctx.index.departments.find((d) => d.department === department);
  // "What do you charge for a root canal?" asks a price, not about a bill: billing is for the caller's own bill
  // ("how much is my invoice", "a question about the invoice cost" name it, and stay with billing).
  if (entry && asksAPrice(normalized) && [...entry.routes].every((r) => r === "billing") && !namesABill(normalized)) return undefined;
  if (!entry?.routes.has("emergency") || !asksAPrice(normalized)) return department;
  const stems = contentWords(normalized).map((w) => w.stem);
  const { strong, weak } = emergencySigns(stems);
  // The line's kind of call, when it has one, is another this department handles ("urgent problems").
  const otherKind = stems.some((s) => routingConceptsOf(s).some((r) => r !== "emergency" && entry.routes.has(r)));
  return strong + weak > 0 || otherKind || URGENT_NOW.test(normalized) ? department : undefined;
}

// Words for the caller's own bill (not "charge" or "pay", which a price question uses as well).
const BILL_STEMS = new Set("bill bills invoice invoices statement statements balance refund receipt owe owed".split(" ").map(stem));
function namesABill(normalized: string): boolean {
  return contentWords(normalized).some((w) => BILL_STEMS.has(w.stem));
}

// Weather and sports are not this line's business (isOff); parking may be, it just isn't in the knowledge.
export function redirect(state: TState, ctx: TContext, isOff: boolean): [TState, TReply] {
  return [
    // "Yes please" after the offer takes a message; naming a department transfers; a new question is answered.
    { ...state, pending: { kind: "message_or_transfer" } },
    {
      say: [
        isOff ? "I'm sorry, that's not something I can help with on this line." : "I'm sorry, I don't have that information.",
        whatICanDo(ctx.snapshot, ctx.isOpen !== false),
        "What can I do for you?",
      ],
      // A subject no business line answers stays declined; anything else may be a misheard question.
      isFallback: !isOff,
    },
  ];
}
