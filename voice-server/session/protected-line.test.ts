import { describe, expect, it } from "vitest";
import { createGeneration } from "./generation";
import { ProtectedLine } from "./protected-line";

describe("ProtectedLine", () => {
  it("makes its generation uninterruptible and holds actions back until it has played", async () => {
    const generation = createGeneration(1, "greeting", null);
    let finish!: (played: boolean) => void;
    const line = new ProtectedLine(generation, () => new Promise((resolve) => (finish = resolve)));
    expect(generation.isUninterruptible).toBe(true);
    expect(line.isPlaying).toBe(true);
    const done: string[] = [];
    line.after(() => done.push("typed text"));
    await Promise.resolve();
    expect(done).toEqual([]);
    line.ended(1_000);
    finish(true);
    await new Promise((r) => setTimeout(r, 0));
    expect(done).toEqual(["typed text"]);
    line.after(() => done.push("keypress"));
    expect(done).toEqual(["typed text", "keypress"]);
  });

  it("speech over it is a turn only when the caller went on well past its end", () => {
    const line = new ProtectedLine(createGeneration(1, "greeting", null), async () => true);
    expect(line.isTurn(5_000, 200)).toBe(false);
    line.ended(1_000);
    expect(line.isTurn(1_150, 200)).toBe(false);
    expect(line.isTurn(1_200, 200)).toBe(true);
  });
});
