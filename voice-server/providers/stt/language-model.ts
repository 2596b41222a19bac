import { readFile } from "node:fs/promises";
import type { TSttVocabulary } from "@/voice-server/providers/types";
import { type TDictionary, normalizePhrase } from "./grammar";
import { buildArpa } from "./ngram";
import { CALLER_PATTERNS, CALLER_SLOTS } from "./receptionist-corpus";

// The offline recogniser's language model for one agent: generic front-desk phrasing (receptionist-corpus.ts)
// with the agent's own facts (knowledge, departments, capture fields) filled into its slots, plus the agent's
// phrases and knowledge sentences as they are. A trigram model generalises to word orders nobody listed, which a
// grammar does not, while staying far narrower than a general English model.

// ---- pattern expansion --------------------------------------------------------------------------------------

type TNode = { kind: "word"; word: string } | { kind: "slot"; name: string } | { kind: "choice"; options: TNode[][]; isOptional: boolean };

function parsePattern(pattern: string): TNode[] {
  const tokens = pattern.match(/<[a-z]+>|[()[\]|]|[^\s()[\]|<>]+/g) ?? [];
  let at = 0;
  const sequence = (): TNode[][] => {
    const options: TNode[][] = [[]];
    while (at < tokens.length) {
      const token = tokens[at]!;
      if (token === ")" || token === "]") break;
      at++;
      if (token === "|") options.push([]);
      else if (token === "(" || token === "[") {
        const inner = sequence();
        const close = tokens[at++];
        if (close !== (token === "(" ? ")" : "]")) throw new Error(`Unbalanced pattern: ${pattern}`);
        options.at(-1)!.push({ kind: "choice", options: inner, isOptional: token === "[" });
      } else if (token.startsWith("<")) options.at(-1)!.push({ kind: "slot", name: token.slice(1, -1) });
      else options.at(-1)!.push({ kind: "word", word: token });
    }
    return options;
  };
  const top = sequence();
  if (at !== tokens.length) throw new Error(`Unbalanced pattern: ${pattern}`);
  return [{ kind: "choice", options: top, isOptional: false }];
}

// mulberry32: the same agent always gets the same model.
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sample(nodes: TNode[], slots: Record<string, string[]>, next: () => number, out: string[]): void {
  for (const node of nodes) {
    if (node.kind === "word") out.push(node.word);
    else if (node.kind === "slot") {
      const fillers = slots[node.name];
      if (!fillers || fillers.length === 0) throw new Error(`No fillers for <${node.name}>`);
      out.push(fillers[Math.floor(next() * fillers.length)]!);
    } else {
      if (node.isOptional && next() < 0.5) continue;
      sample(node.options[Math.floor(next() * node.options.length)]!, slots, next, out);
    }
  }
}

// Samples of a pattern: enough to cover its choices, without enumerating every combination.
export function expandPattern(pattern: string, slots: Record<string, string[]>, samples: number, seed = 1): string[] {
  const nodes = parsePattern(pattern);
  const next = random(seed);
  const seen = new Set<string>();
  for (let i = 0; i < samples; i++) {
    const words: string[] = [];
    sample(nodes, slots, next, words);
    seen.add(words.join(" "));
  }
  return [...seen];
}

// ---- the agent's corpus ---------------------------------------------------------------------------------------

const DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "oh"];
const LETTERS = "abcdefghijklmnopqrstuvwxyz".split("");

// Words that say nothing about what a knowledge entry is about.
const STOP = new Set(
  `a an the and or but if of to in on at by for with from about as into is am are was were be been do does did
  have has had will would can could may might must i me my we our us you your it its they them their this that
  these those there here what which who when where why how much many any some all no not yes please our we're
  also very just only more most per each every other than then so such next behind near`.split(/\s+/),
);

export type TAgentVocabulary = {
  phrases: string[]; // sttPhrasesFor(agent): knowledge titles, department names, common lines
  facts: string[]; // knowledge contents, departments' "when to transfer", capture field labels
  // The agent's terms by class (sttVocabularyFor): each fills the slots of its class only.
  classes?: Omit<TSttVocabulary, "facts">;
};

// Which slot of the caller patterns each class of the agent's terms fills.
const CLASS_SLOTS = { insurers: "insurer", services: "service", places: "place", departments: "target", business: "business" } as const;

