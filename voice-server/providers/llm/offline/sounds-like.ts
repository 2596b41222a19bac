// Words a recogniser (or a typist) got almost right: "sigma" for "Cigna", "can sell" for "cancel", "adress",
// "a point meant". A line the dialog could not make sense of is tried again with each such word replaced by the
// word of this agent's vocabulary it sounds like (see repairHeard); a line that made sense is never rewritten.
import { conceptOf } from "./concepts";
import { stem } from "./stem";
import { memoize } from "./text";

// Sound-alikes no spelling rule relates ("ours" is a stop word, so it is never looked up otherwise).
const HOMOPHONES: Record<string, string> = {
  ours: "hours",
  clothes: "close",
  cloths: "close",
};

// Consonant classes: a key keeps what a word sounds like and drops what recognisers confuse most (vowels).
function keyUncached(word: string): string {
  let w = word.toLowerCase().replace(/[^a-z]/g, "");
  if (w === "") return "";
  w = w
    .replace(/^kn/, "n")
    .replace(/^wr/, "r")
    .replace(/^ps/, "s")
    .replace(/^x/, "s")
    .replace(/x/g, "ks")
    .replace(/ing$/, "n")
    .replace(/ph/g, "f")
    .replace(/gh(?=[^aeiou]|$)/g, "")
    .replace(/tch/g, "ch")
    .replace(/dge/g, "je")
    .replace(/ck/g, "k")
    .replace(/c(?=[eiy])/g, "s")
    .replace(/g(?=[eiy])/g, "j")
    // "x" stands for the sh/ch sound from here on.
    .replace(/sh|ch/g, "x")
    .replace(/th/g, "t")
    .replace(/qu?/g, "k")
    .replace(/c/g, "k")
    .replace(/z/g, "s");
  // A leading vowel counts as one sound, whichever it is; a leading w or h is kept ("whitening", "human").
  const first = /^[aeiouy]/.test(w) ? "A" : (w[0] ?? "").toUpperCase();
  const rest = w.replace(/^[aeiouy]+|^./, "").replace(/[aeiouyhw]/g, "");
  let key = first;
  for (const c of rest.toUpperCase()) if (key.at(-1) !== c) key += c;
  return key;
}
export const soundKey = memoize(keyUncached);

// Pairs a telephone line blurs: voicing (b/p, d/t, g/k, v/f, z/s), nasals (m/n) and liquids (l/r).
const SIMILAR = new Set(["BP", "DT", "GK", "FV", "MN", "LR", "JX", "SX", "JG"].flatMap((p) => [p, `${p[1]}${p[0]}`]));

// Edit distance between two keys; a similar-sounding substitution costs half.
export function soundDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const x = a[i - 1] ?? "";
      const y = b[j - 1] ?? "";
      const substitution = (previous[j - 1] ?? 0) + (x === y ? 0 : SIMILAR.has(x + y) ? 0.5 : 1);
      current.push(Math.min(substitution, (previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

// Letter edit distance, as a share of the longer word: keeps "sounds like" from matching words nothing alike.
function spellingDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, (previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1));
    }
    previous = current;
  }
  return (previous[b.length] ?? 0) / Math.max(a.length, b.length, 1);
}

// How far a key may be from a vocabulary word's key, by the key's length: up to six sounds, one similar sound
// ("sigma" ~ "cigna", "cancer" ~ "cancel"); longer words may lose or change one sound.
function allowedCost(keyLength: number): number {
  if (keyLength <= 2) return 0;
  if (keyLength <= 6) return 0.5;
  return 1;
}

export type TVocabulary = {
  words: Set<string>;
  entries: Array<{ word: string; key: string }>;
};

export function buildVocabulary(words: Iterable<string>): TVocabulary {
  const set = new Set<string>();
  for (const w of words) if (/^[a-z]{4,}$/.test(w)) set.add(w);
  return { words: set, entries: [...set].map((word) => ({ word, key: soundKey(word) })) };
}

