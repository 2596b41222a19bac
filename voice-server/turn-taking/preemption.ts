import { turnLanguage } from "./languages";
import { normalizeForComparison } from "./words";

// Is a reply generated preemptively (on an interim transcript, before the turn was final) still an answer to
// what the caller said? Only if the final transcript says the same thing in the words that matter: case,
// punctuation, hesitations ("um"), articles, "please", contractions and how numbers are written ("five five five"
// = "555" = "5-5-5") do not matter; any other word added, dropped or changed does, because the reply may depend
// on it ("...on Tuesday", "...not", "...cleaning"). A wrong "valid" would play an answer to a question the
// caller did not ask, so anything in doubt is invalid and costs one more LLM request, never a wrong reply.

export type TPreemptionCheck = {
  isValid: boolean;
  reason: "same-words" | "words-added" | "words-removed" | "words-changed" | "empty";
  // Normalized words present in one transcript and not the other, for logs and tests.
  added: string[];
  removed: string[];
};

export function checkPreemption(preemptedText: string, finalText: string, language: string): TPreemptionCheck {
  const lang = turnLanguage(language);
  const before = normalizeForComparison(preemptedText, lang);
  const after = normalizeForComparison(finalText, lang);
  const added = multisetDifference(after, before);
  const removed = multisetDifference(before, after);
  if (before.length === 0 || after.length === 0) return { isValid: false, reason: "empty", added, removed };
  if (before.length === after.length && before.every((w, i) => w === after[i])) {
    return { isValid: true, reason: "same-words", added, removed };
  }
  if (added.length > 0 && removed.length === 0) return { isValid: false, reason: "words-added", added, removed };
  if (removed.length > 0 && added.length === 0) return { isValid: false, reason: "words-removed", added, removed };
  // Same words in another order, or some replaced: "is it open Monday" vs "it is open Monday" changes the question.
  return { isValid: false, reason: "words-changed", added, removed };
}

function multisetDifference(a: readonly string[], b: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const w of b) counts.set(w, (counts.get(w) ?? 0) + 1);
  const out: string[] = [];
  for (const w of a) {
    const n = counts.get(w) ?? 0;
    if (n > 0) counts.set(w, n - 1);
    else out.push(w);
  }
  return out;
}
