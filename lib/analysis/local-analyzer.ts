import { extractCaptureFields, fieldsFromMessages } from "./capture-fields";
import { receptionistNote } from "./receptionist-note";
import { contentTokens, STOP_WORDS, words } from "./text";
import { KEPT_OUTCOMES, type TAnalysisInput, type TAnalysisResult, type TOutcome, type TSentiment } from "./types";

// The analyzer used when no Gemini key is set: a sentiment lexicon with negation, a receptionist's note for a
// summary (receptionist-note.ts), topics from a keyword map and the agent's knowledge titles, capture fields by
// pattern and from the messages taken. Deterministic and offline.

const LEXICON: Record<string, number> = {
  great: 2, good: 1, thanks: 1, thank: 1, perfect: 2, excellent: 2, awesome: 2, wonderful: 2, happy: 2, glad: 2,
  appreciate: 2, appreciated: 2, helpful: 2, love: 2, lovely: 2, amazing: 2, fantastic: 2, nice: 1, pleased: 2,
  brilliant: 2, sorted: 1, works: 1, working: 1, easy: 1, fast: 1, quick: 1, satisfied: 2, cool: 1, fine: 0.5,
  bad: -2, terrible: -3, awful: -3, horrible: -3, angry: -3, upset: -2, frustrated: -3, frustrating: -3,
  annoyed: -2, annoying: -2, disappointed: -3, disappointing: -3, ridiculous: -3, unacceptable: -3, worst: -3,
  hate: -3, broken: -2, wrong: -2, problem: -1, problems: -1, complaint: -2, complain: -2, late: -1, rude: -3,
  useless: -3, waste: -2, wasted: -2, poor: -2, slow: -1, confused: -1, confusing: -1, mess: -2, never: 0,
  scam: -3, furious: -3, sucks: -3, failed: -2, fails: -2, overcharged: -3, unhappy: -3, sorry: -0.5, worse: -2,
};

const NEGATORS = new Set(["not", "no", "never", "don't", "didn't", "isn't", "wasn't", "can't", "cannot", "won't", "doesn't", "haven't", "hasn't", "aren't", "nothing", "nobody", "without", "hardly"]);
const INTENSIFIERS = new Set(["very", "really", "so", "extremely", "totally", "absolutely", "completely"]);

// Raw polarity of one utterance; a negator flips the sign of sentiment words in the next three words.
export function scoreText(text: string): { sum: number; hits: number } {
  const tokens = words(text);
  let sum = 0;
  let hits = 0;
  let negateFor = 0;
  let boost = 1;
  for (const token of tokens) {
    const value = LEXICON[token];
    if (NEGATORS.has(token)) {
      negateFor = 3;
      continue;
    }
    if (INTENSIFIERS.has(token)) {
      boost = 1.5;
      continue;
    }
    if (value !== undefined && value !== 0) {
      // "not bad" is mildly good, not as good as "bad" is bad.
      sum += negateFor > 0 ? -value * 0.6 : value * boost;
      hits++;
    }
    boost = 1;
    if (negateFor > 0) negateFor--;
  }
  return { sum, hits };
}

const clamp = (x: number) => Math.max(-1, Math.min(1, x));

export function labelOf(score: number): TSentiment {
  return score >= 0.2 ? "positive" : score <= -0.2 ? "negative" : "neutral";
}

export function turnSentiment(text: string): { sentiment: TSentiment; score: number } {
  const { sum } = scoreText(text);
  const score = clamp(sum / 3);
  return { sentiment: labelOf(score), score };
}

// The caller's sentiment across the call; later turns weigh more, since how a call ends is what the caller remembers.
export function callSentiment(callerTexts: string[]): { sentiment: TSentiment; score: number } {
  let weighted = 0;
  let weights = 0;
  callerTexts.forEach((text, i) => {
    const { sum, hits } = scoreText(text);
    if (hits === 0) return;
    const w = i + 1;
    weighted += w * clamp(sum / 3);
    weights += w;
  });
  const score = weights === 0 ? 0 : Math.round(clamp(weighted / weights) * 100) / 100;
  return { sentiment: labelOf(score), score };
}

