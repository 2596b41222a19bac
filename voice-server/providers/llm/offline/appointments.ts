// Requests to book, move or cancel an appointment: whether a line asks for one (rather than asking a price or a
// question the knowledge answers), who handles it, and what to say when nobody can be put through.
import type { TDepartment } from "@/lib/agents/config";
import { departmentByDescription } from "./departments";
import { QUESTION_START } from "./intents";
import { answerText, retrieve, sharesAWord, type TRetrieval } from "./knowledge";
import { startMessage } from "./message";
import { expandParaphrases } from "./paraphrase";
import { stem } from "./stem";
import type { TContext, TReply, TState } from "./state";
import { contentWords, normalizeText } from "./text";

// A department text that says it books ("booking, moving or cancelling appointments").
const BOOKS = /\b(book|books|booking|bookings|schedul\w*|reschedul\w*|new appointments?|appointments?:|making appointments?)\b/i;

const WEAK_BOOKING = new Set(["available", "availability"].map(stem));

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
    String.raw`\b(?:can|could|may) (?:i|we)(?: please| just)? ${CHANGE_VERB} (?:my|our|the|this|that|his|her|their|a|an) (?:\w+ ){0,3}?${VISIT}\b`,
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

// The department for a request to book, move or cancel an appointment; undefined when the line asks a price
// ("how much to book a cleaning"), when the knowledge answer found covers the request itself ("how do I
// reschedule?" with a rescheduling entry), or when no department handles appointments.
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

// A question asked after the main request in the same line ("..., and also do you take Aetna?", "... also where
// are you?"), normalised; null when there is none.
const ASIDE = /\b(?:and also|also|and|plus|oh and|by the way)\s+((?:do|does|is|are|can|could|what|how|where|when|which|will)\b.*)$/;
function asideQuestion(raw: string): string | null {
  const normalized = normalizeText(raw);
  const aside = ASIDE.exec(normalized)?.[1];
  return aside && aside.split(" ").length >= 3 && aside.length < normalized.length - 10 ? expandParaphrases(aside) : null;
}

// A caller line read as a possible request: "I'd like to book a visit, and do you take Aetna?" is the request
// without the question asked alongside it (`request`, null when there is none), and that question (`aside`).
export type TBookingRequest = {
  raw: string;
  normalized: string;
  retrieval: TRetrieval | null;
  aside: string | null;
  request: string | null;
};

export function readRequest(ctx: TContext, raw: string, normalized: string, retrieval: TRetrieval | null): TBookingRequest {
  const aside = asideQuestion(raw);
  const request = aside === null ? null : expandParaphrases(normalizeText(raw).replace(ASIDE, "").trim());
  return { raw, normalized, aside, request, retrieval: request ? retrieve(ctx.index, request) : retrieval };
}

// Asking to book, move or cancel goes to whoever handles appointments, even when the hours or a knowledge entry
// share a word with it ("any opening Wednesday for a cleaning?"); a question asked alongside is answered first.
// Null when the line is no such request, nobody handles it, or nobody can be put through now.
export function offerBookingTransfer(state: TState, ctx: TContext, req: TBookingRequest): [TState, TReply] | null {
  if (ctx.isOpen === false) return null;
  const booking = appointmentDepartment(ctx, req.request || req.normalized, req.retrieval);
  if (!booking) return null;
  const answer = req.aside === null ? null : retrieve(ctx.index, req.aside);
  const answered = answer && sharesAWord(answer, req.aside ?? "") ? answer : null;
  return [
    { ...state, pending: { kind: "confirm_transfer", departmentId: booking.id } },
    {
      say: [
        ...(answered && req.aside ? [answerText(answered, req.aside)] : []),
        `${booking.name.trim()} can help with that. Would you like me to transfer you?`,
      ],
      ...(answered ? { knowledgeIds: [answered.passage.itemId] } : {}),
    },
  ];
}

// Asked to book with nobody to put the caller through to (none handles it, or closed): the request is taken as a
// message for the team to confirm, with the request itself as the message. Null when the line is no request.
export function takeBookingAsMessage(state: TState, ctx: TContext, req: TBookingRequest): [TState, TReply] | null {
  const line = req.request ?? req.normalized;
  if (!asksToBook(line, req.retrieval)) return null;
  if (QUESTION_START.test(line.replace(/^(can|could|may) i\b/, "")) && !asksToDo(line)) return null;
  return startMessage(
    state,
    ctx,
    req.raw,
    // A cancellation has no time to confirm: the team confirms it is done.
    contentWords(line).some((w) => w.concept === "#cancel") && !/\b(to|for|until|till) (next|another|a different|later|earlier|the)\b/.test(line)
      ? "I can't change appointments myself, but I can take your request and have the team call you back to confirm."
      : "I can't confirm a time myself, but I can take your request and have the team call you back to confirm.",
    req.raw.trim(),
  );
}
