import { parseStoredMessage } from "./capture-fields";
import type { TAnalysisInput, TAnalysisTurn, TOutcome } from "./types";

// The local analyzer's summary, written the way a receptionist notes a call for a colleague: what the caller
// wanted and what happened, in one or two short clauses ("Caller asked about opening hours; told we're open Monday
// to Friday, 8 am to 6 pm." / "Left a message for a callback about a crown: Jane Doe, +15550100."). Never a quote
// of the caller's opening words.

// How the keyword topics of local-analyzer.ts read after "Caller ...".
const TOPIC_PHRASES: Record<string, string> = {
  "Appointment booking": "asked about an appointment",
  "Billing and payments": "asked about billing",
  "Refund request": "asked for a refund",
  Cancellation: "asked to cancel",
  "Opening hours": "asked about opening hours",
  Pricing: "asked about prices",
  "Order status": "asked about an order",
  "Location and directions": "asked where to find us",
  "Technical support": "needed technical help",
  Complaint: "made a complaint",
  "Asked for a person": "asked for a person",
  "Message or callback": "asked for a callback",
};

function lowerFirst(text: string): string {
  // "AM", "I'll" and names keep their capital.
  return /^[A-Z][a-z]/.test(text) && !/^I\b/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

function shorten(text: string, max: number): string {
  const clean = text.replace(/\s+/g, " ").trim();
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), max - 20)).trim()}…`;
}

export function askedPhrase(topic: string | null): string | null {
  if (!topic) return null;
  const known = TOPIC_PHRASES[topic];
  if (known) return known;
  // Knowledge titles are often the question itself ("Do you take walk-ins").
  if (/\?$/.test(topic.trim()) || /^(do|does|did|are|is|can|could|what|where|when|how|who|which|will|would|should)\b/i.test(topic.trim())) {
    return `asked "${topic.trim().replace(/\?*$/, "?")}"`;
  }
  return `asked about ${lowerFirst(topic.replace(/^About\s+/i, ""))}`;
}

const PLEASANTRY = /^(sure|of course|absolutely|certainly|yes|yeah|okay|ok|no problem|great question|good question|happy to help|thanks for (calling|asking|waiting)|let me (check|see|look)\b.*|one moment.*|i can help( with that)?|i'd be happy to help( with that)?)[.!,]*$/i;
const LEADING_FILLER = /^(sure|of course|absolutely|certainly|yes|yeah|okay|ok|great question|good question|so|done|all done|all set|great|perfect|alright|all right)[,!.]?\s+/i;

// The note is about the caller: "you're booked" becomes "they're booked". Bare "you" is left alone, since
// "them" only fits some of its uses.
function aboutTheCaller(text: string): string {
  return text
    .replace(/\byou're\b/gi, "they're")
    .replace(/\byou are\b/gi, "they are")
    .replace(/\byou'll\b/gi, "they'll")
    .replace(/\byou've\b/gi, "they've")
    .replace(/\byour\b/gi, "their");
}
const OFFER = /\b(anything else|something else|can i help|would you like|shall i|do you want)\b/i;

// The gist of the agent's answer: its first informative sentence after the caller's request.
export function answerGist(turns: readonly TAnalysisTurn[], afterSeq: number): string | null {
  for (const turn of turns) {
    if (turn.speaker !== "agent" || turn.seq <= afterSeq) continue;
    const sentences = turn.text.match(/[^.!?]+[.!?]*/g) ?? [];
    for (const raw of sentences) {
      const sentence = raw.trim().replace(LEADING_FILLER, "");
      if (sentence.length < 8 || PLEASANTRY.test(sentence) || OFFER.test(sentence) || /\?$/.test(sentence)) continue;
      return lowerFirst(shorten(aboutTheCaller(sentence.replace(/[.!]+$/, "")), 110));
    }
    // The first agent reply after the request had nothing to report (a question back): stop there.
    return null;
  }
  return null;
}

// What a message is about, in a few words: "about my crown" -> "a crown"-style phrases are left as the caller put
// them ("your crown"), else the message's first clause.
export function messageSubject(body: string): string | null {
  const clean = body.replace(/\s+/g, " ").trim();
  // The agent's placeholder when the caller hung up before saying why ("No message given: ..."): no subject.
  if (!clean || /^no message given\b/i.test(clean)) return null;
  const about = /\b(?:about|regarding|re:?|concerning)\s+([^.,;!?]{2,60})/i.exec(clean);
  const phrase = about ? about[1]! : clean.split(/[.;!?]/)[0]!;
  const subject = phrase
    .replace(/^(the caller|caller|they|he|she)\s+(wants|would like|needs|asked|asks|is asking)\s+(to\s+)?/i, "")
    .replace(/^(please\s+)?(call|ring)\s+(me|them|her|him)\s+back\s*/i, "")
    .trim();
  return subject ? lowerFirst(shorten(subject.replace(/\bmy\b/gi, "their"), 70)) : null;
}

export function receptionistNote(
  input: TAnalysisInput,
  outcome: TOutcome,
  facts: { topic: string | null; requestSeq: number | null; hasCallerSpeech: boolean },
): string {
  const asked = askedPhrase(facts.topic);
  const message = input.messages?.at(-1);
  if (message || outcome === "message_taken") {
    const parsed = message ? parseStoredMessage(message.message) : null;
    const about = (parsed && messageSubject(parsed.body)) ?? (facts.topic && facts.topic !== "Message or callback" ? lowerFirst(facts.topic) : null);
    const who = message ? [message.callerName.trim(), message.callbackNumber.trim()].filter(Boolean).join(", ") : "";
    return `Left a message for a callback${about ? ` about ${about}` : ""}${who ? `: ${who}` : ""}.`;
  }
  if (!facts.hasCallerSpeech) {
    return outcome === "failed" ? failed(input) : "Caller hung up without saying anything.";
  }
  const caller = asked ? `Caller ${asked}` : "Caller called";
  switch (outcome) {
    case "transferred": {
      const to = input.transferDepartment?.trim() || input.transferredTo || "a person";
      return `${caller}; transferred to ${to}.`;
    }
    case "abandoned":
      return `${caller} and hung up before it was resolved.`;
    case "failed":
      return `${caller}. ${failed(input)}`;
    default: {
      const gist = facts.requestSeq === null ? null : answerGist(input.turns, facts.requestSeq);
      if (gist) return `${caller}; told ${gist}.`;
      return asked ? `${caller}; handled on the call.` : "Caller was helped on the call.";
    }
  }
}

function failed(input: TAnalysisInput): string {
  return `The call failed${input.endReason ? ` (${input.endReason.replace(/_/g, " ")})` : ""}.`;
}
