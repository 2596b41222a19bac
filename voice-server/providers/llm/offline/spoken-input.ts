// Spoken-input parsing: what a caller dictates on the phone (numbers in words, names with lead-ins, a message).
import { normalizePhoneNumber } from "@/voice-server/tools/phone-number";

// "oh", "to", "too", "for", "ate" sound like digits but only count between other digits (see below).
const DIGIT_WORDS: Record<string, string> = Object.fromEntries(
  "zero:0 oh:0 o:0 one:1 two:2 to:2 too:2 three:3 four:4 for:4 five:5 six:6 seven:7 eight:8 ate:8 nine:9"
    .split(" ")
    .map((pair) => pair.split(":")),
);
const TEEN_WORDS: Record<string, string> = Object.fromEntries(
  "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
    .split(" ")
    .map((word, i) => [word, String(10 + i)]),
);
const TENS_WORDS: Record<string, string> = Object.fromEntries(
  "twenty thirty forty fifty sixty seventy eighty ninety".split(" ").map((word, i) => [word, String(2 + i)]),
);
const STRICT_DIGIT_WORDS = new Set(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]);

function isNumberToken(token: string | undefined): boolean {
  if (token === undefined) return false;
  return /^\d+$/.test(token) || STRICT_DIGIT_WORDS.has(token) || token in TEEN_WORDS || token in TENS_WORDS;
}

// "five five five, one two three four" -> "5551234"; digits, "double five", "fifty five", "eight hundred" all work.
export function parseSpokenPhoneNumber(text: string): string | null {
  const hasPlus = /^\s*(\+|plus\b)/.test(text.toLowerCase());
  return normalizePhoneNumber((hasPlus ? "+" : "") + spokenDigits(text));
}

// The digits a caller said, in order, however they said them (see parseSpokenPhoneNumber).
// "Kevin Park four one five five five five zero one nine nine": a name and then a number in one breath, as a
// recogniser hears it (no comma, no "my number is" between). The words before the number, and the number.
export function splitOffPhoneNumber(text: string): { before: string; number: string } | null {
  const tokens = text.trim().split(/\s+/);
  for (let i = 1; i < tokens.length; i++) {
    if (!isNumberToken(tokens[i]!.toLowerCase().replace(/[^\p{L}\d]/gu, ""))) continue;
    const rest = tokens.slice(i).join(" ");
    const number = spokenDigits(rest).length >= 7 ? parseSpokenPhoneNumber(rest) : null;
    return number ? { before: tokens.slice(0, i).join(" "), number } : null;
  }
  return null;
}

export function spokenDigits(text: string): string {
  const lower = text.toLowerCase();
  const tokens = lower
    .replace(/[^a-z0-9]+/g, " ")
    .trim()
    .split(" ");
  let digits = "";
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] ?? "";
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    if (/^\d+$/.test(t)) digits += t;
    else if (t === "double" || t === "triple") {
      const d = next === undefined ? undefined : /^\d$/.test(next) ? next : DIGIT_WORDS[next];
      if (d !== undefined && (isNumberToken(next) || next === "oh" || next === "o")) {
        digits += d.repeat(t === "double" ? 2 : 3);
        i++;
      }
    } else if (t in TEEN_WORDS) digits += TEEN_WORDS[t];
    else if (t in TENS_WORDS) {
      const unit =
        next !== undefined && STRICT_DIGIT_WORDS.has(next) && next !== "zero" ? DIGIT_WORDS[next] : undefined;
      digits += (TENS_WORDS[t] ?? "") + (unit ?? "0");
      if (unit !== undefined) i++;
    } else if (t === "hundred") digits += "00";
    else if (t === "thousand") digits += "000";
    else if (STRICT_DIGIT_WORDS.has(t)) digits += DIGIT_WORDS[t];
    // "oh", "to", "for" only count as digits between other digits, so "oh, it's five five five" keeps no zero.
    else if (t in DIGIT_WORDS && (isNumberToken(prev) || prev === "oh" || prev === "o") && isNumberToken(next)) {
      digits += DIGIT_WORDS[t];
    } else if ((t === "oh" || t === "o") && isNumberToken(next) && digits.length > 0) digits += "0";
  }
  return digits;
}

const DIGIT_WORD = "zero|oh|o|one|two|three|four|five|six|seven|eight|nine|double|triple";
// A run of spoken digits: it starts with one, and may go on with more and the pauses between groups.
const DIGIT_RUN = String.raw`(?:\d|\b(?:${DIGIT_WORD})\b)(?:\d|\b(?:${DIGIT_WORD})\b|[\s,.-])*`;
// Digits the caller takes back: "not 0147", "0147 is wrong", "0147, no sorry, 0174", "0147 I mean 0174".
const TAKEN_BACK = new RegExp(
  String.raw`\b(?:not|is not|was not)\s+(?:the\s+)?${DIGIT_RUN}|${DIGIT_RUN}(?:is|was)\s+(?:wrong|not right|incorrect)\b|${DIGIT_RUN}(?=\b(?:i mean|sorry|no|or rather|actually)\b)`,
  "g",
);