// Proper names and topic words of the agent's facts: "Delta Dental", "Cigna", "Larkspur Avenue", "whitening".
export function termsOf(texts: string[], dict: TDictionary): string[] {
  const terms = new Set<string>();
  for (const text of texts) {
    for (const name of text.match(/\b[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*/g) ?? []) {
      const words = normalizePhrase(name, dict).filter((w) => !STOP.has(w));
      if (words.length > 0 && words.length <= 3) terms.add(words.join(" "));
    }
    const words = normalizePhrase(text, dict);
    words.forEach((w, i) => {
      if (STOP.has(w) || w.length < 3 || DIGITS.includes(w)) return;
      terms.add(w);
      const next = words[i + 1];
      if (next && !STOP.has(next) && next.length >= 3 && !DIGITS.includes(next)) terms.add(`${w} ${next}`);
    });
  }
  return [...terms];
}

export type TCorpusSentence = { words: string[]; weight: number };

export function buildCorpus(vocabulary: TAgentVocabulary, dict: TDictionary): TCorpusSentence[] {
  const sentences: TCorpusSentence[] = [];
  for (const part of corpusParts(vocabulary, dict)) sentences.push(...part());
  return sentences;
}

// The corpus in parts, so a voice server building it for a new agent can let other calls' audio through between them.
function corpusParts(vocabulary: TAgentVocabulary, dict: TDictionary): Array<() => TCorpusSentence[]> {
  const slots: Record<string, string[]> = { ...CALLER_SLOTS };
  const { classes } = vocabulary;
  if (classes) {
    // Class-based: an insurer is heard where callers name an insurer, a service where they ask for one, next to
    // the generic fillers. The agent's other terms reach the model only in its own phrases and sentences: put in
    // the topic slots too ("can you help me with <thing>"), they made the model hear them in noise (tuning half:
    // 65.8% intent with them there, 67.3% without).
    for (const [name, slot] of Object.entries(CLASS_SLOTS)) {
      const own = classes[name as keyof typeof CLASS_SLOTS].map((term) => normalizePhrase(term, dict).join(" ")).filter(Boolean);
      slots[slot] = [...new Set([...(slots[slot] ?? []), ...own])];
    }
  } else {
    // The agent's terms fill every slot a topic can stand in, next to the generic fillers.
    const terms = termsOf([...vocabulary.phrases, ...vocabulary.facts], dict);
    for (const slot of ["insurer", "service", "place", "thing", "target"]) slots[slot] = [...(slots[slot] ?? []), ...terms];
  }
  const spelled = Array.from({ length: 40 }, (_, i) => {
    const next = random(1000 + i);
    return Array.from({ length: 3 + Math.floor(next() * 6) }, () => LETTERS[Math.floor(next() * 26)]).join(" ");
  });
  const digits = Array.from({ length: 60 }, (_, i) => {
    const next = random(2000 + i);
    const length = i % 3 === 0 ? 7 : 10;
    return Array.from({ length }, () => DIGITS[Math.floor(next() * 10)]).join(" ");
  });
  slots.spelled = spelled;
  slots.digits = digits;
  const parts = CALLER_PATTERNS.map((pattern, i) => () => {
    const sentences: TCorpusSentence[] = [];
    for (const text of expandPattern(pattern, slots, 80, i + 1)) {
      const words = normalizePhrase(text, dict);
      if (words.length > 0) sentences.push({ words, weight: 1 });
    }
    return sentences;
  });
  parts.push(() => agentSentences(vocabulary, dict, spelled));
  return parts;
}

function agentSentences(vocabulary: TAgentVocabulary, dict: TDictionary, spelled: string[]): TCorpusSentence[] {
  const sentences: TCorpusSentence[] = [];
  for (const phrase of vocabulary.phrases) {
    const words = normalizePhrase(phrase, dict);
    if (words.length > 0) sentences.push({ words, weight: 3 });
  }
  for (const fact of vocabulary.facts) {
    for (const sentence of fact.split(/[.!?;:\n]+/)) {
      const words = normalizePhrase(sentence, dict);
      if (words.length > 0) sentences.push({ words, weight: 1 });
    }
  }
  for (const letters of spelled) sentences.push({ words: letters.split(" "), weight: 1 });
  return sentences;
}

// Pronunciations for words the dictionary lacks but that are two words it has: "toothache" = "tooth" + "ache",
// "checkin" = "check" + "in". Longer unknown words (names) stay out: guessing them would make noise into names.
export function compoundPronunciations(texts: Iterable<string>, byWord: Map<string, string[]>): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const first = (word: string) => byWord.get(word)?.[0]?.split(" ").slice(1).join(" ");
  for (const text of texts) {
    for (const token of text.toLowerCase().split(/[^a-z']+/)) {
      if (token.length < 6 || byWord.has(token) || found.has(token)) continue;
      for (let cut = 3; cut <= token.length - 3; cut++) {
        const head = first(token.slice(0, cut));
        const tail = first(token.slice(cut));
        if (head && tail) {
          found.set(token, [`${token} ${head} ${tail}`]);
          break;
        }
      }
    }
  }
  return found;
}

function corpusTexts(vocabulary: TAgentVocabulary): string[] {
  const classTerms = vocabulary.classes ? Object.values(vocabulary.classes).flat() : [];
  return [...CALLER_PATTERNS, ...Object.values(CALLER_SLOTS).flat(), ...vocabulary.phrases, ...vocabulary.facts, ...classTerms];
}

export async function buildLanguageModelAsync(
  vocabulary: TAgentVocabulary,
  known: TDictionary,
  byWord: Map<string, string[]>,
): Promise<{ arpa: string; words: string[]; pronunciations: string }> {
  const compounds = compoundPronunciations(corpusTexts(vocabulary), byWord);
  const dict = compounds.size > 0 ? new Set([...known, ...compounds.keys()]) : known;
  const corpus: TCorpusSentence[] = [];
  for (const part of corpusParts(vocabulary, dict)) {
    corpus.push(...part());
    await new Promise((resolve) => setImmediate(resolve));
  }
  const words = new Set<string>();
  for (const s of corpus) for (const w of s.words) words.add(w);
  const all = compounds.size > 0 ? new Map([...byWord, ...compounds]) : byWord;
  return { arpa: buildArpa(corpus), words: [...words], pronunciations: dictionaryFor(words, all) };
}

export function buildLanguageModel(
  vocabulary: TAgentVocabulary,
  known: TDictionary,
  byWord: Map<string, string[]> = new Map(),
): { arpa: string; words: string[] } {
  const compounds = compoundPronunciations(corpusTexts(vocabulary), byWord);
  const dict = compounds.size > 0 ? new Set([...known, ...compounds.keys()]) : known;
  const corpus = buildCorpus(vocabulary, dict);
  const words = new Set<string>();
  for (const s of corpus) for (const w of s.words) words.add(w);
  return { arpa: buildArpa(corpus), words: [...words] };
}

// ---- pronunciations -------------------------------------------------------------------------------------------

const pronunciations = new Map<string, Promise<Map<string, string[]>>>();

// Every pronunciation line of a CMU-format dictionary, by word ("read" -> ["read R EH D", "read(2) R IY D"]).
export function loadPronunciations(path: string): Promise<Map<string, string[]>> {
  let loaded = pronunciations.get(path);
  if (!loaded) {
    loaded = readFile(path, "utf8").then((text) => {
      const byWord = new Map<string, string[]>();
      for (const line of text.split("\n")) {
        const end = line.indexOf(" ");
        if (end <= 0) continue;
        const head = line.slice(0, end);
        const alt = head.indexOf("(");
        const word = alt > 0 ? head.slice(0, alt) : head;
        let lines = byWord.get(word);
        if (!lines) byWord.set(word, (lines = []));
        lines.push(line.trim());
      }
      return byWord;
    });
    loaded.catch(() => pronunciations.delete(path));
    pronunciations.set(path, loaded);
  }
  return loaded;
}

// A dictionary of just the model's words: pocketsphinx loads it in milliseconds instead of the full 130k words.
export function dictionaryFor(words: Iterable<string>, byWord: Map<string, string[]>): string {
  const lines: string[] = [];
  for (const word of [...new Set(words)].sort()) lines.push(...(byWord.get(word) ?? []));
  return `${lines.join("\n")}\n`;
}
