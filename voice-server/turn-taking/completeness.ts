import { turnLanguage, type TDataKind, type TTurnLanguage } from "./languages";
import { countDigits, endsWithPhrase, isNumberToken, phraseTable, tokenize } from "./words";

// Does the caller's turn, as transcribed so far, read as finished? A rule-based reading of the words (no model):
// it errs towards "incomplete" on anything that sounds mid-thought, because a wrong "incomplete" only costs the
// endpointing ceiling while a wrong "complete" cuts a caller off. See endpointing.ts for what each state waits.

export type TCompletenessState = "complete" | "unsure" | "incomplete";

export type TCompletenessReason =
  | "no-words"
  | "trailing-filler" // "... um"
  | "trailing-function-word" // "... and", "... to the", "my number is"
  | "open-request" // "I'd like to book"
  | "dictating" // digits, "at", "dot", a month without a day, a date of birth without its year, while the data is not whole yet
  | "awaiting-data" // the agent asked for data and the caller only said "sure"
  | "data-complete" // ten digits of a phone number, a whole email address, a day and month
  | "data-partial" // data of unknown length: may or may not go on
  | "question"
  | "short-answer" // "yes I do", "thank you"
  | "sentence"; // ends on a content word

export type TCompleteness = { state: TCompletenessState; reason: TCompletenessReason; dataKind: TDataKind | null };

export type TCompletenessInput = {
  // Every word heard in the turn so far: the finals joined, plus the latest interim.
  text: string;
  language: string;
  // The agent's last line before this turn (its question), if any.
  agentQuestion?: string | null;
};

