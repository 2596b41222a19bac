// The dialog policy: one caller line, event or tool result in, the next state and reply out.
import type { TDepartment } from "@/lib/agents/config";
import { isToolFailure } from "@/voice-server/tools/types";
import type { TChatMessage } from "@/voice-server/providers/types";
import {
  departmentById,
  departmentByDescription,
  emergencyDepartment,
  departmentByName,
  handleTransferRequest,
  operatorDepartment,
  askWhichDepartment,
  transferTo,
} from "./departments";
import { hoursAnswer, requestedDays } from "./hours";
import {
  GREETING_ONLY,
  HISTORY,
  HOURS_INTENT,
  HOW_ARE_YOU,
  HUMAN_REQUEST,
  IDENTITY,
  LEAVE_MESSAGE,
  LOCATION_INTENT,
  QUESTION_START,
  REPEAT,
  STRONG_HUMAN,
  TRANSFER_VERB,
  isAffirmative,
  isGoodbye,
  isThanks,
  isOnlyNumbers,
  isNegative,
} from "./intents";
import {
  HOURS_OVERRIDE_CONFIDENCE,
  answerText,
  retrieve,
  retrieveByName,
  retrieveByTopic,
  sharesAWord,
  type TRetrieval,
} from "./knowledge";
import { NAME_NOT_GIVEN, firstName, onSlotAnswer, startMessage } from "./message";
import { speakDigits, splitSentences, toSpoken } from "./speakable";
import { describesEmergency, emergencySigns, routingConceptsOf, soundsUrgent } from "./routing";
import { asksAboutAnotherPlace, isOffTopic, isOutOfScope, whatICanDo } from "./scope";
import { expandParaphrases } from "./paraphrase";
import { withoutPreamble } from "./preamble";
import { repairedLine } from "./repair";
import { stem } from "./stem";
import { parseName } from "./spoken-input";
import { anythingElse, goodbye, offerMessage, type TContext, type TReply, type TState } from "./state";
import { FILLERS, contentWords, normalizeText } from "./text";

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
function describedDepartment(ctx: TContext, normalized: string): TDepartment | undefined {
  const department = departmentByDescription(ctx, normalized);
  const entry = department && ctx.index.departments.find((d) => d.department === department);
  // "What do you charge for a root canal?" asks a price, not about a bill: billing is for the caller's own bill.
  if (entry && asksAPrice(normalized) && [...entry.routes].every((r) => r === "billing")) return undefined;
  if (!entry?.routes.has("emergency") || !asksAPrice(normalized)) return department;
  const stems = contentWords(normalized).map((w) => w.stem);
  const { strong, weak } = emergencySigns(stems);
  // The line's kind of call, when it has one, is another this department handles ("urgent problems").
  const otherKind = stems.some((s) => routingConceptsOf(s).some((r) => r !== "emergency" && entry.routes.has(r)));
  return strong + weak > 0 || otherKind || URGENT_NOW.test(normalized) ? department : undefined;
}

const FOLLOW_UP = /^(?:(?:and|so|ok|okay|oh|hmm|right) )*(?:what|how) about\b|\b(?:it|they|them|those|these|that one|those ones)\b/;

// "And Sunday?", "what about on the weekend": a day and nothing else.
const DAY_ONLY =
  /^(?:(?:and|so|ok|okay|oh|what|how|about|on|the|for|is|are|you|open|this|next)\s+)*(?:(?:sun|mon|tues|wednes|thurs|fri|satur)days?|weekends?|today|tomorrow|tonight)$/;

const PRICE_QUESTION =
  /\b(how much|what (do|does|would|will|did) (you|it|they|that|this) (charge|cost)|what (is|are|would be) the (price|cost|fee|rate)s?|what does (a|an|the) [a-z ]{1,30} cost|price|cost|fee|rate)s?\b/;
const OWN_BILL =
  /\b(my|the|this|that|our|an|a) (bill|invoice|statement|account|balance|receipt)s?\b|\b(charged|billed|overcharged|refund|refunded|owe|owed|double charged|paid twice)\b/;
function asksAPrice(normalized: string): boolean {
  return PRICE_QUESTION.test(normalized) && !OWN_BILL.test(normalized);
}

