import { describe, expect, it } from "vitest";
import { checkPreemption } from "./preemption";

const check = (a: string, b: string, language = "en-US") => checkPreemption(a, b, language);

// Surface variants of one utterance that must not invalidate a speculative reply.
function surfaceVariants(text: string): string[] {
  const words = text.split(" ");
  return [
    text,
    text.toUpperCase(),
    `${text}?`,
    `${text}.`,
    `Um, ${text}`,
    `${words[0]}, uh, ${words.slice(1).join(" ")}`,
    text.replace(/\bwhat is\b/i, "what's").replace(/\bI would\b/i, "I'd").replace(/\bit is\b/i, "it's"),
    `  ${text}  `,
    text.replace(/\ba\b/, "the"),
  ];
}

const BASES = [
  "what is the price of a cleaning",
  "I would like a cleaning on Tuesday",
  "it is for my son",
  "can I park near the clinic",
  "do you open at nine on Saturday",
];

describe("checkPreemption", () => {
  it("accepts a final that differs only in case, punctuation, fillers, articles and contractions", () => {
    for (const base of BASES) {
      for (const a of surfaceVariants(base)) {
        for (const b of surfaceVariants(base)) expect(check(a, b).isValid, `${a} | ${b}`).toBe(true);
      }
    }
  });

  it("accepts numbers written or spoken in any grouping", () => {
    expect(check("my number is five five five one two three four", "My number is 555-1234.").isValid).toBe(true);
    expect(check("call me on 555 1234", "call me on 5551234").isValid).toBe(true);
    expect(check("it's four one five double five", "it's 41555").isValid).toBe(true);
    expect(check("room 12", "room 13").isValid).toBe(false);
  });

  it("rejects any added content word, wherever it lands", () => {
    const additions = ["tomorrow", "not", "cleaning", "urgently", "twice", "for two", "on Monday", "again", "also"];
    for (const base of BASES) {
      const words = base.split(" ");
      for (const addition of additions) {
        for (const at of [0, Math.floor(words.length / 2), words.length]) {
          const longer = [...words.slice(0, at), addition, ...words.slice(at)].join(" ");
          const verdict = check(base, longer);
          expect(verdict.isValid, `${base} -> ${longer}`).toBe(false);
          expect(verdict.added.length).toBeGreaterThan(0);
        }
      }
    }
  });

  it("rejects a final that dropped or replaced a word that matters", () => {
    expect(check("I can't make it on Tuesday", "I can make it on Tuesday")).toMatchObject({ isValid: false });
    expect(check("what are your opening hours", "what are your opening")).toMatchObject({ isValid: false, reason: "words-removed" });
    expect(check("book a cleaning", "book a filling")).toMatchObject({ isValid: false, reason: "words-changed", added: ["filling"], removed: ["cleaning"] });
    expect(check("is it open Monday", "it is open Monday").isValid).toBe(false);
    expect(check("I'd like a cleaning", "I'd a cleaning").isValid).toBe(false);
    expect(check("", "hello")).toMatchObject({ isValid: false, reason: "empty" });
  });

  it("ignores the fillers and articles of other languages", () => {
    expect(check("eh quiero una cita", "Quiero una cita.", "es-ES").isValid).toBe(true);
    expect(check("euh je voudrais un rendez-vous", "Je voudrais un rendez-vous", "fr-FR").isValid).toBe(true);
    expect(check("ich möchte einen Termin", "äh ich möchte einen Termin morgen", "de-DE").isValid).toBe(false);
  });
});
