import { describe, expect, it } from "vitest";
import { sttPhrasesFor } from "@/voice-server/session/stt-phrases";
import { QUALITY_AGENT } from "@/tests/sim/quality-set";
import { loadDictionary } from "./grammar";
import {
  buildLanguageModel,
  compoundPronunciations,
  dictionaryFor,
  expandPattern,
  loadPronunciations,
  termsOf,
} from "./language-model";
import { buildArpa } from "./ngram";

const DICT = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict";

// log10 probabilities of the n-grams of one order, by their words.
function section(arpa: string, order: number): Map<string, { p: number; bo?: number }> {
  const body = arpa.split(`\\${order}-grams:\n`)[1]!.split("\n\n")[0]!;
  const out = new Map<string, { p: number; bo?: number }>();
  for (const line of body.split("\n")) {
    const parts = line.split(" ");
    const p = Number(parts[0]);
    const hasBackoff = parts.length === order + 2;
    const words = parts.slice(1, 1 + order).join(" ");
    out.set(words, hasBackoff ? { p, bo: Number(parts.at(-1)) } : { p });
  }
  return out;
}

describe("trigram language model", () => {
  it("writes a valid ARPA model whose distributions sum to one", () => {
    const arpa = buildArpa(
      [{ words: "do you take cigna".split(" ") }, { words: "do you take aetna".split(" ") }, { words: "where are you".split(" ") }],
      { extraVocabulary: ["hello"] },
    );
    expect(arpa).toMatch(/^\\data\\\nngram 1=\d+\nngram 2=\d+\nngram 3=\d+\n/);
    expect(arpa.trimEnd().endsWith("\\end\\")).toBe(true);
    const unigrams = section(arpa, 1);
    // Every vocabulary word is reachable, even one the corpus never used.
    expect(unigrams.get("hello")!.p).toBeGreaterThan(-99);
    const total = [...unigrams].filter(([w]) => w !== "<s>").reduce((sum, [, { p }]) => sum + 10 ** p, 0);
    expect(total).toBeCloseTo(1, 3);
    // After "you": the listed bigrams plus the back-off mass over the rest of the unigrams make one.
    const bigrams = section(arpa, 2);
    const after = [...bigrams].filter(([w]) => w.startsWith("you "));
    const listed = new Set(after.map(([w]) => w.split(" ")[1]));
    const seen = after.reduce((sum, [, { p }]) => sum + 10 ** p, 0);
    const rest = [...unigrams].filter(([w]) => w !== "<s>" && !listed.has(w)).reduce((sum, [, { p }]) => sum + 10 ** p, 0);
    expect(seen + 10 ** unigrams.get("you")!.bo! * rest).toBeCloseTo(1, 3);
    // "take" after "do you" is certain in the corpus, so it is the likeliest continuation.
    expect(section(arpa, 3).get("do you take")!.p).toBeGreaterThan(-0.2);
  });

  it("expands choices, options and slots deterministically", () => {
    const samples = expandPattern("(do | can) you [guys] take <insurer>", { insurer: ["cigna", "aetna"] }, 200);
    expect(new Set(samples)).toEqual(
      new Set(["do you take cigna", "do you take aetna", "can you take cigna", "can you take aetna", "do you guys take cigna", "do you guys take aetna", "can you guys take cigna", "can you guys take aetna"]),
    );
    expect(expandPattern("(a | b) c", {}, 20, 7)).toEqual(expandPattern("(a | b) c", {}, 20, 7));
    expect(() => expandPattern("(a | b c", {}, 1)).toThrow(/Unbalanced/);
  });

  it("puts the agent's names and terms in callers' sentences the agent never listed", async () => {
    const dict = await loadDictionary(DICT);
    expect(termsOf(["We accept Delta Dental, Cigna and Aetna plans."], dict)).toEqual(
      expect.arrayContaining(["delta dental", "cigna", "aetna"]),
    );
    const byWord = await loadPronunciations(DICT);
    const { arpa, words } = buildLanguageModel({ phrases: sttPhrasesFor(QUALITY_AGENT), facts: [] }, dict, byWord);
    expect(words).toEqual(expect.arrayContaining(["cigna", "metlife", "larkspur", "whitening", "toothache"]));
    // "do you take cigna" as a trigram path: the insurer follows "take" without anyone listing that sentence.
    expect(section(arpa, 3).has("you take cigna")).toBe(true);
    const pronunciations = dictionaryFor(["cigna", "read"], byWord);
    expect(pronunciations).toBe("cigna S IH G N AA\nread R EH D\nread(2) R IY D\n");
  });

  it("pronounces a compound the dictionary lacks from its two halves", async () => {
    const byWord = await loadPronunciations(DICT);
    expect(byWord.has("toothache")).toBe(false);
    const found = compoundPronunciations(["I have a toothache", "Blorptastic"], byWord);
    expect(found.get("toothache")).toEqual(["toothache T UW TH EY K"]);
    expect(found.has("blorptastic")).toBe(false);
  });

  it("gives the recogniser the names in the agent's answers and what its departments handle, after its own phrases", () => {
    const phrases = sttPhrasesFor(QUALITY_AGENT);
    expect(phrases).toEqual(expect.arrayContaining(["Delta Dental", "Cigna", "MetLife", "Larkspur Avenue", "severe tooth pain", "bleeding"]));
    expect(phrases.indexOf("Cigna")).toBeGreaterThan(phrases.indexOf("Front Desk"));
    // Sentence-initial capitals are not names.
    expect(phrases).not.toContain("We");
  });
});
