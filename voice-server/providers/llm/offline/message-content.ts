// What a caller says during message taking that is not the answer to the question asked but is the message
// itself: "it's about my bill, my number is 415 555 0199" asked for the number. The reason is kept as the
// message (and not asked for again); the rest is read as the answer to the question that was asked.
import { USE_CALLER_NUMBER, isAffirmative, isNegative, QUESTION_START } from "./intents";
import { parseName, spokenDigits } from "./spoken-input";
import { stem } from "./stem";
import { FILLERS, STOP_WORDS, contentWords, normalizeText } from "./text";

// Where one part of a line ends and another begins: punctuation, joining words, and the words a reason starts
// with ("... calling about", "it's about", "because").
const DIGIT = "zero|one|two|three|four|five|six|seven|eight|nine";
const CLAUSE_BREAK = new RegExp(
  [
    String.raw`\s*[,;.!?]+\s*`,
    String.raw`\s+(?=(?:and|but|also|plus)\b)`,
    // Recognised speech has no commas: the number and the words around it are told apart by what they are.
    String.raw`\s+(?=(?:my|the|our) (?:phone |cell |mobile |callback |best |home |work )?(?:number|phone|cell|mobile)\b)`,
    String.raw`\s+(?=(?:you can |best to )?(?:reach|call|text|ring) me (?:at|on)\b)`,
    String.raw`(?<=[a-z])\s+(?=\d|(?:${DIGIT}) (?:\d|${DIGIT})\b)`,
    String.raw`(?<=\d|\b(?:${DIGIT}))\s+(?=(?!(?:${DIGIT}|double|triple|oh)\b)[a-z])`,
    String.raw`\s+(?=(?:to\s+)?(?:tell|let|ask|remind)\s+(?:him|her|them|the|dr|doctor|everyone|someone)\b)`,
    String.raw`\s+(?<!\b(?:calling|ringing|it's|it is|its|this is|that's|that is|is|was|me|her|him|them|us)\s+)(?=(?:because|cause|cos|about|regarding|concerning)\b)`,
    String.raw`\s+(?=(?:i'm|i am|im|we're|we are|i was)\s+(?:calling|ringing)\b)`,
    String.raw`\s+(?=(?:it's|it is|its|this is|that's|that is)\s+(?:about|regarding|concerning|for|because)\b)`,
  ].join("|"),
  "i",
);

const LEAD = /^(?:(?:and|but|so|also|plus|oh|um+|uh+|er+|well|okay|ok|yes|yeah|yep|sure|actually|right|alright|hi|hello)\s+)*/;

// How a reason or a request starts (on normalizeText output): "it is about", "calling because", "I need",
// "tell her", "can someone call me about", "my crown ...".
const REASON_START = new RegExp(
  "^(?:" +
    [
      String.raw`(?:it is|this is|that is|it was|its|i am calling|i was calling|i am ringing|we are calling|calling|ringing)\s+(?:about|regarding|concerning|because|to|for|in regards? to|with regards? to)\b`,
      String.raw`(?:about|regarding|concerning|re|because|cause|cos)\b`,
      String.raw`i (?:need|needed|want|wanted|would like|was wondering|wonder|have|had|got|am having|was hoping|hope|just wanted|am trying|was trying|am looking|was looking|can not|could not|missed|lost|broke)\b`,
      String.raw`(?:tell|let|ask|remind|inform|say)\s+\w+`,
      String.raw`(?:please|could|can|would|will)\s+(?:you\s+)?(?:someone\s+|somebody\s+|she\s+|he\s+|they\s+|the \w+\s+|dr \w+\s+)?(?:tell|let|ask|call|have|pass|remind|check|see|confirm|get back|look)\b`,
      String.raw`(?:have|get)\s+(?:him|her|them|someone|somebody|the \w+|dr \w+)\s+(?:call|ring|get back|phone|text|email|check|look)\b`,
      String.raw`my\s+\w+`,
      String.raw`(?:we|he|she|they|our \w+|the \w+)\s+(?:is|are|was|were|has|have|had|broke|needs?|did|does|will|can|got|keeps?)\b`,
    ].join("|") +
    ")",
);

// Parts that are about the call itself, not its reason.
const ABOUT_THE_NUMBER =
  /\b(number|phone|cell|cellphone|mobile|landline|extension|area code|reach me|call me (at|on)|text me|digits?|spell|spelled|spelt)\b/;
