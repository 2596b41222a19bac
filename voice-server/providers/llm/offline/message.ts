// Message taking: the slots (name, callback number, the message, the agent's capture fields), asked once each,
// read back, and corrected.
import { normalizePhoneNumber } from "@/voice-server/tools/specs";
import { CANCEL_FLOW, GOODBYE, QUESTION_START, SKIP_FIELD, USE_CALLER_NUMBER, isAffirmative, isNegative } from "./intents";
import { speakDigits } from "./speakable";
import { parseMessageBody, parseName, parseSpokenPhoneNumber } from "./spoken-input";
import { anythingElse, goodbye, type TContext, type TDraft, type TPending, type TReply, type TSlot, type TState } from "./state";

export function firstName(name: string): string {
  return name.split(" ")[0] ?? name;
}

export function lowerLabel(label: string): string {
  const t = label.trim();
  return /^[A-Z][a-z]/.test(t) ? t.charAt(0).toLowerCase() + t.slice(1) : t;
}

// Capture fields that are really the caller's name or number are filled from those slots instead of asked twice.
export function fieldRole(key: string): "name" | "callback" | null {
  if (/(^|_)name$/.test(key) && !/(company|business|pet|product|child|patient)/.test(key)) return "name";
  if (/(phone|mobile|callback|cell)/.test(key)) return "callback";
  return null;
}

export function nextSlot(draft: TDraft, ctx: TContext): TSlot | null {
  if (!draft.name) return "name";
  if (!draft.callback) return "callback";
  if (!draft.message) return "message";
  for (const f of ctx.snapshot.config.captureFields) {
    if (fieldRole(f.key) !== null) continue;
    if (draft.details[f.key] === undefined && !draft.skipped.includes(f.key)) return `field:${f.key}`;
  }
  return null;
}

export function askFor(slot: TSlot, ctx: TContext, attempt: number): string {
  if (slot === "name")
    return attempt === 0
      ? "Could I get your name, please?"
      : "Sorry, I didn't catch your name. Could you say it again?";
  if (slot === "callback") {
    if (attempt > 0) return "Sorry, I didn't get a full phone number. Could you say it again, digit by digit?";
    const own = ctx.callerNumber?.replace(/[^0-9]/g, "");
    return own && own.length >= 4
      ? `What's the best number to reach you? I can use the number you're calling from, ending in ${speakDigits(own.slice(-4))}.`
      : "What's the best number to reach you?";
  }
  if (slot === "message")
    return attempt === 0
      ? "And what message would you like me to pass on?"
      : "Sorry, what would you like the message to say?";
  const key = slot.slice("field:".length);
  const field = ctx.snapshot.config.captureFields.find((f) => f.key === key);
  const label = field ? lowerLabel(field.label) : key.replace(/_/g, " ");
  return attempt === 0 ? `Could you also tell me your ${label}?` : `Sorry, could you repeat your ${label}?`;
}