// What a price question asks the price of, normalised ("how much for a deep cleaning if I have no insurance" ->
// "deep cleaning"); null when it is not one or names nothing.
function priceSubject(normalized: string): string | null {
  if (!asksAPrice(normalized)) return null;
  const after = /\b(?:for|of|to get|to have|to do) (?:a |an |the |my |your |one |just |some )?([a-z ]+?)(?: (?:with|without|if|and|on|at|under|because|since|when|please|though|done|there|here)\b.*)?$/.exec(normalized)?.[1];
  return after && contentWords(after).length > 0 ? after : null;
}

// A caller line. When it makes no sense as heard, it is tried once more with sound-alike, misspelt or split words
// replaced by this agent's own words ("do you take sigma" -> "cigna"); the repaired reading is only used when it
// makes sense, so a line that was understood is never rewritten and one that wasn't gets the same fallback.
export function onCaller(state: TState, ctx: TContext, raw: string, recentCaller: string): [TState, TReply] {
  const [next, reply] = onCallerOnce(state, ctx, raw, recentCaller);
  if (!reply.isUnheard) return [{ ...next, unheard: 0 }, reply];
  // Asked once to say it again; the second time in a row, the caller is offered a way on rather than a third "sorry?"
  // (answers to the message's own questions have retries of their own).
  const unheard = (state.unheard ?? 0) + 1;
  if (unheard < 2 || next.pending.kind === "slot") return [{ ...next, unheard }, reply];
  const lead = "Sorry, I'm having trouble hearing you.";
  if (ctx.index.departments.length > 0 && ctx.isOpen !== false) {
    return [
      { ...next, unheard: 0, pending: { kind: "message_or_transfer" } },
      { say: [lead, "I can take a message and have someone call you back, or transfer you to someone who can help. Which would you prefer?"] },
    ];
  }
  const [offered, offer] = offerMessage({ ...next, unheard: 0 }, [lead]);
  return [offered, offer];
}

function onCallerOnce(state: TState, ctx: TContext, raw: string, recentCaller: string): [TState, TReply] {
  const first = understand(state, ctx, raw, recentCaller);
  if (!first[1].isFallback) return first;
  const repaired = repairedLine(ctx.snapshot, normalizeText(raw));
  if (repaired === null) return first;
  const second = understand(state, ctx, repaired, recentCaller);
  return second[1].isFallback ? first : second;
}

const URGENT_NOW = /\b(urgent|urgently|asap|as soon as possible|right away|immediately|straight away)\b/;
// Words that only say who is needed and how fast: with nothing else said, an urgent line is an emergency call.
const URGENT_ONLY = new Set("urgent asap soon possibl away immediately immediat straight dentist doctor see emergency".split(" "));

function fallback([state, reply]: [TState, TReply]): [TState, TReply] {
  return [state, { ...reply, isFallback: true }];
}