// The vocabulary word `candidate` most likely stands for, or undefined when none is close enough (or two are
// equally close: a guess between two words is no better than the word as heard).
export function closestWord(vocabulary: TVocabulary, candidate: string): string | undefined {
  if (vocabulary.words.has(candidate)) return candidate;
  const key = soundKey(candidate);
  // Two sounds or fewer ("zero", "five") match too many words to say which one was meant.
  if (key.length < 3) return undefined;
  let best: string | undefined;
  let bestCost = Infinity;
  let isTie = false;
  for (const entry of vocabulary.entries) {
    if (Math.abs(entry.key.length - key.length) > 1) continue;
    // A heard word that is a whole vocabulary word and goes on past its ending (other than an inflection) is another
    // word that merely starts the same ("humana" is an insurer, not "human"), not a mishearing of it.
    if (isLongerWord(candidate, entry.word)) continue;
    const cost = soundDistance(key, entry.key);
    if (cost > allowedCost(Math.max(key.length, entry.key.length))) continue;
    if (spellingDistance(candidate, entry.word) > 0.4) continue;
    if (cost < bestCost - 1e-9) {
      best = entry.word;
      bestCost = cost;
      isTie = false;
    } else if (Math.abs(cost - bestCost) < 1e-9 && best !== undefined && !isSameMeaning(entry.word, best)) {
      isTie = true;
    }
  }
  return isTie ? undefined : best;
}

const INFLECTION = /^(s|es|ed|d|ing|er|ers|ly|y)$/;
function isLongerWord(candidate: string, word: string): boolean {
  return candidate.length > word.length && candidate.startsWith(word) && !INFLECTION.test(candidate.slice(word.length));
}

// "price" and "prices", "insurance" and "insurer": either will do.
function isSameMeaning(a: string, b: string): boolean {
  const sa = stem(a);
  const sb = stem(b);
  if (sa === sb) return true;
  const ca = conceptOf(sa);
  return ca !== undefined && ca === conceptOf(sb);
}

// A clipped word ("insur", "appoint") that starts exactly one vocabulary word and is most of it.
function completedWord(vocabulary: TVocabulary, partial: string): string | undefined {
  if (partial.length < 4) return undefined;
  const matches = vocabulary.entries.filter((e) => e.word.startsWith(partial) && partial.length >= 0.6 * e.word.length);
  const first = matches[0]?.word;
  return first !== undefined && matches.every((m) => isSameMeaning(m.word, first)) ? first : undefined;
}

// `normalized` (normalizeText output) with sound-alike and split words replaced by vocabulary words, or null when
// nothing changed. `isKnown` says which caller words need no repair (stop words, words the dialog understands).
export function repairHeard(normalized: string, vocabulary: TVocabulary, isKnown: (word: string) => boolean): string | null {
  const tokens = normalized.split(" ").filter((t) => t !== "");
  // A replacement that only repeats what the line already says ("how much are braces" -> "prices") is a guess
  // that adds nothing but a wrong answer.
  const concepts = new Set(tokens.map((t) => conceptOf(stem(t))).filter((c) => c !== undefined));
  const adds = (word: string) => {
    const concept = conceptOf(stem(word));
    return concept === undefined || !concepts.has(concept);
  };
  const out: string[] = [];
  let changed = false;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? "";
    // Split words first ("can sell", "a point meant", "tooth ache"): the join must sound like one known word.
    let joined: { word: string; length: number } | undefined;
    for (const length of [3, 2]) {
      if (i + length > tokens.length) continue;
      const parts = tokens.slice(i, i + length);
      if (parts.some((p) => !/^[a-z]+$/.test(p))) continue;
      const glued = parts.join("");
      if (glued.length < 4) continue;
      // Two known words side by side are two words ("front desk"), unless they make a known word exactly.
      if (vocabulary.words.has(glued)) {
        joined = { word: glued, length };
        break;
      }
      if (parts.every((p) => isKnown(p) && !HOMOPHONES[p])) continue;
      const word = closestWord(vocabulary, glued);
      if (word && soundDistance(soundKey(glued), soundKey(word)) <= 0.5) {
        joined = { word, length };
        break;
      }
    }
    if (joined) {
      out.push(joined.word);
      i += joined.length - 1;
      changed = true;
      continue;
    }
    const homophone = HOMOPHONES[token];
    if (homophone && homophone !== token) {
      out.push(homophone);
      changed = true;
      continue;
    }
    if (!/^[a-z]{3,}$/.test(token) || isKnown(token)) {
      out.push(token);
      continue;
    }
    const word = closestWord(vocabulary, token) ?? completedWord(vocabulary, token);
    if (word && word !== token && adds(word)) {
      out.push(word);
      changed = true;
    } else {
      out.push(token);
    }
  }
  return changed ? out.join(" ") : null;
}