const ABOUT_THE_CALLER = /^(?:i am |i'm )?(?:calling |ringing )?(?:from|with|at|of)\b|^i am (?:a|an|the)\b|^(?:my name|name is|this is|it is|i am|call me)\b|\bname (?:is|was|would be|will be)\b|\b(?:my|the|your|last|first|full) name\b/;
// Spelling a name out ("Anna with two Ns", "Browne with an E", "P as in Peter").
const SPELLING =
  /\bwith (?:a|an|one|two|three|double|1|2|3) [a-z]{1,2}s?\b|\b(?:spelled|spelt|spelling|spell|as in)\b|(?:^| )[a-z](?: [a-z])+(?= |$)/;
// Words that only say a message is wanted ("leave a message", "call me back"): no reason in them.
const META = new Set(
  "leave leaving left messag voicemail note back callback call ring return reach contact later soon possibl asap".split(" ").map(stem),
);
const NUMBER_WORD = /^(\d+\w*|zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|double|triple)$/;

function reasonWords(normalized: string): string[] {
  return normalized
    .split(" ")
    .filter((t) => t !== "" && !NUMBER_WORD.test(t) && contentWords(t).length > 0)
    .map(stem)
    .filter((s) => !META.has(s));
}

// A name as said ("Dana Wells", "this is Dana Wells here"): a name and nothing but small words around it.
function isNameLike(raw: string): boolean {
  const name = parseName(raw);
  return name !== null && normalizeText(name).split(" ").every((w) => !STOP_WORDS.has(w));
}

// Whether one part of a caller's line carries a reason or a request (not a name, a number, a yes, or a question
// for the agent to answer).
export function isReason(raw: string): boolean {
  const normalized = normalizeText(raw).replace(LEAD, "").trim();
  if (normalized === "") return false;
  const tokens = normalized.split(" ");
  if (tokens.every((t) => FILLERS.has(t) || STOP_WORDS.has(t))) return false;
  if (spokenDigits(normalized).length >= 3 || ABOUT_THE_NUMBER.test(normalized) || USE_CALLER_NUMBER.test(normalized)) return false;
  if (ABOUT_THE_CALLER.test(normalized) && !REASON_START.test(normalized)) return false;
  if (/\bname\b/.test(normalized) || SPELLING.test(normalized)) return false;
  if (isAffirmative(normalized) || isNegative(normalized)) return false;
  const words = reasonWords(normalized);
  if (words.length === 0) return false;
  if (REASON_START.test(normalized)) return !/^my (name|number|phone|cell)\b/.test(normalized);
  // A question is for the agent to answer (see onSlotAnswer's retry), unless it asks someone to do something.
  if (QUESTION_START.test(normalized)) return false;
  if (isNameLike(raw)) return false;
  return words.length >= 3 && tokens.some((t) => STOP_WORDS.has(t));
}

export type TSplitLine = { answer: string; reason: string | null };

// The caller's line split into the answer to the question asked and the reason given alongside it (null when
// there is none). The answer keeps the caller's own words (a name keeps its capitals).
export function splitOffReason(raw: string): TSplitLine {
  const parts = raw
    .split(CLAUSE_BREAK)
    .map((p) => p?.trim() ?? "")
    .filter((p) => p !== "");
  const reasons: string[] = [];
  const answers: string[] = [];
  for (const part of parts) (isReason(part) ? reasons : answers).push(part);
  if (reasons.length === 0) return { answer: raw, reason: null };
  const reason = reasons
    .map((r) => r.replace(/^(?:(?:and|but|so|also|plus|oh|um+|uh+|well|okay|ok|yes|yeah|sure|actually)[,]?\s+)+/i, ""))
    .join(", ")
    .replace(/[.!?]+$/, "")
    .trim();
  return { answer: answers.join(", "), reason: reason.slice(0, 1000) };
}

// A reason added to one already given (a booking request, then "it's for my son"): both kept, once each.
export function withReason(message: string | undefined, reason: string): string {
  if (!message) return reason;
  if (normalizeText(message).includes(normalizeText(reason))) return message;
  return `${message}. ${reason}`.slice(0, 1000);
}

// A question nothing in the knowledge answered, asked while the message is being taken ("do you know if my crown
// is ready?"): it says what the call is about.
export function reasonInQuestion(normalized: string): boolean {
  return QUESTION_START.test(normalized) && reasonWords(normalized).length >= 2;
}

// What a request for a message already says it is about (a part after it that starts "about ...", "regarding ...",
// "to let her know ..."): only a part that starts the way a reason does, so a request that only says how soon to
// call back keeps no message of its own.
const SAYS_WHAT_ABOUT =
  /^(?:(?:and|so|just|oh)\s+)*(?:(?:it is|this is|that is|i am calling|i was calling|calling|it was)\s+)?(?:about|regarding|concerning|because|re)\b|^(?:(?:and|so|just)\s+)*(?:to\s+)?(?:tell|let|ask|remind)\s+(?:him|her|them|the \w+|dr \w+|doctor \w+|\w+)\s+(?:know\s+)?(?:that\s+)?\w+/;

export function reasonInRequest(raw: string): string | null {
  const parts = raw
    .split(CLAUSE_BREAK)
    .map((p) => p?.trim() ?? "")
    .filter((p) => p !== "");
  const index = parts.findIndex((p) => SAYS_WHAT_ABOUT.test(normalizeText(p)) && isReason(p));
  if (index < 0) return null;
  // The reason runs on to the end of the line, less any number or goodbye after it.
  const rest = parts.slice(index).filter((p) => spokenDigits(normalizeText(p)).length < 3 && !ABOUT_THE_NUMBER.test(normalizeText(p)));
  const reason = rest.join(", ").replace(/[.!?]+$/, "").trim();
  return reason === "" ? null : reason.slice(0, 1000);
}
