import { describe, expect, it } from "vitest";
import {
  createEverydayRunner,
  EVERYDAY_AGENTS,
  FRESH_FILE,
  loadEverydayLines,
  parseEverydayLines,
  summarize,
  type TEverydayResult,
} from "@/tests/sim/everyday-set";
import { loadQualityLines, normalizeLine } from "@/tests/sim/quality-set";

// The offline engine against everyday caller lines written apart from the quality set (text only: understanding,
// not recognition). The floors sit a little under what the engine reaches, so a change that makes it understand
// fewer callers fails here with the lines it lost. `npm run eval:nlu` prints the same figures and every failure.
const CLEAN_FLOOR = 95;
const HEARD_FLOOR = 80;
// The fresh set was written after the tuning and is never tuned on; its floor only guards against losing ground.
const FRESH_FLOOR = 85;

function failures(results: TEverydayResult[]): string {
  return results
    .filter((r) => !r.isRight)
    .map((r) => `[${r.line.intent}] "${r.line.text}" expected ${r.line.expect}, got: ${r.got.slice(0, 140)}`)
    .join("\n");
}

describe("offline engine: everyday caller lines", () => {
  it("is broad, and none of its lines is copied from the quality evaluation set", async () => {
    const lines = await loadEverydayLines();
    const clean = lines.filter((l) => !l.isHeard);
    expect(clean.length).toBeGreaterThanOrEqual(150);
    expect(new Set(clean.map((l) => l.intent)).size).toBeGreaterThanOrEqual(12);
    const quality = new Set((await loadQualityLines()).map((l) => normalizeLine(l.text)));
    const all = [...lines, ...(await loadEverydayLines(FRESH_FILE))];
    expect(all.filter((l) => quality.has(normalizeLine(l.text))).map((l) => l.text)).toEqual([]);
  });

  it("scores a line that reaches the wrong outcome as wrong", () => {
    const [agent] = EVERYDAY_AGENTS;
    const run = createEverydayRunner(agent!);
    const [wrong, right] = parseEverydayLines(
      "## check start knowledge:parking\nWhat are your hours?\n## check2 start hours\nWhat are your hours?\n",
    ).map(run);
    expect(wrong?.isRight).toBe(false);
    expect(right?.isRight).toBe(true);
  });

  for (const agent of EVERYDAY_AGENTS) {
    it(`${agent.name}: clean lines reach the outcome a receptionist would (>= ${CLEAN_FLOOR}%)`, async () => {
      const results = (await loadEverydayLines()).filter((l) => !l.isHeard).map(createEverydayRunner(agent));
      expect(summarize(results).percent, failures(results)).toBeGreaterThanOrEqual(CLEAN_FLOOR);
    });

    it(`${agent.name}: misheard lines still reach it (>= ${HEARD_FLOOR}%)`, async () => {
      const results = (await loadEverydayLines()).filter((l) => l.isHeard).map(createEverydayRunner(agent));
      expect(summarize(results).percent, failures(results)).toBeGreaterThanOrEqual(HEARD_FLOOR);
    });

    it(`${agent.name}: lines written after the tuning reach it too (>= ${FRESH_FLOOR}%)`, async () => {
      const results = (await loadEverydayLines(FRESH_FILE)).map(createEverydayRunner(agent));
      expect(results.length).toBeGreaterThanOrEqual(50);
      expect(summarize(results).percent, failures(results)).toBeGreaterThanOrEqual(FRESH_FLOOR);
    });
  }
});
