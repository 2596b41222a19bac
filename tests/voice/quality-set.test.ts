import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { halfOf, loadQualityLines, normalizeLine, parseQualityLines } from "@/tests/sim/quality-set";

// The held-out half of the evaluation set only measures; it must never feed what the recogniser is built from.
// Every file that supplies grammar rules, vocabulary, language-model text or the bench agent's facts is listed
// here; a held-out line (of four or more words: shorter ones are stock phrases such as "no thank you" that any
// vocabulary holds) found in any of them fails the test.
const ROOT = path.resolve(import.meta.dirname, "../..");
const SOURCE_FILES = [
  "voice-server/session/stt-phrases.ts",
  "voice-server/providers/llm/offline.ts",
  "tests/sim/quality-set.ts",
];
// Whole folders of recogniser sources (grammar, dictionary, language-model corpus), tests excluded.
const SOURCE_DIRS = ["voice-server/providers/stt"];

async function sources(): Promise<Map<string, string>> {
  const files = [...SOURCE_FILES];
  for (const dir of SOURCE_DIRS) {
    for (const entry of await readdir(path.join(ROOT, dir), { recursive: true })) {
      if (/\.(ts|txt|json|arpa|dict)$/.test(entry) && !entry.endsWith(".test.ts")) files.push(path.join(dir, entry));
    }
  }
  const texts = new Map<string, string>();
  for (const file of files) texts.set(file, ` ${normalizeLine(await readFile(path.join(ROOT, file), "utf8"))} `);
  return texts;
}

describe("quality evaluation set", () => {
  it("is broad: at least 200 lines over at least 12 intents, each intent in both halves", async () => {
    const lines = await loadQualityLines();
    expect(lines.length).toBeGreaterThanOrEqual(200);
    const intents = new Set(lines.map((l) => l.intent));
    expect(intents.size).toBeGreaterThanOrEqual(12);
    for (const intent of intents) {
      const of = lines.filter((l) => l.intent === intent);
      expect(of.filter((l) => l.half === "heldout").length, intent).toBeGreaterThanOrEqual(3);
      expect(of.filter((l) => l.half === "tuning").length, intent).toBeGreaterThanOrEqual(3);
    }
  });

  it("splits by a fixed rule of the text alone, so order and neighbours do not matter", () => {
    const a = parseQualityLines("## hours start\nWhat are your hours?\nWhen are you open?\n");
    const b = parseQualityLines("## x start\nSomething else entirely.\n## hours start\nWhen are you open?\nWhat are your hours?\n");
    expect(a.find((l) => l.text === "When are you open?")!.half).toBe(b.find((l) => l.text === "When are you open?")!.half);
    expect(halfOf("What are your HOURS?!")).toBe(halfOf("what are your hours"));
  });

  it("keeps every held-out line out of grammar, vocabulary and language-model sources", async () => {
    const heldOut = (await loadQualityLines()).filter((l) => l.half === "heldout");
    const texts = await sources();
    const leaks = heldOut.flatMap((line) => {
      const key = normalizeLine(line.text);
      if (key.split(" ").length < 4) return [];
      return [...texts].filter(([, text]) => text.includes(` ${key} `)).map(([file]) => `${file}: "${line.text}"`);
    });
    expect(leaks).toEqual([]);
  });

  it("the leak check finds a held-out line pasted into a source", () => {
    const line = "I have a terrible toothache and my face is swollen.";
    const source = ` ${normalizeLine(`const corpus = ["${line}"];`)} `;
    expect(source.includes(` ${normalizeLine(line)} `)).toBe(true);
  });
});
