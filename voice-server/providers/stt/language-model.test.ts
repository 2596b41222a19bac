import { describe, expect, it } from "vitest";
import { sttPhrasesFor, sttVocabularyFor } from "@/voice-server/session/stt-phrases";
import { QUALITY_AGENT } from "@/tests/sim/quality-set";
import { agentVocabulary } from "./pocketsphinx";
import { loadDictionary } from "./grammar";
import {
  buildCorpus,
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
    const vocabulary = agentVocabulary(sttPhrasesFor(QUALITY_AGENT), sttVocabularyFor(QUALITY_AGENT));
    const { arpa, words } = buildLanguageModel(vocabulary, dict, byWord);
    expect(words).toEqual(expect.arrayContaining(["cigna", "metlife", "larkspur", "whitening", "toothache"]));
    // "do you take cigna" as a trigram path: the insurer follows "take" without anyone listing that sentence.
    expect(section(arpa, 3).has("you take cigna")).toBe(true);
    const pronunciations = dictionaryFor(["cigna", "read"], byWord);
    expect(pronunciations).toBe("cigna S IH G N AA\nread R EH D\nread(2) R IY D\n");
  });

  it("fills each class of the agent's terms into the slots of its class only", async () => {
    const dict = await loadDictionary(DICT);
    const vocabulary = {
      phrases: [],
      facts: [],
      classes: { insurers: ["Humana"], services: ["root canal"], places: ["Maple Street"], departments: ["Radiology"], business: [] },
    };
    const sentences = buildCorpus(vocabulary, dict).map((s) => s.words.join(" "));
    // Patterns nobody wrote for these terms: "do you take <insurer>", "how much is <service>", "<target> please".
    expect(sentences.some((s) => /\bhumana\b/.test(s) && /\b(take|accept)\b/.test(s))).toBe(true);
    expect(sentences.some((s) => /\broot canal\b/.test(s) && /\bhow much\b/.test(s))).toBe(true);
    expect(sentences.some((s) => /\bmaple street\b/.test(s) && /\b(near|on|by)\b/.test(s))).toBe(true);
    expect(sentences.some((s) => /\bradiology\b/.test(s) && /\b(speak|talk|transfer|connect)\b/.test(s))).toBe(true);
    // Not across classes: an insurer is not a service to price, a service not an insurer to be covered by.
    expect(sentences.some((s) => /\bhow much\b.*\bhumana\b/.test(s))).toBe(false);
    expect(sentences.some((s) => /\b(take|accept|covered by)\b.*\broot canal\b/.test(s))).toBe(false);
    // Without classes (an engine given phrases only), the agent's terms still stand in every topic slot.
    const untyped = buildCorpus({ phrases: ["Humana"], facts: [] }, dict).map((s) => s.words.join(" "));
    expect(untyped.some((s) => /\bhow much\b.*\bhumana\b/.test(s))).toBe(true);
  });

  it("classes an agent's knowledge terms by what its entries are about", () => {
    const vocabulary = sttVocabularyFor({
      ...QUALITY_AGENT,
      teamName: "Oak Park Vets",
      knowledge: [
        { id: "1", kind: "qa", title: "Do you take pet insurance?", content: "Yes, we work with Trupanion and Petplan." },
        { id: "2", kind: "qa", title: "Vaccination and neutering prices", content: "Vaccinations are $45; neutering starts at $200." },
        { id: "3", kind: "qa", title: "Where are you?", content: "Our address is 12 Elm Road, across from the library." },
        { id: "4", kind: "document", title: "Team", content: "Dr. Patel founded the practice. She loves cats." },
      ],
      departments: [{ id: "d", name: "Surgery", phoneNumber: "+15550000003", whenToTransfer: "Operations" }],
    });
    expect(vocabulary.insurers).toEqual(["Trupanion", "Petplan"]);
    expect(vocabulary.services).toEqual(["vaccination", "neutering"]);
    expect(vocabulary.places).toEqual(expect.arrayContaining(["Elm Road", "Elm", "the library"]));
    expect(vocabulary.departments).toEqual(["Surgery"]);
    expect(vocabulary.business).toEqual(["Oak Park Vets"]);
    // A document about people names no insurer, service or place; its sentences still reach the corpus.
    expect([...vocabulary.insurers, ...vocabulary.services, ...vocabulary.places]).not.toContain("Patel");
    expect(vocabulary.facts).toContain("She loves cats.");
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
