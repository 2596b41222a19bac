import { describe, expect, it } from "vitest";
import { buildGrammar, builtinGrammarWords, loadDictionary, normalizePhrase, numberToWords } from "./grammar";

const DICT = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict";

describe("grammar", () => {
  it("uses only words the pronouncing dictionary knows", async () => {
    const dict = await loadDictionary(DICT);
    expect(dict.size).toBeGreaterThan(100_000);
    expect(builtinGrammarWords().filter((w) => !dict.has(w))).toEqual([]);
  });

  it("normalises phrases the way a caller says them", async () => {
    const dict = await loadDictionary(DICT);
    expect(normalizePhrase("What's your Wi-Fi password?", dict)).toEqual(["what's", "your", "wi-fi", "password"]);
    expect(normalizePhrase("Open 9am–5pm, 24/7 & on weekends!", dict)).toEqual(
      "open nine am five pm twenty four seven and on weekends".split(" "),
    );
    expect(normalizePhrase("Ask for Dr. O’Brien", dict)).toEqual(["ask", "for", "dr", "o'brien"]);
    // Made-up words would make pocketsphinx reject the grammar, so they are dropped.
    expect(normalizePhrase("Do you sell zxqvbn blorptastic gizmos?", dict)).toEqual(["do", "you", "sell", "gizmos"]);
  });

  it("says numbers like people do", () => {
    expect(numberToWords("7")).toBe("seven");
    expect(numberToWords("42")).toBe("forty two");
    expect(numberToWords("300")).toBe("three hundred");
    expect(numberToWords("2025")).toBe("twenty twenty five");
    expect(numberToWords("1905")).toBe("nineteen oh five");
    expect(numberToWords("5551234")).toBe("five five five one two three four");
    expect(numberToWords("007")).toBe("zero zero seven");
  });

  it("builds a JSGF grammar with the phrases, short ones also as transfer targets", async () => {
    const dict = await loadDictionary(DICT);
    const grammar = buildGrammar(["Billing", "billing!", "What are your opening hours on weekends?", "zzzz"], dict);
    expect(grammar.startsWith("#JSGF V1.0;\ngrammar call;\npublic <utterance>")).toBe(true);
    expect(grammar).toContain("<known> = billing;");
    expect(grammar).toContain("<phrase> = billing | what are your opening hours [on [weekends]];");
    expect(grammar).toMatch(/<target> = .*\| \/8\/ <known> \|/);
  });

  it("lets callers ask about the knowledge in their own words", async () => {
    const dict = await loadDictionary(DICT);
    const related = (word: string) => (word === "parking" ? ["parking", "garage", "car"] : [word]);
    const grammar = buildGrammar(
      [
        "Is there parking?",
        "Do you offer teeth whitening?",
        "Can I speak to billing?",
        "what are your hours",
        "Billing",
      ],
      dict,
      { related },
    );
    const rule = (name: string) => new RegExp(`^<${name}> = (.*);$`, "m").exec(grammar)?.[1]?.split(" | ");
    // Topics of the questions, the agent's synonyms (short ones left out) and plain forms: "parking" -> "park".
    expect(rule("topic")?.sort()).toEqual(["garage", "park", "parking", "teeth", "whiten", "whitening"]);
    expect(rule("topicpair")).toEqual(["teeth whitening"]);
    expect(grammar).toMatch(/^<body> = .*\/2\/ \[<lead>\] <ask> \[<tail>\]/m);
    // Only name-like short phrases are transfer targets, not "what are your hours".
    expect(rule("known")).toEqual(["billing"]);
    expect(buildGrammar(["Billing"], dict)).not.toMatch(/<ask>|<topic>/);
  });

  it("takes phone numbers of seven or ten digits, and keeps fillers off answers", async () => {
    const grammar = buildGrammar([], await loadDictionary(DICT));
    const digits = "<digit> ".repeat(10).trim();
    expect(grammar).toContain(`<phone> = [one] ${digits} | ${"<digit> ".repeat(7).trim()};`);
    expect(grammar).toContain("public <utterance> = /100/ <body> | /2/ <phone>;");
    // Requests and questions may be polite; a name, a number or a yes may not grow a "please".
    expect(grammar).toMatch(/\/8\/ \[<hi>\] <human> \[<tail>\]/);
    expect(grammar).toMatch(/\/8\/ \[<lead>\] <hours> \[<tail>\]/);
    expect(grammar).toMatch(/\/4\/ <name>(;| \|)/);
    expect(grammar).toMatch(/\/8\/ <yes> \|/);
  });

  it("omits empty phrase rules", async () => {
    const grammar = buildGrammar([], await loadDictionary(DICT));
    expect(grammar).not.toContain("<phrase>");
    expect(grammar).not.toContain("<known>");
  });
});
