// Message taking: the slots (name, callback number, the message, the agent's capture fields), asked once each,
// read back, and corrected.
import { normalizePhoneNumber } from "@/voice-server/tools/phone-number";
import { CANCEL_FLOW, GOODBYE, QUESTION_START, SKIP_FIELD, USE_CALLER_NUMBER, isAffirmative, isNegative } from "./intents";
import { speakDigits } from "./speakable";
import { parseCorrectedNumber, parseMessageBody, parseName, parseSpokenPhoneNumber, spokenDigits, splitOffPhoneNumber } from "./spoken-input";
import { reasonInQuestion, reasonInRequest, splitOffReason, withReason } from "./message-content";
import { contentWords, normalizeText } from "./text";
import { fieldsFromRequest, isOnlyATime, isServiceField, isTimeField, serviceIn } from "./field-values";
import { anythingElse, goodbye, type TContext, type TDraft, type TPending, type TReply, type TSlot, type TState } from "./state";

export function firstName(name: string): string {
  return name.split(" ")[0] ?? name;
}

export function lowerLabel(label: string): string {
  const t = label.trim();
  return /^[A-Z][a-z]/.test(t) ? t.charAt(0).toLowerCase() + t.slice(1) : t;
}

// Capture fields that are really the caller's name, number or message are filled from those slots instead of
// asked twice ("Reason for calling" is the message: asking for both would ask the same thing twice).
export function fieldRole(key: string, label = ""): "name" | "callback" | "message" | null {
  if (/(^|_)name$/.test(key) && !/(company|business|pet|product|child|patient)/.test(key)) return "name";
  if (/(phone|mobile|callback|cell)/.test(key)) return "callback";
  const words = `${key.replace(/_/g, " ")} ${label}`.toLowerCase();
  if (/\b(reason|message|issue|summary|purpose|notes?|request|enquiry|inquiry|concern|why they (are )?calling)\b/.test(words))
    return "message";
  return null;
}

// The capture field that stands for the message, if the agent has one: its label is how the message is asked for.
function messageField(ctx: TContext): { key: string; label: string } | undefined {
  return ctx.snapshot.config.captureFields.find((f) => fieldRole(f.key, f.label) === "message");
}

// The capture fields that are none of the name, number or message: asked for as they are.
function ownFields(ctx: TContext): { key: string; label: string }[] {
  return ctx.snapshot.config.captureFields.filter((f) => fieldRole(f.key, f.label) === null);
}