// A number said with a slip or a correction of one that was read back: a whole new number ("no, it's 303 555
// 0174, not 0147"), or the part that was wrong ("the last four are 0174", "area code 720", "no, 0174"), put in
// place of that part of the number read back (or of the one the caller just took back). Null when no number
// can be made of it.
export function parseCorrectedNumber(text: string, previous?: string): string | null {
  const lower = text.toLowerCase().replace(/\b(is|was)n't\b/g, "$1 not").replace(/\bit's\b/g, "it is");
  const takenBack = lower.match(TAKEN_BACK) ?? [];
  // "The last four are ...": "four" counts the digits, it is not one of them.
  const kept = lower
    .replace(TAKEN_BACK, " ")
    .replace(/\b(last|first) (one|two|three|four|five|six|seven)\b/g, "$1 digits");
  const digits = spokenDigits(kept);
  if (digits.length >= 7) return parseSpokenPhoneNumber(kept);
  // Nothing said in place of what was "taken back" ("... 0147, sorry"): it was not taken back after all.
  if (digits.length === 0 && previous === undefined) return parseSpokenPhoneNumber(lower);
  const base = previous ?? takenBack.map((part) => parseSpokenPhoneNumber(part)).find((n) => n !== null) ?? undefined;
  const old = base?.replace(/[^0-9]/g, "");
  if (!base || !old || old.length < 10 || digits.length === 0) return null;
  const plus = base.startsWith("+") ? "+" : "";
  if (/\b(area code|first three|starts? with|beginning)\b/.test(kept) && digits.length === 3) {
    return normalizePhoneNumber(`${plus}${old.slice(0, -10)}${digits}${old.slice(-7)}`);
  }
  const isEnding = /\b(last|ends?|ending)\b/.test(kept);
  if ((isEnding && digits.length <= 4) || digits.length === 4) {
    return normalizePhoneNumber(`${plus}${old.slice(0, -digits.length)}${digits}`);
  }
  return null;
}

const NAME_LEAD_IN =
  /\b(?:my name is|my name's|name is|name's|this is|it is|it's|it'd be|it would be|it will be|it'll be|put it under|under the name(?: of)?|i am|i'm|call me(?! back\b)|you can call me(?! back\b))\s+(.+)$/i;
const NOT_A_NAME = new Set(
  (
    "what when where why how who can could do does is are will would no not never i " +
    "calling just about back regarding the a sorry wait hold please sure yes actually never nevermind no nope hang " +
    "okay ok"
  ).split(" "),
);

// Letters spelled one by one ("P R I Y A", "p-r-i-y-a", "K. W. A. M. E.") make the word they spell; a spelled word
// right after the same word said whole ("Priya, P R I Y A") is said once.
function joinSpelled(text: string): string {
  const joined = text.replace(/(?<![\p{L}'])(?:\p{L}[.\s-]+){2,}\p{L}(?![\p{L}'])\.?/gu, (run) => {
    const word = run.replace(/[^\p{L}]/gu, "");
    return `${word.charAt(0).toUpperCase()}${word.slice(1).toLowerCase()} `;
  });
  return joined.replace(/\b(\p{L}+)[\s,]+(?:that's |that is |spelled |spelt )?\1\b/giu, "$1").replace(/\s+/g, " ").trim();
}

export function parseName(raw: string): string | null {
  let t = joinSpelled(raw.trim()).replace(/[.!?]+$/g, "");
  const leadIn = NAME_LEAD_IN.exec(t);
  if (leadIn?.[1]) t = leadIn[1];
  // "It" and "its" before a name are a half-heard "it's" ("yes it David Miller").
  for (let i = 0; i < 3; i++) t = t.replace(/^(?:um+|uh+|er+|yeah|yes|sure|okay|ok|so|well|hi|hello|oh|it|its)[,.]?\s+/i, "");
  // "Not Maria, Marie", "Marie, not Maria": the name taken back is not the name.
  t = t.replace(/^not\s+[^,]+,\s*/i, "");
  t = t.split(/\s*(?:,|\band\b|\bbut\b|\bfrom\b|\bcalling\b|\bi'm\b|\bi am\b|\bhere\b|\bnot\b)\s*/i)[0] ?? "";
  const words = t.split(/\s+/).filter((w) => w !== "");
  if (words.length === 0 || words.length > (leadIn ? 4 : 3)) return null;
  if (words.some((w) => !/^[\p{L}][\p{L}'.-]*$/u.test(w))) return null;
  if (NOT_A_NAME.has((words[0] ?? "").toLowerCase())) return null;
  return words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(" ");
}

export function parseMessageBody(raw: string): string | null {
  const t = raw
    .trim()
    .replace(/^(?:um+|uh+|yeah|yes|sure|okay|ok|so)[,.]?\s+/i, "")
    .replace(
      /^(?:the message is|my message is|message is|just|please|can you|could you)?\s*(?:tell|let)\s+(?:them|him|her|the team|everyone)\s+(?:know\s+)?(?:that\s+)?/i,
      "",
    )
    .replace(/^(?:the message is|my message is|message is|it's|it is)[:,]?\s+/i, "")
    .trim();
  return /[\p{L}\d]/u.test(t) ? t : null;
}