const AUXILIARIES = new Set([
  "is", "are", "was", "were", "am", "do", "does", "did", "can", "could", "will", "would", "should", "have", "has",
  "had", "might", "must", "shall",
]);
const WEEKDAYS_EN = new Set(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today", "tomorrow", "tonight"]);

type TTables = {
  lang: TTurnLanguage;
  continuers: Set<string>;
  fillers: Set<string>;
  fillerPhrases: string[][];
  endingPhrases: string[][];
  questionLeads: Set<string>;
  openVerbs: Set<string>;
  openVerbPhrases: string[][];
  ordinals: Set<string>;
  openVerbFrames: Set<string>;
  dataSymbols: Set<string>;
  emailAt: Set<string>;
  emailDot: Set<string>;
  months: Set<string>;
  affirmations: Set<string>;
  ellipsisSubjects: Set<string>;
};

const tablesCache = new Map<string, TTables>();

function tablesFor(language: string): TTables {
  const lang = turnLanguage(language);
  let tables = tablesCache.get(lang.code);
  if (!tables) {
    tables = {
      lang,
      continuers: new Set(lang.continuers),
      fillers: new Set(lang.fillers.filter((f) => !f.includes(" "))),
      fillerPhrases: phraseTable(lang.fillers.filter((f) => f.includes(" "))),
      endingPhrases: phraseTable(lang.endingPhrases),
      questionLeads: new Set(lang.questionLeads),
      openVerbs: new Set(lang.openVerbs.filter((v) => !v.includes(" "))),
      openVerbPhrases: phraseTable(lang.openVerbs.filter((v) => v.includes(" "))),
      ordinals: new Set(lang.ordinals),
      openVerbFrames: new Set(lang.openVerbFrames),
      dataSymbols: new Set(lang.dataSymbols),
      emailAt: new Set(lang.emailAt),
      emailDot: new Set(lang.emailDot),
      months: new Set(lang.months),
      affirmations: new Set(lang.backchannels.filter((b) => !b.includes(" "))),
      ellipsisSubjects: new Set(lang.ellipsisSubjects),
    };
    tablesCache.set(lang.code, tables);
  }
  return tables;
}

// What kind of data the agent's line asks for ("What's the best number to reach you?" -> "phone").
export function expectedData(agentLine: string | null | undefined, language: string): TDataKind | null {
  if (!agentLine) return null;
  const text = agentLine.toLowerCase();
  for (const request of turnLanguage(language).dataRequests) if (request.pattern.test(text)) return request.kind;
  return null;
}

function result(state: TCompletenessState, reason: TCompletenessReason, dataKind: TDataKind | null = null): TCompleteness {
  return { state, reason, dataKind };
}

export function assessCompleteness(input: TCompletenessInput): TCompleteness {
  const t = tablesFor(input.language);
  const { tokens, endsWithQuestionMark, endsWithSentenceMark } = tokenize(input.text);
  if (tokens.length === 0) return result("incomplete", "no-words");
  const asked = expectedData(input.agentQuestion, input.language);
  const said = expectedData(tokens.join(" "), input.language);
  const last = tokens.at(-1)!;

  const data = assessData(tokens, t, asked ?? said);
  if (data) return data;

  if (t.fillers.has(last) || t.fillerPhrases.some((p) => endsWithPhrase(tokens, p))) {
    // "I think so", "as well": a filler word ending a set phrase.
    if (!t.endingPhrases.some((p) => endsWithPhrase(tokens, p))) return result("incomplete", "trailing-filler");
  }
  if (t.endingPhrases.some((p) => endsWithPhrase(tokens, p))) return result("complete", "short-answer");

  const content = stripLeadingFillers(tokens, t);
  if (t.continuers.has(last)) {
    const previous = tokens.at(-2);
    if (AUXILIARIES.has(last) && previous !== undefined && t.ellipsisSubjects.has(previous)) {
      return result("complete", "short-answer");
    }
    // "Who should I speak to?": a stranded preposition after a question word, punctuated as a question.
    if (endsWithQuestionMark && content.length >= 3 && t.questionLeads.has(content[0]!) && !AUXILIARIES.has(last)) {
      return result("unsure", "question");
    }
    return result("incomplete", "trailing-function-word");
  }
  const previous = tokens.at(-2);
  if (t.openVerbs.has(last) && previous !== undefined && t.openVerbFrames.has(previous)) {
    return result("incomplete", "open-request");
  }
  for (const phrase of t.openVerbPhrases) {
    const frame = tokens.at(-phrase.length - 1);
    if (endsWithPhrase(tokens, phrase) && frame !== undefined && t.openVerbFrames.has(frame)) {
      return result("incomplete", "open-request");
    }
  }

  if (asked) {
    // Asked for data, given none yet: "sure", "yes", "okay so" promise it; a question or a refusal is a turn.
    const isQuestion = endsWithQuestionMark || (content.length > 0 && t.questionLeads.has(content[0]!));
    if (isQuestion) return result("complete", "question", asked);
    if (content.length > 0 && content.every((w) => t.affirmations.has(w))) return result("incomplete", "awaiting-data", asked);
    // A few words after "what's your email?" are the start of the address ("it's john"), not a refusal.
    const handOff = content.filter((w) => !t.affirmations.has(w) && !t.lang.copulaLeads.includes(w));
    if (asked === "email" && handOff.length <= 3) return result("incomplete", "dictating", asked);
    if (asked === "name" && content.length === 1) return result("unsure", "data-partial", asked);
    return result(content.length <= 2 ? "unsure" : "complete", "sentence", asked);
  }

  // A bare acknowledgement ("sure", "okay", "yeah yeah") answers a yes/no offer ("Would you like me to book
  // that?") whole; after anything else ("Anything else?", "How can I help?", news the agent gave) it is as often
  // the caller taking the floor before saying what they want: the setting's wait, not a complete turn's.
  if (tokens.every((w) => t.affirmations.has(w) || t.fillers.has(w)) && !isYesNoOffer(input.agentQuestion)) {
    return result("unsure", "short-answer");
  }
  // "Can you", "Do we", "Is it": a question that has its subject and nothing else yet.
  if (content.length === 2 && t.questionLeads.has(content[0]!) && t.ellipsisSubjects.has(last) && !endsWithSentenceMark) {
    return result("incomplete", "trailing-function-word");
  }
  if (content.length > 0 && t.questionLeads.has(content[0]!) && content.length >= 2) return result("complete", "question");
  if (endsWithSentenceMark) return result("complete", endsWithQuestionMark ? "question" : "sentence");
  return result("complete", "sentence");
}

// The agent's line ends on a yes/no question that offers or checks something: its last sentence opens with an
// auxiliary ("Would you like...?", "Shall I...?", "Is that right?"). English auxiliaries; in other languages no
// line qualifies, so a bare acknowledgement waits the agent's setting (the safe side).
function isYesNoOffer(agentLine: string | null | undefined): boolean {
  if (!agentLine || !/\?\s*$/.test(agentLine)) return false;
  const lastSentence = agentLine.trim().split(/(?<=[.!?])\s+/).at(-1) ?? "";
  const first = tokenize(lastSentence).tokens[0];
  return first !== undefined && AUXILIARIES.has(first);
}

function stripLeadingFillers(tokens: string[], t: TTables): string[] {
  let i = 0;
  while (i < tokens.length && (t.fillers.has(tokens[i]!) || t.affirmations.has(tokens[i]!)) && i < tokens.length - 1) i++;
  return tokens.slice(i);
}

const SPELLING_WORDS = new Set(["dot", "underscore", "unterstrich", "underline"]);
const EMAIL_TOKEN = /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/;
const EMAIL_PREFIX = /@/;
const TLDS = new Set(["com", "org", "net", "edu", "gov", "io", "co", "uk", "us", "ca", "au", "de", "fr", "es", "it", "nl", "in", "br", "mx", "info", "biz", "me", "ai"]);

// Data being dictated at the end of the turn, or null when the turn does not end in data.
function assessData(tokens: string[], t: TTables, kind: TDataKind | null): TCompleteness | null {
  const lang = t.lang;
  const last = tokens.at(-1)!;

  // Email addresses: "jo@acme.com" (smart_format), or spoken "jo at acme dot com".
  if (EMAIL_PREFIX.test(last)) {
    return EMAIL_TOKEN.test(last) ? result("complete", "data-complete", "email") : result("incomplete", "dictating", "email");
  }
  const atIndex = findLastIndex(tokens, (w) => t.emailAt.has(w));
  // "jane dot doe", "sam underscore lee": "dot" or "underscore" said between two words spells an address; nobody
  // says them in a sentence. (Other languages' dot words, "punto", "point", "Punkt", are everyday words too.)
  const isSpelling = tokens.some((w, i) => i > 0 && i < tokens.length - 1 && SPELLING_WORDS.has(w));
  const isEmailContext = kind === "email" || isSpelling || tokens.some((w) => /^e-?mail$/.test(w));
  // The part before the "at" is still being spelled.
  if (isSpelling && atIndex < 0 && kind !== "email") return result("incomplete", "dictating", "email");
  if (t.dataSymbols.has(last)) {
    // "at" / "to" style words end many sentences; only symbols of dictation count outside an email context.
    if (isEmailContext || !t.continuers.has(last) || isNumberToken(tokens, tokens.length - 2, lang)) {
      return result("incomplete", "dictating", isEmailContext ? "email" : kind);
    }
  }
  if (isEmailContext && atIndex >= 0) {
    const afterAt = tokens.slice(atIndex + 1);
    const dot = findLastIndex(afterAt, (w) => t.emailDot.has(w));
    if (dot >= 0 && dot < afterAt.length - 1) {
      const tld = afterAt.at(-1)!;
      return TLDS.has(tld) || afterAt.length - dot - 1 >= 2
        ? result("complete", "data-complete", "email")
        : result("unsure", "data-partial", "email");
    }
    return result("incomplete", "dictating", "email");
  }

  // Dates: a month without a day, or a day without a month while one was asked for. A date of birth goes on to
  // its year: day and month alone are still being dictated.
  const isBirthdate = kind === "birthdate";
  const isDateKind = kind === "date" || isBirthdate;
  const dayAndMonth = () => (isBirthdate ? result("incomplete", "dictating", "birthdate") : result("complete", "data-complete", "date"));
  if (t.months.has(last) && (isDateKind || kind === null)) {
    const hasDayBefore = tokens.length >= 2 && /^(\d{1,2}(st|nd|rd|th)?|\w+(st|nd|rd|th))$/.test(tokens.at(-2)!) && tokens.at(-2) !== "the";
    const hasDayBeforeOf = tokens.at(-2) === "of";
    if (hasDayBefore || hasDayBeforeOf) return dayAndMonth();
    return result("incomplete", "dictating", isBirthdate ? "birthdate" : "date");
  }

  const isOrdinal = (w: string) => /^\d{1,2}(st|nd|rd|th)$/.test(w) || t.ordinals.has(w);
  if (kind === "date" && WEEKDAYS_EN.has(last)) return result("complete", "data-complete", "date");
  if (isOrdinal(last) && (isDateKind || tokens.some((w) => t.months.has(w)) || tokens.at(-2) === "the")) return dayAndMonth();

  // Digits at the end of the turn: count those dictated in the trailing run of numbers and spoken symbols.
  let start = tokens.length;
  while (start > 0) {
    const i = start - 1;
    const word = tokens[i]!;
    if (isNumberToken(tokens, i, lang) || (t.dataSymbols.has(word) && i < tokens.length - 1)) start--;
    else break;
  }
  if (start === tokens.length) return null;
  const run = tokens.slice(start);
  // "un", "una", "one": an article as often as a number.
  if (run.length === 1 && t.continuers.has(run[0]!) && kind === null) return null;
  const digits = countDigits(run, lang);
  if (digits === 0) return null;
  const before = tokens.slice(0, start);
  if (isBirthdate) {
    // "nineteen eighty four", "1984", "oh seven oh nine eighty four": the year is in once four digits are.
    return digits >= 4 ? result("complete", "data-complete", "birthdate") : result("incomplete", "dictating", "birthdate");
  }
  if (kind === "date" || before.some((w) => t.months.has(w))) {
    // "March 14", "the 3rd": a day number ends a date; a year ends it too.
    return result("complete", "data-complete", "date");
  }
  if (WEEKDAYS_EN.has(before.at(-1) ?? "")) return result("complete", "data-complete", "date");
  switch (kind) {
    case "phone":
      // Numbers are ten digits and more (with the area code) almost everywhere now: fewer is a group of one.
      if (digits >= 10) return result("complete", "data-complete", "phone");
      return result("incomplete", "dictating", "phone");
    case "card":
      if (digits >= 16) return result("complete", "data-complete", "card");
      if (digits === 15) return result("unsure", "data-partial", "card");
      return result("incomplete", "dictating", "card");
    case "code":
      // Expiry, CVV, last four: three or four digits make one.
      return digits >= 3 ? result("complete", "data-complete", "code") : result("incomplete", "dictating", "code");
    case "address":
      return result("incomplete", "dictating", "address");
    default: {
      // A number of unknown length. Time, quantities and short counts ("two people", "at 3") end a turn;
      // a run of several digit groups reads as dictation still going on.
      const groups = run.filter((w) => /^\d+$/.test(w)).length;
      const isDictation = digits >= 3 && (groups >= 2 || run.length >= 3 || kind === "number");
      if (isDictation && digits < 10) return result("incomplete", "dictating", kind ?? "number");
      // Ten or eleven digits make a phone number; twelve to fifteen may be one with its country code or a card
      // number on its way to sixteen: the setting's wait, not a complete turn's.
      if (digits >= 12 && digits < 16) return result("unsure", "data-partial", kind ?? "number");
      return result(digits >= 10 ? "complete" : "unsure", "data-partial", kind ?? "number");
    }
  }
}

function findLastIndex<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (predicate(items[i]!)) return i;
  return -1;
}
