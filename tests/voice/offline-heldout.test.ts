import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { HELDOUT_SETS } from "@/tests/fixtures/nlu/heldout-agents";
import { createEverydayRunner, EVERYDAY_FILE, FRESH_FILE, loadEverydayLines, parseEverydayLines } from "@/tests/sim/everyday-set";
import { normalizeLine } from "@/tests/sim/quality-set";

// The held-out set (tests/fixtures/nlu/heldout-*.txt) only measures the offline engine (`npm run eval:nlu`); it
// must never feed the engine's tables. A held-out line of four or more words (shorter ones are stock phrases such
// as "no thank you" that any table may hold) found in the engine's sources or its tuning sets fails here; in the
// engine's unit tests, a line of six or more words (a test starts a flow with "can I leave a message" like anyone).
// A line the development sets (written before the held-out set) also hold is a stock phrase both writers used.
const ROOT = path.resolve(import.meta.dirname, "../..");
const ENGINE_DIR = "voice-server/providers/llm/offline";

// The engine, its tuning sets, and its unit tests (a mechanism is tested with lines of its own).
async function tuningSources(): Promise<Map<string, { text: string; isUnitTest: boolean }>> {
  const files = ["voice-server/providers/llm/offline.ts", path.relative(ROOT, EVERYDAY_FILE), path.relative(ROOT, FRESH_FILE)];
  for (const entry of await readdir(path.join(ROOT, ENGINE_DIR))) {
    if (entry.endsWith(".ts")) files.push(path.join(ENGINE_DIR, entry));
  }
  for (const entry of await readdir(path.join(ROOT, "voice-server/providers/llm"))) {
    if (/^offline.*\.ts$/.test(entry)) files.push(path.join("voice-server/providers/llm", entry));
  }
  const texts = new Map<string, { text: string; isUnitTest: boolean }>();
  for (const file of files) {
    const text = ` ${normalizeLine(await readFile(path.join(ROOT, file), "utf8"))} `;
    texts.set(file, { text, isUnitTest: file.endsWith(".test.ts") || file.endsWith("offline-test-kit.ts") });
  }
  return texts;
}

async function heldOutLines() {
  return (await Promise.all(HELDOUT_SETS.map(async (set) => (await loadEverydayLines(set.file)).map((line) => ({ set, line }))))).flat();
}

describe("offline engine: held-out everyday lines", () => {
  it("is broad: at least 150 lines over at least 14 intents, for two kinds of business", async () => {
    const lines = await heldOutLines();
    expect(lines.length).toBeGreaterThanOrEqual(150);
    expect(new Set(lines.map((l) => l.line.intent)).size).toBeGreaterThanOrEqual(14);
    for (const set of HELDOUT_SETS) expect(lines.filter((l) => l.set === set).length, set.name).toBeGreaterThanOrEqual(50);
  });

  it("keeps every held-out line out of the engine's sources, its tuning sets and its unit tests", async () => {
    const texts = await tuningSources();
    expect(texts.size).toBeGreaterThan(10);
    const development = [...texts].filter(([file]) => file.startsWith("tests/fixtures/nlu/everyday-")).map(([, t]) => t.text);
    expect(development).toHaveLength(2);
    const leaks = (await heldOutLines()).flatMap(({ line }) => {
      const key = normalizeLine(line.text);
      const words = key.split(" ").length;
      if (words < 4 || development.some((text) => text.includes(` ${key} `))) return [];
      return [...texts]
        .filter(([, t]) => (!t.isUnitTest || words >= 6) && t.text.includes(` ${key} `))
        .map(([file]) => `${file}: "${line.text}"`);
    });
    expect(leaks).toEqual([]);
  });

  it("judges alternatives and a stored message", () => {
    const [dental] = HELDOUT_SETS;
    const run = createEverydayRunner(dental!);
    const [either, neither, saved] = parseEverydayLines(
      [
        "## a start hours|knowledge:parking",
        "When do you open in the morning?",
        "## b start knowledge:parking|redirect",
        "When do you open in the morning?",
        "## c askingMessage saved",
        "Tell them the estimate from March looks fine to me.",
      ].join("\n"),
    ).map(run);
    expect(either?.isRight).toBe(true);
    expect(neither?.isRight).toBe(false);
    expect(saved?.isRight, saved?.got).toBe(true);
  });

  it("rejects an outcome it does not know", () => {
    expect(() => parseEverydayLines("## a start hours|maybe\nhello\n")).toThrow(/bad outcome/);
  });
});