export function startMessage(
  state: TState,
  ctx: TContext,
  raw: string,
  lead = "Sure, I can take a message.",
): [TState, TReply] {
  const draft: TDraft = { details: {}, skipped: [] };
  const leadName = /\b(my name is|my name's|this is)\b/i.test(raw) ? parseName(raw) : null;
  const name = leadName ?? state.knownName;
  if (name) draft.name = name;
  return askNext({ ...state, draft }, ctx, [lead]);
}

export function askNext(state: TState, ctx: TContext, lead: string[]): [TState, TReply] {
  const draft = state.draft;
  if (!draft) return anythingElse(state, lead);
  const slot = nextSlot(draft, ctx);
  if (slot !== null) {
    return [{ ...state, pending: { kind: "slot", slot, attempts: 0 } }, { say: [...lead, askFor(slot, ctx, 0)] }];
  }
  const details: Record<string, string> = { ...draft.details };
  for (const f of ctx.snapshot.config.captureFields) {
    const role = fieldRole(f.key);
    if (role === "name" && draft.name) details[f.key] = draft.name;
    if (role === "callback" && draft.callback) details[f.key] = draft.callback;
  }
  const args: Record<string, unknown> = {
    name: draft.name ?? "",
    callback_number: draft.callback ?? "",
    message: draft.message ?? "",
  };
  if (Object.keys(details).length > 0) args.details = details;
  return [
    { ...state, draft: null, pending: { kind: "none" } },
    { say: [...lead, "Let me save that message for you."], tool: { name: "take_message", args } },
  ];
}

export function onSlotAnswer(
  state: TState,
  ctx: TContext,
  pending: Extract<TPending, { kind: "slot" }>,
  raw: string,
  normalized: string,
  // The whole dialog, to answer a question asked instead of a slot's answer (passed in to avoid an import cycle).
  answer: (state: TState, ctx: TContext, raw: string, recentCaller: string) => [TState, TReply],
): [TState, TReply] {
  const draft: TDraft = { ...(state.draft ?? { details: {}, skipped: [] }) };
  draft.details = { ...draft.details };
  const retry = (): [TState, TReply] => {
    // "Wait, what are your hours?" instead of a name: answer it, then ask again.
    if (QUESTION_START.test(normalized)) {
      const [, reply] = answer({ ...state, pending: { kind: "none" } }, ctx, raw, "");
      // Only real answers (they end by offering more help); a "not sure" would derail the message.
      if (!reply.tool && reply.say.some((line) => /anything else/i.test(line))) {
        const say = [...reply.say.filter((line) => !/anything else/i.test(line)), askFor(pending.slot, ctx, 0)];
        return [
          { ...state, draft, pending },
          reply.knowledgeIds ? { say, knowledgeIds: reply.knowledgeIds } : { say },
        ];
      }
    }
    return [
      { ...state, draft, pending: { ...pending, attempts: pending.attempts + 1 } },
      { say: [askFor(pending.slot, ctx, pending.attempts + 1)] },
    ];
  };

  if (CANCEL_FLOW.test(normalized)) {
    return anythingElse({ ...state, draft: null }, ["No problem, I won't take a message."]);
  }
  if (GOODBYE.test(normalized) && pending.slot !== "message") return goodbye(state, ctx);

  if (pending.slot === "name") {
    const name = parseName(raw);
    if (name) draft.name = name;
    else if (pending.attempts >= 1 && raw.trim() !== "") draft.name = raw.trim().slice(0, 60);
    else return retry();
    return askNext({ ...state, draft, knownName: draft.name }, ctx, [`Thanks, ${firstName(draft.name)}.`]);
  }

  if (pending.slot === "callback") {
    let number: string | null = null;
    if (ctx.callerNumber && (isAffirmative(normalized) || USE_CALLER_NUMBER.test(normalized))) {
      number = normalizePhoneNumber(ctx.callerNumber);
    }
    number ??= parseSpokenPhoneNumber(raw);
    if (!number) {
      if (pending.attempts >= 2 && ctx.callerNumber && normalizePhoneNumber(ctx.callerNumber)) {
        draft.callback = normalizePhoneNumber(ctx.callerNumber) ?? undefined;
        return askNext({ ...state, draft }, ctx, ["I'll use the number you're calling from."]);
      }
      if (pending.attempts >= 2) {
        return anythingElse({ ...state, draft: null }, [
          "I'm sorry, I'm having trouble getting the number, so I can't take the message right now.",
        ]);
      }
      return retry();
    }
    draft.callback = number;
    // Reading the number back lets the caller correct it in their next answer.
    return askNext({ ...state, draft }, ctx, [`Got it, ${speakDigits(number)}.`]);
  }

  if (pending.slot === "message") {
    // "No, that's wrong, it's five five five..." right after the read-back corrects the number.
    if (/^(no|nope|wrong|that is wrong|that is not right|incorrect|actually)\b/.test(normalized)) {
      const corrected = parseSpokenPhoneNumber(raw);
      if (corrected) {
        draft.callback = corrected;
        return askNext({ ...state, draft }, ctx, [`Sorry about that. I have ${speakDigits(corrected)}.`]);
      }
      if (isNegative(normalized) || /\b(number|wrong)\b/.test(normalized)) {
        delete draft.callback;
        return [
          { ...state, draft, pending: { kind: "slot", slot: "callback", attempts: 0 } },
          { say: ["Sorry about that. What's the right number?"] },
        ];
      }
    }
    const message = parseMessageBody(raw);
    if (!message) return retry();
    draft.message = message;
    return askNext({ ...state, draft }, ctx, ["Okay."]);
  }

  const key = pending.slot.slice("field:".length);
  if (SKIP_FIELD.test(normalized)) {
    draft.skipped = [...draft.skipped, key];
    return askNext({ ...state, draft }, ctx, ["That's fine."]);
  }
  const value = raw
    .trim()
    .replace(/^(?:um+|uh+|yeah|sure|okay|ok|so)[,.]?\s+/i, "")
    .replace(/^(?:it's|it is|my [\w\s]{1,30}? is)\s+/i, "")
    .replace(/[.!?]+$/, "")
    .trim();
  if (value === "") return retry();
  draft.details[key] = value.slice(0, 1000);
  return askNext({ ...state, draft }, ctx, ["Thanks."]);
}

