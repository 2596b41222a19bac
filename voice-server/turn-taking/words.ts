import type { TTurnLanguage } from "./languages";

// Transcript text as the turn-taking rules see it: lower-case tokens without surrounding punctuation. Inner
// apostrophes, hyphens, "@" and "." survive, so "I'd", "uh-huh" and "jo@acme.com" stay one token each.

export type TTokens = {
  tokens: string[];
  // The transcript's last character was "?" (Deepgram's smart_format punctuates).
  endsWithQuestionMark: boolean;
  // ... or ".", "!" ("?" included): the recognizer heard a sentence end.
  endsWithSentenceMark: boolean;
};

const EDGE_PUNCTUATION = /^[^\p{L}\p{N}@]+|[^\p{L}\p{N}@']+$/gu;

export function tokenize(text: string): TTokens {
  const trimmed = text.trim();
  const last = trimmed.replace(/["'”’)\]\s]+$/u, "").at(-1) ?? "";
  const tokens: string[] = [];
  for (const raw of trimmed.toLowerCase().replace(/[’‘]/g, "'").split(/[\s,;:!?¿¡"“”()[\]]+/u)) {
    // "...": a recognizer's hesitation mark inside a token ("book...a") splits it.
    for (const part of raw.split(/\.{2,}|…/u)) {
      const token = part.replace(EDGE_PUNCTUATION, "").replace(/^'+|'+$/g, "");
      if (token) tokens.push(token);
    }
  }
  return { tokens, endsWithQuestionMark: last === "?", endsWithSentenceMark: last === "?" || last === "." || last === "!" };
}

// The phrases of `list` as token arrays, longest first, for greedy matching.
export function phraseTable(list: readonly string[]): string[][] {
  return [...new Set(list.map((p) => p.trim().toLowerCase()).filter(Boolean))]
    .map((p) => tokenize(p).tokens)
    .filter((t) => t.length > 0)
    .sort((a, b) => b.length - a.length);
}

export function endsWithPhrase(tokens: readonly string[], phrase: readonly string[]): boolean {
  if (phrase.length === 0 || phrase.length > tokens.length) return false;
  const offset = tokens.length - phrase.length;
  return phrase.every((word, i) => tokens[offset + i] === word);
}

export function startsWithPhrase(tokens: readonly string[], phrase: readonly string[], at = 0): boolean {
  if (phrase.length === 0 || at + phrase.length > tokens.length) return false;
  return phrase.every((word, i) => tokens[at + i] === word);
}

// How many digits a dictated token stands for: "4155" -> 4, "five" -> 1, "twenty" -> 2 ("twenty three" is two
// digits, and "three" adds none after a tens word), "double" -> the next digit counts twice. Null: not a number.
export function digitValue(token: string, lang: TTurnLanguage): number | null {
  if (/^\+?\d[\d-]*$/.test(token)) return token.replace(/\D/g, "").length;
  // "3rd", "21st", "14th": ordinals of dates.
  if (/^\d{1,2}(st|nd|rd|th)$/.test(token)) return 0;
  const value = lang.digitWords[token];
  if (value === undefined) return null;
  return value >= 100 ? 0 : value >= 10 ? 2 : 1;
}

// "oh" and "o" are zero only beside other digits ("four one five oh two"); alone they are an exclamation.
const AMBIGUOUS_ZERO = new Set(["oh", "o"]);

function isDigitAt(tokens: readonly string[], i: number, lang: TTurnLanguage): boolean {
  const token = tokens[i];
  if (token === undefined) return false;
  if (!AMBIGUOUS_ZERO.has(token)) return digitValue(token, lang) !== null;
  const isPlain = (t: string | undefined) =>
    t !== undefined && ((!AMBIGUOUS_ZERO.has(t) && digitValue(t, lang) !== null) || t in lang.repeatWords);
  return isPlain(tokens[i - 1]) || isPlain(tokens[i + 1]);
}

export function isNumberToken(tokens: readonly string[], i: number, lang: TTurnLanguage): boolean {
  const token = tokens[i];
  return token !== undefined && (isDigitAt(tokens, i, lang) || token in lang.repeatWords);
}

// Digits dictated in a run of tokens, tens words counting two unless a unit follows ("twenty three" = 2).
export function countDigits(tokens: readonly string[], lang: TTurnLanguage): number {
  let digits = 0;
  let repeat = 1;
  let afterTens = false;
  for (const [i, token] of tokens.entries()) {
    if (token in lang.repeatWords) {
      repeat = lang.repeatWords[token]!;
      continue;
    }
    if (!isDigitAt(tokens, i, lang)) continue;
    const value = digitValue(token, lang)!;
    const word = lang.digitWords[token];
    if (afterTens && word !== undefined && word < 10) {
      afterTens = false;
      continue;
    }
    digits += value * repeat;
    repeat = 1;
    afterTens = word !== undefined && word >= 20 && word < 100 && word % 10 === 0;
  }
  return digits;
}

// Normal form for comparing two transcripts: contractions expanded, number words as digits, consecutive digits
// joined ("five five five" = "555" = "5-5-5"), fillers and words in `lang.ignorable` dropped.
export function normalizeForComparison(text: string, lang: TTurnLanguage): string[] {
  const expanded: string[] = [];
  for (const token of tokenize(text).tokens) {
    const expansion = lang.expansions[token];
    if (expansion) expanded.push(...expansion.split(" "));
    else expanded.push(token);
  }
  // Only hesitations and articles: "like", "so", "well" are fillers at a turn's end but words in a question.
  const ignorable = new Set(lang.ignorable);
  const out: string[] = [];
  let pendingRepeat = 1;
  for (const [i, token] of expanded.entries()) {
    if (token in lang.repeatWords) {
      pendingRepeat = lang.repeatWords[token]!;
      continue;
    }
    let digits: string | null = null;
    if (/^\+?[\d-]+$/.test(token) && /\d/.test(token)) digits = token.replace(/\D/g, "");
    else if (lang.digitWords[token] !== undefined && lang.digitWords[token]! < 10 && isDigitAt(expanded, i, lang)) {
      digits = String(lang.digitWords[token]);
    }
    if (digits !== null) {
      const repeated = digits.repeat(pendingRepeat);
      pendingRepeat = 1;
      const previous = out.at(-1);
      if (previous !== undefined && /^\d+$/.test(previous)) out[out.length - 1] = previous + repeated;
      else out.push(repeated);
      continue;
    }
    pendingRepeat = 1;
    if (ignorable.has(token)) continue;
    out.push(token);
  }
  return out;
}