function understand(state: TState, ctx: TContext, raw: string, recentCaller: string): [TState, TReply] {
  const heard = normalizeText(raw);
  // Everyday phrasings ("fit me in") carry the plain word too; an answer to a slot is read as said.
  const normalized = expandParaphrases(heard);
  const tokens = heard.split(" ").filter((t) => t !== "");
  if (tokens.length === 0 || tokens.every((t) => FILLERS.has(t))) {
    return [state, { say: ["Sorry, I didn't catch that. Could you say it again?"], isFallback: true, isUnheard: true }];
  }
  // Said again word for word, and nothing else changes: a question the agent asked is still open.
  if (REPEAT.test(heard)) return [state, { say: [state.lastAgent ?? ctx.snapshot.config.greeting] }];
  const stems = contentWords(normalized).map((w) => w.stem);
  // Once the caller has described an emergency, a message they leave later in the call is urgent too.
  if (!state.urgent && soundsUrgent(normalized, stems)) state = { ...state, urgent: true };
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
  const pending = state.pending;
  if (pending.kind === "slot") return onSlotAnswer(state, ctx, pending, raw, heard, onCaller);

  const knownName = /\b(my name is|my name's)\b/i.test(raw) ? (parseName(raw) ?? state.knownName) : state.knownName;
  state = { ...state, knownName };
  const wantsMessage = LEAVE_MESSAGE.test(normalized) || /\bmessage\b/.test(normalized);
  const wantsTransfer =
    STRONG_HUMAN.test(normalized) ||
    TRANSFER_VERB.test(normalized) ||
    HUMAN_REQUEST.test(normalized) ||
    /\b(transfer|put me through)\b/.test(normalized);

  switch (pending.kind) {
    case "offer_message":
      if (isAffirmative(normalized)) return startMessage(state, ctx, raw, "Okay.");
      if (isNegative(normalized)) return anythingElse(state, ["No problem."]);
      break;
    case "message_or_transfer":
      if (wantsMessage || isAffirmative(normalized)) return startMessage(state, ctx, raw, "Okay.");
      if (wantsTransfer || /\b(transfer|person|someone|connect)\b/.test(normalized)) {
        const department = departmentById(ctx, pending.departmentId);
        const named = departmentByName(ctx, normalized);
        if (named ?? department) return transferTo(state, ctx, (named ?? department) as TDepartment);
        return handleTransferRequest(state, ctx, normalized, recentCaller);
      }
      if (isNegative(normalized)) return anythingElse(state, ["No problem."]);
      break;
    case "confirm_transfer": {
      const department = departmentById(ctx, pending.departmentId);
      if (department && isAffirmative(normalized)) return transferTo(state, ctx, department);
      if (isNegative(normalized)) return anythingElse(state, ["Okay."]);
      break;
    }
    case "which_department": {
      // A new question instead of a department ("actually, where are you?") is answered, not asked over.
      if (QUESTION_START.test(normalized) && !departmentByName(ctx, normalized)) break;
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
      break;
    default:
      break;
  }
  state = { ...state, pending: { kind: "none" } };

  if (isGoodbye(normalized)) return goodbye(state, ctx);
  if (isThanks(normalized)) return anythingElse(state, ["You're welcome!"]);
  if (/^(that is all|that is it|that will be all|nothing else|i am all set|that is everything)\b/.test(normalized))
    return goodbye(state, ctx);
  if (wantsMessage && LEAVE_MESSAGE.test(normalized)) return startMessage(state, ctx, raw);
  if (IDENTITY.test(normalized)) {
    const agent = ctx.snapshot.agentName.trim() || "a virtual assistant";
    const team = ctx.snapshot.teamName.trim();
    return [
      state,
      {
        say: [
          `I'm ${agent}, the virtual assistant${team ? ` for ${team}` : ""}.`,
          "I can answer questions, take a message, or connect you with the right person.",
        ],
      },
    ];
  }
  if (wantsTransfer) return handleTransferRequest(state, ctx, normalized, recentCaller);
  if (HISTORY.test(normalized)) {
    return [
      state,
      {
        say: ["Let me check your earlier calls."],
        tool: { name: "lookup_caller_history", args: { reason: raw.trim().slice(0, 200) } },
      },
    ];
  }
  if (wantsMessage) return startMessage(state, ctx, raw);

  // The question without the greeting, small talk and introductions before it ("hi, this is Dana, I was
  // wondering ..."): what retrieval and the scope check read.
  const withoutGreeting = expandParaphrases(withoutPreamble(raw))
    .replace(/^(hi|hello|hey|good (morning|afternoon|evening))( there)?\s*/, "")
    .trim();
  if (GREETING_ONLY.test(normalized) || withoutGreeting === "") {
    return [state, { say: ["Hi! How can I help you today?"] }];
  }
  if (HOW_ARE_YOU.test(normalized) && contentWords(normalized.replace(HOW_ARE_YOU, "")).length === 0) {
    return [state, { say: ["I'm doing well, thanks for asking.", "How can I help you today?"] }];
  }

  // An emergency goes straight to the line that handles it, before any knowledge answer that shares a word.
  // "What about Humana?", "how much are they?": a follow-up is read together with the caller's line before it.
  const followUp =
    recentCaller !== "" && FOLLOW_UP.test(withoutGreeting) && contentWords(withoutGreeting).length <= 2
      ? `${withoutGreeting} ${expandParaphrases(recentCaller)}`
      : null;
  let retrieval =
    (followUp === null ? retrieve(ctx.index, withoutGreeting) : retrieve(ctx.index, followUp)) ??
    // "What about United?" after the insurers were listed: the same entry answers it, whatever it says.
    (followUp !== null && /\babout\b/.test(withoutGreeting) && !HOURS_INTENT.test(recentCaller)
      ? retrieve(ctx.index, expandParaphrases(recentCaller))
      : null) ??
    (LOCATION_INTENT.test(normalized)
      ? (retrieve(ctx.index, `${withoutGreeting} address location`) ?? retrieve(ctx.index, "where address location"))
      : null);
  // "How much would I pay for a cleaning without insurance?": the price of the thing named after "for", read on its
  // own when the whole line found nothing.
  const priceOf = retrieval === null ? priceSubject(withoutGreeting) : null;
  // The thing's last word names it ("a regular teeth cleaning" is a cleaning) when the whole phrase finds nothing.
  if (priceOf) retrieval = retrieve(ctx.index, `price ${priceOf}`) ?? retrieve(ctx.index, `price ${priceOf.split(" ").at(-1) ?? ""}`);
  // An entry reached only through a broad concept ("my invoice" finds "How can I pay?" through "payment") gives
  // way to a department whose "when to transfer" text has the caller's own word ("Invoices, payments or refunds").
  if (retrieval && !sharesAWord(retrieval, withoutGreeting)) {
    const described = departmentByDescription(ctx, normalized);
    const entry = described && ctx.index.departments.find((d) => d.department === described);
    // Only a word that says what kind of call this is ("invoice"), not one in passing ("office").
    const named = (w: { stem: string }) => entry?.terms.has(w.stem) && routingConceptsOf(w.stem).length > 0;
    if (entry && contentWords(withoutGreeting).some(named)) retrieval = null;
  }
  const isQuestion = QUESTION_START.test(normalized);
  // A question about emergencies ("do you handle emergencies?") is answered or offered a transfer like any other;
  // a question that describes one ("can you help, my face is swollen?") is an emergency.
  const asksAboutEmergencies = isQuestion && (retrieval !== null || /\bemergenc/.test(normalized));
  if (!asksAboutEmergencies && (emergency || (unmistakable && !ctx.index.departments.some((d) => d.routes.has("emergency"))))) {
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

  // A bare department name ("Billing, please") is a transfer request; "where can I park" is not one for "Parking".
  const named = departmentByName(ctx, normalized);
  const namedEntry = named && ctx.index.departments.find((d) => d.department === named);
  if (namedEntry && contentWords(normalized).every((w) => namedEntry.nameStems.includes(w.stem))) {
    return handleTransferRequest(state, ctx, normalized, recentCaller);
  }

  // Asking to book, move or cancel goes to whoever handles appointments, even when the hours or a knowledge entry
  // share a word with it ("any opening Wednesday for a cleaning?").
  // "I'd like to book a visit, and do you take Aetna?": the request is read without the question asked alongside
  // it, and that question is answered first.
  const aside = asideQuestion(raw);
  const request = aside === null ? null : expandParaphrases(normalizeText(raw).replace(ASIDE, "").trim());
  const booking =
    ctx.isOpen === false
      ? undefined
      : request
        ? appointmentDepartment(ctx, request, retrieve(ctx.index, request))
        : appointmentDepartment(ctx, normalized, retrieval);
  if (booking) {
    const answer = aside === null ? null : retrieve(ctx.index, aside);
    const answered = answer && sharesAWord(answer, aside ?? "") ? answer : null;
    return [
      { ...state, pending: { kind: "confirm_transfer", departmentId: booking.id } },
      {
        say: [
          ...(answered && aside ? [answerText(answered, aside)] : []),
          `${booking.name.trim()} can help with that. Would you like me to transfer you?`,
        ],
        ...(answered ? { knowledgeIds: [answered.passage.itemId] } : {}),
      },
    ];
  }

  // "Is the bank across the street open?": the hours or an entry sharing a word would answer for this business,
  // but the question is about another place.
  if (asksAboutAnotherPlace(ctx.index, withoutGreeting)) return redirect(state, ctx, false);

  // "What about Saturday?" right after asking the hours is asking the hours.
  const afterHours = HOURS_INTENT.test(recentCaller) || /\b(we are open|we are closed|open from)\b/.test(normalizeText(state.lastAgent ?? ""));
  // Asked to book with nobody to put the caller through to (none handles it, or closed): the request is taken as a
  // message for the team to confirm, with the request itself as the message.
  const bookingLine = request ?? normalized;
  if (
    !booking &&
    asksToBook(bookingLine, request ? retrieve(ctx.index, request) : retrieval) &&
    (!QUESTION_START.test(bookingLine.replace(/^(can|could|may) i\b/, "")) || asksToDo(bookingLine))
  ) {
    return startMessage(
      state,
      ctx,
      raw,
      // A cancellation has no time to confirm: the team confirms it is done.
      contentWords(bookingLine).some((w) => w.concept === "#cancel") && !/\b(to|for|until|till) (next|another|a different|later|earlier|the)\b/.test(bookingLine)
        ? "I can't change appointments myself, but I can take your request and have the team call you back to confirm."
        : "I can't confirm a time myself, but I can take your request and have the team call you back to confirm.",
      raw.trim(),
    );
  }

  const isHoursQuestion =
    HOURS_INTENT.test(normalized) ||
    (afterHours && (followUp !== null || DAY_ONLY.test(withoutGreeting)) && requestedDays(normalized, undefined) !== null);
  const hoursEnabled = ctx.snapshot.config.businessHours.isEnabled;
  // With hours configured, knowledge only wins when it answers this exact question ("weekend hours" for
  // "open on Saturday"), never for "are you open now" or a general "when are you open, which days".
  const knowledgeBeatsHours =
    retrieval !== null &&
    retrieval.coverage >= HOURS_OVERRIDE_CONFIDENCE &&
    retrieval.questionCoverage >= 0.6 &&
    requestedDays(normalized, undefined) !== "now";
  if (retrieval && (!isHoursQuestion || !hoursEnabled || knowledgeBeatsHours)) {
    return anythingElse(state, [answerText(retrieval, withoutGreeting)], { knowledgeIds: [retrieval.passage.itemId] });
  }
  if (isHoursQuestion && hoursEnabled) return anythingElse(state, hoursAnswer(ctx, normalized));
  // Nothing covered enough of the line, but it names something the knowledge names ("Aetna", "Larkspur"), or its
  // known words point at one entry.
  const byName = retrieval ? null : (retrieveByName(ctx.index, withoutGreeting) ?? retrieveByTopic(ctx.index, withoutGreeting));
  if (byName) return anythingElse(state, [answerText(byName, withoutGreeting)], { knowledgeIds: [byName.passage.itemId] });

  if (contentWords(withoutGreeting).length === 0 || isOnlyNumbers(withoutGreeting)) {
    if (isAffirmative(normalized) || isNegative(normalized))
      return [state, { say: ["Okay. How can I help you today?"] }];
    return [state, { say: ["Sorry, I didn't quite get that. Could you say it another way?"], isFallback: true, isUnheard: true }];
  }

  // Weather, sports, another business: say so and offer what this line is for, never a guess or silence.
  if (isOutOfScope(ctx.index, withoutGreeting)) return redirect(state, ctx, isOffTopic(withoutGreeting));

  const described = describedDepartment(ctx, normalized);
  if (described && ctx.isOpen !== false) {
    return [
      { ...state, pending: { kind: "confirm_transfer", departmentId: described.id } },
      { say: [`${described.name.trim()} can help with that. Would you like me to transfer you?`] },
    ];
  }
  return notSure(state, ctx, normalized);
}

// Weather and sports are not this line's business (isOff); parking may be, it just isn't in the knowledge.
function redirect(state: TState, ctx: TContext, isOff: boolean): [TState, TReply] {
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

// A question asked after the main request in the same line ("..., and also do you take Aetna?", "... also where
// are you?"), normalised; null when there is none.
const ASIDE = /\b(?:and also|also|and|plus|oh and|by the way)\s+((?:do|does|is|are|can|could|what|how|where|when|which|will)\b.*)$/;
function asideQuestion(raw: string): string | null {
  const normalized = normalizeText(raw);
  const aside = ASIDE.exec(normalized)?.[1];
  return aside && aside.split(" ").length >= 3 && aside.length < normalized.length - 10 ? expandParaphrases(aside) : null;
}

// A department text that says it books ("booking, moving or cancelling appointments").
const BOOKS = /\b(book|books|booking|bookings|schedul\w*|reschedul\w*|new appointments?|appointments?:|making appointments?)\b/i;

const WEAK_BOOKING = new Set(["available", "availability"].map(stem));

// The department for a request to book, move or cancel an appointment; undefined when the line asks a price
// ("how much to book a cleaning"), when the knowledge answer found covers the request itself ("how do I
// reschedule?" with a rescheduling entry), or when no department handles appointments.
// Whether the line asks to book, move or cancel, rather than asking a price or a question the knowledge answers
// ("what is your cancellation policy?").
function asksToBook(normalized: string, retrieval: TRetrieval | null): boolean {
  const words = contentWords(normalized);
  // "Available" alone asks whether, not to book ("is Delta available?" is about Delta); the rest ask to book.
  const asks = words.filter((w) => (w.concept === "#booking" || w.concept === "#cancel") && !WEAK_BOOKING.has(w.stem));
  if (words.some((w) => w.concept === "#price")) return false;
  // A request to call off or move the caller's own visit asks for something to be done: a knowledge entry that
  // merely shares the word (a cancellation policy) does not answer it. "Move my checkup" names the visit only.
  const namesAVisit = asks.length > 0 || VISIT_WORD.test(normalized) || words.some((w) => w.concept === "#exam");
  if (namesAVisit && asksToDo(normalized)) return true;
  if (asks.length === 0) return false;
  // A question about the rules ("how far ahead ...?") is for the knowledge or the desk to answer, not a booking.
  if (QUESTION_START.test(normalized) && ABOUT_THE_RULES.test(normalized)) return false;
  const passage = retrieval?.passage;
  return !(passage && asks.some((w) => passage.tf.has(w.stem) || (w.concept !== undefined && passage.tf.has(w.concept))));
}

// Asking for an appointment to be made, moved or cancelled, as opposed to asking about the rules for it (a policy,
// a fee, the notice needed, what a late cancellation costs).
const CHANGE_VERB = String.raw`(?:cancel|cancell?ing|reschedule|rescheduling|move|moving|change|changing|push|postpone|postponing|book|booking|schedule|scheduling|make|making|set up|arrange|call off|bring forward|switch|swap|drop)`;
const VISIT = String.raw`(?:appointments?|appt|cleaning|visit|booking|reservation|exam|checkup|session|consultation|slot|time|spot|visit)`;
const DO_REQUEST = new RegExp(
  [
    // The caller needs, wants or has to change a visit.
    String.raw`\b(?:i|we)(?: really| just| will| would| am going to| are going to| may| might)? (?:need|needs|want|wanted|would like|would love|have|had|got|must|was hoping|were hoping|am hoping|am trying|am looking|am calling|was calling|have got) to ${CHANGE_VERB}\b`,
    String.raw`\b(?:i|we) (?:will|would) (?:need|have) to ${CHANGE_VERB}\b`,
    // The agent is asked to change it.
    String.raw`\b(?:can|could|would|will) you(?: please| kindly| just)? ${CHANGE_VERB}\b`,
    // The caller asks whether they may change their own visit.
    String.raw`\b(?:can|could|may) (?:i|we)(?: please| just)? ${CHANGE_VERB} (?:my|our|the|this|that|his|her|their) (?:\w+ ){0,3}?${VISIT}\b`,
    // An order: the verb, then the caller's own visit.
    String.raw`^(?:(?:hi|hello|hey|yes|yeah|ok|okay|so|um|uh|please)\s+)*${CHANGE_VERB} (?:my|our|his|her|their) `,
    String.raw`\b${CHANGE_VERB} (?:my|our|his|her|their) (?:\w+ ){0,3}?${VISIT}\b`,
  ].join("|"),
);
const VISIT_WORD = new RegExp(String.raw`\b${VISIT}\b`);
// What a question about the rules asks after, whatever it says of the caller's own visit.
const ABOUT_THE_RULES =
  /\b(policy|policies|rules?|fee|fees|penalty|penalties|charge|charged|notice|in advance|ahead of time|what happens|how (do|can|would|should) (i|we|you)|how (far|long|late|early|soon)|is it possible|am i allowed|are we allowed|deadline|cut ?off)\b/;

export function asksToDo(normalized: string): boolean {
  return DO_REQUEST.test(normalized) && !ABOUT_THE_RULES.test(normalized);
}

// A department only for urgent or same-day matters ("urgent same-day requests, or running late for today's
// appointment") is not where a booking for next week goes.
const ONLY_URGENT = /\b(urgent|same day|same-day|emergenc\w*|today|running late|right now)\b/i;
const SAYS_URGENT = /\b(urgent|urgently|today|tonight|right now|now|asap|as soon as possible|same day|emergency|late|running late)\b/;

function appointmentDepartment(ctx: TContext, normalized: string, retrieval: TRetrieval | null): TDepartment | undefined {
  if (!asksToBook(normalized, retrieval)) return undefined;
  const handles = ctx.index.departments.filter(
    (d) => d.routes.has("appointment") && (!ONLY_URGENT.test(d.department.whenToTransfer) || SAYS_URGENT.test(normalized) || BOOKS.test(d.department.whenToTransfer)),
  );
  if (handles.length === 0) return undefined;
  const described = departmentByDescription(ctx, normalized);
  if (described && handles.some((d) => d.department === described)) return described;
  return handles.length === 1 ? handles[0]?.department : undefined;
}

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

