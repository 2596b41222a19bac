import { findPhoneNumbersInText } from "libphonenumber-js/max";

// PII redaction of free text (turns, summaries, messages, webhook payloads) before it is stored or sent anywhere.
// Speech-to-text writes numbers either as digits ("4111 1111 1111 1111", "4111-1111-...") or as words ("four one
// one one ..."), so digits are read from both, across spaces, commas, dashes and "double"/"triple". What matched
// is replaced by a label; the raw text is not kept anywhere.

export const REDACTION_KINDS = ["card_number", "ssn", "email", "phone_number"] as const;
export type TRedactionKind = (typeof REDACTION_KINDS)[number];

export type TRedactionSettings = { cardNumbers: boolean; ssns: boolean; emails: boolean; phoneNumbers: boolean };

// On by default for what is never needed in a transcript and harmful if leaked; emails and phone numbers are often
// the point of the call (a callback), so they are the team's choice.
export const DEFAULT_REDACTION_SETTINGS: TRedactionSettings = { cardNumbers: true, ssns: true, emails: false, phoneNumbers: false };

export const REDACTION_LABELS: Record<TRedactionKind, string> = {
  card_number: "[card number]",
  ssn: "[SSN]",
  email: "[email]",
  phone_number: "[phone number]",
};

export type TRedacted = { text: string; kinds: TRedactionKind[] };

const DIGIT_WORDS: Record<string, string> = {
  zero: "0",
  oh: "0",
  o: "0",
  one: "1",
  two: "2",
  three: "3",
  four: "4",
  five: "5",
  six: "6",
  seven: "7",
  eight: "8",
  nine: "9",
};
const REPEATS: Record<string, number> = { double: 2, triple: 3 };
// What may sit between the digits of one number as transcribed.
const SEPARATOR = /^[\s,.\-–—()+/]*$/;

type TDigitToken = { start: number; end: number; digits: string };

// Runs of digit tokens (numerals, digit words, "double five") joined only by separators.
function digitRuns(text: string): TDigitToken[][] {
  const runs: TDigitToken[][] = [];
  let run: TDigitToken[] = [];
  const words = [...text.matchAll(/[A-Za-z]+|\d+/g)];
  for (let i = 0; i < words.length; i++) {
    const match = words[i]!;
    const word = match[0];
    const start = match.index;
    let token: TDigitToken | null = null;
    if (/^\d+$/.test(word)) token = { start, end: start + word.length, digits: word };
    else if (DIGIT_WORDS[word.toLowerCase()] !== undefined) token = { start, end: start + word.length, digits: DIGIT_WORDS[word.toLowerCase()]! };
    else if (REPEATS[word.toLowerCase()] !== undefined) {
      const next = words[i + 1];
      const digit = next ? (/^\d$/.test(next[0]) ? next[0] : DIGIT_WORDS[next[0].toLowerCase()]) : undefined;
      if (next && digit !== undefined && /^\s+$/.test(text.slice(start + word.length, next.index))) {
        token = { start, end: next.index + next[0].length, digits: digit.repeat(REPEATS[word.toLowerCase()]!) };
        i++;
      }
    }
    const previous = run[run.length - 1];
    if (token && previous && !SEPARATOR.test(text.slice(previous.end, token.start))) {
      runs.push(run);
      run = [];
    }
    if (token) run.push(token);
    else if (run.length > 0) {
      runs.push(run);
      run = [];
    }
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

export function isLuhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

function isValidSsn(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  const area = digits.slice(0, 3);
  return area !== "000" && area !== "666" && area[0] !== "9" && digits.slice(3, 5) !== "00" && digits.slice(5) !== "0000";
}

function isUsPhone(digits: string): boolean {
  const national = digits.length === 11 && digits[0] === "1" ? digits.slice(1) : digits;
  return /^[2-9]\d{2}[2-9]\d{6}$/.test(national);
}

type TSpan = { start: number; end: number };

// Spans of whole digit tokens, leftmost and then longest first, whose digits `accept` takes.
function digitSpans(text: string, accept: (digits: string) => boolean, minDigits: number, maxDigits: number): TSpan[] {
  const spans: TSpan[] = [];
  for (const run of digitRuns(text)) {
    for (let i = 0; i < run.length; i++) {
      let digits = "";
      let best = -1;
      for (let j = i; j < run.length; j++) {
        digits += run[j]!.digits;
        if (digits.length > maxDigits) break;
        if (digits.length >= minDigits && accept(digits)) best = j;
      }
      if (best >= 0) {
        spans.push({ start: run[i]!.start, end: run[best]!.end });
        i = best;
      }
    }
  }
  return spans;
}

function replaceSpans(text: string, spans: TSpan[], label: string): string {
  let out = text;
  for (const span of [...spans].sort((a, b) => b.start - a.start)) out = out.slice(0, span.start) + label + out.slice(span.end);
  return out;
}

const SSN_CONTEXT = /\b(social|ssn|s\.\s?s\.\s?n|security number)\b/i;
const SSN_FORMATTED = /\b(\d{3})[- ](\d{2})[- ](\d{4})\b/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// As transcribed: "john dot smith at example dot com".
const SPOKEN_EMAIL = /\b[A-Za-z0-9_-]+(?:\s+dot\s+[A-Za-z0-9_-]+)*\s+at\s+[A-Za-z0-9-]+(?:\s+dot\s+[A-Za-z0-9-]+)+\b/gi;

export function redactText(text: string, settings: TRedactionSettings): TRedacted {
  const kinds: TRedactionKind[] = [];
  let out = text;
  const apply = (kind: TRedactionKind, spans: TSpan[]) => {
    if (spans.length === 0) return;
    out = replaceSpans(out, spans, REDACTION_LABELS[kind]);
    if (!kinds.includes(kind)) kinds.push(kind);
  };
  if (settings.cardNumbers) apply("card_number", digitSpans(out, isLuhnValid, 13, 19));
  if (settings.ssns) {
    apply(
      "ssn",
      [...out.matchAll(SSN_FORMATTED)].filter((m) => isValidSsn(m[1]! + m[2]! + m[3]!)).map((m) => ({ start: m.index, end: m.index + m[0].length })),
    );
    // Nine digits said in a row are an SSN only where the caller speaks of one (else they may be anything).
    if (SSN_CONTEXT.test(out)) apply("ssn", digitSpans(out, (d) => d.length === 9 && isValidSsn(d), 9, 9));
  }
  if (settings.phoneNumbers) {
    apply(
      "phone_number",
      findPhoneNumbersInText(out, { defaultCountry: "US" }).map((n) => ({ start: n.startsAt, end: n.endsAt })),
    );
    apply("phone_number", digitSpans(out, isUsPhone, 10, 11));
  }
  if (settings.emails) {
    apply("email", [...out.matchAll(EMAIL)].map((m) => ({ start: m.index, end: m.index + m[0].length })));
    apply("email", [...out.matchAll(SPOKEN_EMAIL)].map((m) => ({ start: m.index, end: m.index + m[0].length })));
  }
  return { text: out, kinds };
}

// Every string inside a JSON value (captured fields, event data) redacted; other values as they are.
export function redactJson<T>(value: T, settings: TRedactionSettings): T {
  if (typeof value === "string") return redactText(value, settings).text as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactJson(v, settings)) as T;
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactJson(v, settings)])) as T;
  }
  return value;
}