const CATEGORIES: { topic: string; keywords: string[] }[] = [
  { topic: "Appointment booking", keywords: ["appointment", "book", "booking", "schedule", "reschedule", "slot", "availability", "available", "reservation", "reserve"] },
  { topic: "Billing and payments", keywords: ["bill", "billing", "invoice", "charge", "charged", "payment", "pay", "card", "overcharged", "balance"] },
  { topic: "Refund request", keywords: ["refund", "refunded", "reimburse", "money back"] },
  { topic: "Cancellation", keywords: ["cancel", "cancellation", "cancelled", "canceled", "unsubscribe"] },
  { topic: "Opening hours", keywords: ["hours", "open", "opening", "close", "closing", "closed"] },
  { topic: "Pricing", keywords: ["price", "prices", "pricing", "cost", "costs", "how much", "quote", "rates", "fee", "fees"] },
  { topic: "Order status", keywords: ["order", "delivery", "deliver", "shipping", "shipped", "tracking", "package", "parcel"] },
  { topic: "Location and directions", keywords: ["address", "located", "location", "directions", "parking", "where are you"] },
  { topic: "Technical support", keywords: ["not working", "broken", "error", "crash", "crashes", "login", "log in", "password", "reset", "outage", "bug"] },
  { topic: "Complaint", keywords: ["complaint", "complain", "manager", "unacceptable", "terrible service"] },
  { topic: "Asked for a person", keywords: ["person", "human", "representative", "operator", "receptionist", "transfer", "talk to someone", "speak to someone", "talk to somebody", "speak to somebody"] },
  { topic: "Message or callback", keywords: ["leave a message", "take a message", "call me back", "call back", "callback", "voicemail"] },
];

function countHits(text: string, keyword: string): number {
  const re = new RegExp(`\\b${keyword.replace(/\s+/g, "\\s+")}\\b`, "gi");
  return (text.match(re) ?? []).length;
}

const NUMBER_WORDS = new Set(
  ("zero oh one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen " +
    "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million double triple " +
    "first second third fourth fifth point dash plus").split(" "),
);
// Words that say nothing about what a call was about.
const VAGUE = new Set(
  ("calling wondering question questions something anything thing things today tomorrow tonight morning afternoon " +
    "evening right now sure maybe somebody someone number phone name spell spelled spelling minute second sorry " +
    "could would should think said says tell told give good great fine").split(" "),
);

// Words that could name a topic: no digits, no number words (a dictated phone number is not a subject).
function meaningfulWords(text: string): string[] {
  return words(text).filter((w) => !STOP_WORDS.has(w) && !NUMBER_WORDS.has(w) && !VAGUE.has(w) && !/\d/.test(w) && w.length > 3);
}

// The caller's main request: the first thing they said that is more than a greeting or a dictated number.
export function mainRequestTurn<T extends { text: string }>(callerTurns: T[]): T | null {
  return (
    callerTurns.find((t) => meaningfulWords(t.text).length >= 2) ??
    callerTurns.find((t) => meaningfulWords(t.text).length >= 1) ??
    callerTurns.find((t) => t.text.trim() !== "") ??
    null
  );
}

export function mainRequest(callerTexts: string[]): string | null {
  return mainRequestTurn(callerTexts.map((text) => ({ text })))?.text.trim() ?? null;
}