export function nextSlot(draft: TDraft, ctx: TContext): TSlot | null {
  if (!draft.name) return "name";
  if (!draft.callback) return "callback";
  if (!draft.message) return "message";
  for (const f of ownFields(ctx)) {
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
  if (slot === "message") {
    const field = messageField(ctx);
    if (field) {
      const label = lowerLabel(field.label);
      return attempt === 0 ? `And what's the ${label}?` : `Sorry, could you tell me the ${label} again?`;
    }
    return attempt === 0
      ? "And what message would you like me to pass on?"
      : "Sorry, what would you like the message to say?";
  }
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
  // What the caller already asked, when that is the message ("I'd like to book a haircut for Saturday").
  message?: string,
): [TState, TReply] {
  // A request for a message that says what it is about: that is not asked for again.
  const about = message ?? reasonInRequest(raw) ?? undefined;
  const draft: TDraft = { details: {}, skipped: [], ...(about ? { message: about.slice(0, 1000) } : {}) };
  // "Book a haircut for Friday afternoon" already says the service and the time the agent's fields ask for.
  if (about) draft.details = fieldsFromRequest(ownFields(ctx), about);
  const leadName = /\b(my name is|my name's|this is)\b/i.test(raw) ? parseName(raw) : null;
  const name = leadName ?? state.knownName;
  if (name) draft.name = name;
  // "Have Dr. Lee call me back at 555 123 4567": a number given up front is not asked for again.
  const number = /\b(number|at|on)\b/i.test(raw) ? parseSpokenPhoneNumber(raw) : null;
  const lines = [lead];
  if (number) {
    draft.callback = number;
    draft.lastFilled = "callback";
    lines.push(`I have your number as ${speakDigits(number)}.`);
  }
  return askNext({ ...state, draft }, ctx, lines);
}

export function askNext(state: TState, ctx: TContext, lead: string[]): [TState, TReply] {
  const draft = state.draft;
  if (!draft) return anythingElse(state, lead);
  const slot = nextSlot(draft, ctx);
  if (slot !== null) {
    return [{ ...state, pending: { kind: "slot", slot, attempts: 0 } }, { say: [...lead, askFor(slot, ctx, 0)] }];
  }
  return [
    { ...state, draft: null, pending: { kind: "none" } },
    { say: [...lead, "Let me save that message for you."], tool: { name: "take_message", args: messageArgs(state, ctx, draft) } },
  ];
}

// What the caller gave so far, nothing made up: whatever was not given says so in words rather than a guess.
export const NAME_NOT_GIVEN = "Name not given";
export const MESSAGE_NOT_GIVEN = "No message given: the caller ended the call before saying what it was about.";

// Something worth keeping was heard: a name, a number or a message from the caller.
export function hasDetails(draft: TDraft | null): draft is TDraft {
  return draft !== null && Boolean(draft.name || draft.callback || draft.message || Object.keys(draft.details).length);
}

export function messageArgs(state: TState, ctx: TContext, draft: TDraft): Record<string, unknown> {
  const details: Record<string, string> = { ...draft.details };
  for (const f of ctx.snapshot.config.captureFields) {
    const role = fieldRole(f.key, f.label);
    if (role === "name" && draft.name) details[f.key] = draft.name;
    if (role === "callback" && draft.callback) details[f.key] = draft.callback;
    if (role === "message" && draft.message) details[f.key] = draft.message;
  }
  const args: Record<string, unknown> = {
    name: draft.name ?? state.knownName ?? NAME_NOT_GIVEN,
    callback_number: draft.callback ?? ctx.callerNumber ?? "",
    message: draft.message ?? MESSAGE_NOT_GIVEN,
  };
  if (Object.keys(details).length > 0) args.details = details;
  // Only when the tool declares it (older tool specs have no such parameter).
  if (state.urgent && ctx.takeMessageHasUrgent) args.urgent = true;
  return args;
}

// The caller is leaving with the message half taken: keep what was heard, then say goodbye once it is saved.
export function saveAndClose(state: TState, ctx: TContext, draft: TDraft): [TState, TReply] {
  if (!draft.callback && !ctx.callerNumber) return goodbye(state, ctx);
  return [
    { ...state, draft: null, pending: { kind: "closing" } },
    {
      say: ["Thanks, I'll pass on what you've told me."],
      tool: { name: "take_message", args: messageArgs(state, ctx, draft) },
    },
  ];
}

// "No, it's Joan", "no, the number is 555 ...": fixes what was just read back, whichever slot is being asked.
const CORRECTION = /^(?:no|nope|wrong|that is wrong|that is not right|that is not it|not quite|incorrect|actually|sorry)\b/;
const NAME_CORRECTION_LEAD = /\b(?:it is|it's|i said|my name is|my name's|name is|that is|that's|spelled|call me)\s+(.+)$/i;

const ASKS_FOR_A_PERSON =
  /\b(talk|speak) (to|with) (someone|somebody|a person|a human|a real person|the front desk|reception|the office|a receptionist)\b|\b(transfer|put) me (through|over)\b|\b(real|live|actual) person\b|\b(representative|operator|receptionist)\b/;

// A reply that only confirms what was read back (normalizeText output).
const CONFIRMATION =
  /^(?:(?:yes|yeah|yep|yup|yea|correct|right|exactly|perfect|great|good|sure|ok|okay|mhm|uh huh|mm hmm|that is (?:right|correct|it|me)|you got it|got it|sounds (?:good|right)|that is fine)\s*)+(?:thanks|thank you|please)?$/;

function correction(
  state: TState,
  ctx: TContext,
  draft: TDraft,
  slot: TSlot,
  raw: string,
  normalized: string,
): [TState, TReply] | null {
  // "My name is ..." while asked for the name is the answer, not a correction (and the same for the number).
  const explicitName = slot !== "name" && /\b(my name is|my name's)\b/i.test(raw);
  const explicitNumber =
    (slot !== "callback" && /\b(my|the|your) (number|phone|cell|mobile)\b/.test(normalized)) ||
    (draft.callback !== undefined && /\b(last (four|three|two|digits?)|area code|ends? (in|with)|ending (in|with))\b/.test(normalized));
  if (!CORRECTION.test(normalized) && !explicitName && !explicitNumber) return null;
  // Only the number just read back (or one the caller names) can be fixed in part ("no, the last four are 0174").
  const number = parseCorrectedNumber(raw, draft.lastFilled === "callback" || explicitNumber ? draft.callback : undefined);
  if (number && (explicitNumber || draft.lastFilled === "callback" || CORRECTION.test(normalized))) {
    const next = { ...draft, callback: number, lastFilled: "callback" as const };
    return askNext({ ...state, draft: next }, ctx, [`Sorry about that. I have ${speakDigits(number)}.`]);
  }
  if (explicitName || draft.lastFilled === "name") {
    const lead = NAME_CORRECTION_LEAD.exec(raw.replace(/^[^,]*?\b(?:no|nope|wrong|actually|sorry)\b[,.!]?\s*/i, ""));
    const rest = raw.replace(/^\s*(?:no|nope|wrong|actually|sorry|not quite|incorrect)\b[,.!]?\s*/i, "");
    // "No, not Katrina, Katrin Holm": the name taken back does not count.
    const short = rest.replace(/^not\s+[^,]+,\s*/i, "").split(/\s+/).filter((w) => w !== "").length <= 3;
    const name = lead?.[1] ? parseName(lead[1]) : short ? parseName(rest) : null;
    if (name) {
      const next = { ...draft, name, lastFilled: "name" as const };
      return askNext({ ...state, draft: next, knownName: name }, ctx, [`Sorry about that, ${name}.`]);
    }
    if (draft.lastFilled === "name" && (isNegative(normalized) || /\b(name|wrong|spell)/.test(normalized))) {
      const next = { ...draft, lastFilled: undefined };
      delete next.name;
      return [
        { ...state, draft: next, pending: { kind: "slot", slot: "name", attempts: 1 } },
        { say: ["Sorry about that. Could you tell me your name again?"] },
      ];
    }
  }
  if (draft.lastFilled === "callback" && (isNegative(normalized) || /\b(number|wrong)\b/.test(normalized))) {
    const next = { ...draft, lastFilled: undefined };
    delete next.callback;
    return [
      { ...state, draft: next, pending: { kind: "slot", slot: "callback", attempts: 0 } },
      { say: ["Sorry about that. What's the right number?"] },
    ];
  }
  return null;
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
    // "Wait, when do you close?" instead of a name: answer it, then ask again.
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
      // "Do you know if my crown is ready?" asked for a name: nothing here answers it, so it is what the message is
      // about, kept rather than asked for again later.
      if ((pending.slot === "name" || pending.slot === "callback") && !draft.message && reasonInQuestion(normalized)) {
        return [
          { ...state, draft: { ...draft, message: raw.trim().slice(0, 1000) }, pending },
          { say: ["I'll pass that question on.", askFor(pending.slot, ctx, 0)] },
        ];
      }
    }
    return [
      { ...state, draft, pending: { ...pending, attempts: pending.attempts + 1 } },
      { say: [askFor(pending.slot, ctx, pending.attempts + 1)] },
    ];
  };

  // "Actually, can I just talk to someone?": the caller would rather speak to a person than leave a message. What
  // they gave so far goes with the draft; the person they reach takes it from there.
  if (ctx.index.departments.length > 0 && ctx.isOpen !== false && ASKS_FOR_A_PERSON.test(normalized) && !hasDetails(draft)) {
    return answer({ ...state, draft: null, pending: { kind: "none" } }, ctx, raw, "");
  }
  if (CANCEL_FLOW.test(normalized)) {
    return anythingElse({ ...state, draft: null }, ["No problem, I won't take a message."]);
  }
  // Leaving mid-message ("that's all, bye"): what was heard is saved, not dropped. On the message slot only a line
  // that is nothing but a goodbye counts, since "tell her I said bye" is a message.
  const leaving =
    GOODBYE.test(normalized) &&
    (pending.slot !== "message" || contentWords(normalized.replace(GOODBYE, " ")).length === 0);
  if (leaving) return hasDetails(draft) ? saveAndClose(state, ctx, draft) : goodbye(state, ctx);

  // "It's about my bill, my number is 415 555 0199" asked for the number: the reason is the message (kept, and not
  // asked for again), the rest answers the question asked.
  if (pending.slot === "name" || pending.slot === "callback") {
    const { answer: said, reason } = splitOffReason(raw);
    if (reason !== null) {
      const next: TDraft = { ...draft, message: withReason(draft.message, reason) };
      const saidNormalized = normalizeText(said);
      // "Please call me back about my crown" asked for the name: the reason, and no name in the rest.
      const usable =
        (pending.slot === "name" ? parseName(said) !== null : contentWords(saidNormalized).length > 0) ||
        spokenDigits(saidNormalized).length > 0 ||
        (pending.slot === "callback" &&
          ctx.callerNumber !== undefined &&
          (isAffirmative(saidNormalized) || USE_CALLER_NUMBER.test(saidNormalized)));
      if (usable) return onSlotAnswer({ ...state, draft: next }, ctx, pending, said, saidNormalized, answer);
      // Only the reason: the question asked is asked again (a second reason in a row counts as a try, so a
      // caller who never gives a number is not asked forever).
      const attempts = draft.message ? pending.attempts + 1 : pending.attempts;
      return [
        { ...state, draft: next, pending: { ...pending, attempts } },
        { say: ["Got it, I'll pass that on.", askFor(pending.slot, ctx, 0)] },
      ];
    }
  }

  // "This is Jane Doe, my number is 617 ...", or "Jane Doe six one seven ..." as heard: both answers at once,
  // neither asked again.
  if (pending.slot === "name") {
    const cut = raw.search(/[,.]?\s*\b(?:and )?(?:my|the) (?:phone |cell |mobile |callback )?(?:number|phone|cell|mobile)\b/i);
    const both = cut > 0 ? { before: raw.slice(0, cut), number: parseSpokenPhoneNumber(raw.slice(cut)) } : splitOffPhoneNumber(raw);
    const name = both ? parseName(both.before) : null;
    if (both && name) {
      draft.name = name;
      draft.lastFilled = "name";
      const lead = [`Thanks, ${name}.`];
      const number = both.number;
      if (number) {
        draft.callback = number;
        draft.lastFilled = "callback";
        lead.push(`I have your number as ${speakDigits(number)}.`);
      }
      return askNext({ ...state, draft, knownName: name }, ctx, lead);
    }
  }

  const corrected = correction(state, ctx, draft, pending.slot, raw, normalized);
  if (corrected) return corrected;

  if (pending.slot === "name") {
    const name = parseName(raw);
    // The number given before the name ("415 555 0199" asked for the name): kept, and the name asked again.
    const digits = raw.split(/[,;]/).filter((part) => spokenDigits(part).length >= 3);
    const number = name || draft.callback || digits.length === 0 ? null : parseCorrectedNumber(digits.join(" "));
    if (number) {
      return [
        { ...state, draft: { ...draft, callback: number, lastFilled: "callback" }, pending },
        { say: [`Got it, ${speakDigits(number)}.`, askFor("name", ctx, 0)] },
      ];
    }
    if (name) draft.name = name;
    // Kept as heard on the second try, unless it is only a yes or no ("yes" is an answer, not a name).
    else if (pending.attempts >= 1 && raw.trim() !== "" && !isAffirmative(normalized) && !isNegative(normalized))
      draft.name = raw.trim().slice(0, 60);
    else return retry();
    draft.lastFilled = "name";
    // Read back in full so a misheard name can be corrected ("No, it's Joan").
    return askNext({ ...state, draft, knownName: draft.name }, ctx, [`Thanks, ${draft.name}.`]);
  }

  if (pending.slot === "callback") {
    let number: string | null = null;
    if (ctx.callerNumber && (isAffirmative(normalized) || USE_CALLER_NUMBER.test(normalized))) {
      number = normalizePhoneNumber(ctx.callerNumber);
    }
    // "303 555 0147, sorry, 0174": a slip corrected in the same breath.
    number ??= parseCorrectedNumber(raw);
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
    draft.lastFilled = "callback";
    // Reading the number back lets the caller correct it in their next answer.
    return askNext({ ...state, draft }, ctx, [`Got it, ${speakDigits(number)}.`]);
  }

  if (pending.slot === "message") {
    // "Yes, that's right" to the name or number just read back, not the message: ask for the message again.
    if (draft.lastFilled !== undefined && CONFIRMATION.test(normalized)) {
      return [{ ...state, draft: { ...draft, lastFilled: undefined } }, { say: ["Great. And what message would you like me to pass on?"] }];
    }
    const message = parseMessageBody(raw);
    if (!message) return retry();
    draft.message = message;
    draft.lastFilled = undefined;
    return askNext({ ...state, draft }, ctx, ["Okay."]);
  }

  const key = pending.slot.slice("field:".length);
  // "That's it, thanks" is no value: the field is left out, as with "skip".
  if (SKIP_FIELD.test(normalized) || isNegative(normalized)) {
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
  // "Friday after 2" asked for the service: that is the time the agent also wants, and the service is asked again.
  const asked = ctx.snapshot.config.captureFields.find((f) => f.key === key);
  const timeField = ownFields(ctx).find((f) => isTimeField(f) && draft.details[f.key] === undefined && !draft.skipped.includes(f.key));
  if (asked && !isTimeField(asked) && timeField && isOnlyATime(value)) {
    draft.details[timeField.key] = value.slice(0, 1000);
    return [{ ...state, draft, pending }, { say: ["Got it.", askFor(pending.slot, ctx, 0)] }];
  }
  // "I'd like to come in for a color" is the service "color".
  draft.details[key] = ((asked && isServiceField(asked) ? serviceIn(value) : null) ?? value).slice(0, 1000);
  draft.lastFilled = undefined;
  return askNext({ ...state, draft }, ctx, ["Thanks."]);
}