export function localTopic(callerTexts: string[], knowledgeTitles: string[]): string | null {
  const request = mainRequest(callerTexts) ?? "";
  const all = callerTexts.join(" \n ");
  let best: { topic: string; score: number } | null = null;
  for (const category of CATEGORIES) {
    // The opening request says what the call is about more than small talk later on.
    const score = category.keywords.reduce((n, k) => n + countHits(all, k) + 2 * countHits(request, k), 0);
    if (score > 0 && (!best || score > best.score)) best = { topic: category.topic, score };
  }
  if (best) return best.topic;
  const callerTokens = new Set(contentTokens(all));
  let bestTitle: { title: string; score: number } | null = null;
  for (const title of knowledgeTitles) {
    const tokens = [...new Set(contentTokens(title))];
    if (tokens.length === 0) continue;
    const shared = tokens.filter((t) => callerTokens.has(t)).length;
    const score = shared / tokens.length;
    if (shared > 0 && score >= 0.5 && (!bestTitle || score > bestTitle.score)) bestTitle = { title, score };
  }
  if (bestTitle) return bestTitle.title.trim().replace(/[?.!]+$/, "");
  // A last resort: the request's own words, when it has at least two that mean something.
  const keywords = [...new Set(meaningfulWords(request))].slice(0, 3);
  return keywords.length >= 2 ? `About ${keywords.join(" ")}` : null;
}

const WRAP_UP = /\b(anything else|something else|any other questions?|else (i|we) can (help|do))\b/i;
const CLOSING = /\b(thanks|thank you|bye|goodbye|that's all|that is all|perfect|great|got it|that helps|sorted)\b/i;

// What the call's facts settle: a transfer, a message, a caller who never spoke or never heard an answer.
export function structuralOutcome(input: TAnalysisInput): TOutcome | null {
  if (input.transferredTo) return "transferred";
  if (input.hasMessage) return "message_taken";
  const callerTurns = input.turns.filter((t) => t.speaker === "caller" && t.text.trim() !== "");
  if (callerTurns.length === 0) return "abandoned";
  if (input.endReason === "silence_timeout") return "abandoned";
  const last = input.turns.at(-1);
  // The caller said something and hung up before hearing an answer, without a word of thanks.
  if (last?.speaker === "caller" && input.endReason === "caller_hangup" && !CLOSING.test(last.text)) return "abandoned";
  return null;
}

function decideOutcome(input: TAnalysisInput): TOutcome {
  if (input.outcome && KEPT_OUTCOMES.includes(input.outcome)) return input.outcome;
  const structural = structuralOutcome(input);
  if (structural) return structural;
  // Without a model to read the call: the agent had just asked something (an offer to take a message, a
  // question back) and the caller hung up on it, so what they called for was left open. "Anything else?"
  // after an answer is not such a question.
  const last = input.turns.at(-1);
  if (last?.speaker === "agent" && input.endReason === "caller_hangup" && /\?\s*$/.test(last.text) && !WRAP_UP.test(last.text)) return "abandoned";
  return "resolved";
}

export function analyzeLocally(input: TAnalysisInput): TAnalysisResult {
  const callerTurns = input.turns.filter((t) => t.speaker === "caller" && t.text.trim() !== "");
  const callerTexts = callerTurns.map((t) => t.text);
  const outcome = decideOutcome(input);
  const requestTurn = mainRequestTurn(callerTurns);
  const capturedFields = {
    ...extractCaptureFields(callerTexts, input.captureFields),
    ...fieldsFromMessages(input.messages ?? [], input.captureFields),
  };
  const keywordTopic = localTopic(callerTexts, input.knowledgeTitles);
  // A message with nothing else to go on is still a callback request.
  const topic = keywordTopic ?? (outcome === "message_taken" || (input.messages?.length ?? 0) > 0 ? "Message or callback" : null);
  const summary = receptionistNote(input, outcome, { topic, requestSeq: requestTurn?.seq ?? null, hasCallerSpeech: callerTurns.length > 0 });
  const overall = callSentiment(callerTexts);
  return {
    summary,
    sentiment: overall.sentiment,
    sentimentScore: overall.score,
    turnSentiments: callerTurns.map((t) => ({ seq: t.seq, sentiment: turnSentiment(t.text).sentiment })),
    topic,
    outcome,
    capturedFields,
  };
}
