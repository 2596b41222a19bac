import { describe, expect, it } from "vitest";
import { isolatedPoints } from "./isolated-points";

describe("isolatedPoints", () => {
  it("marks values no line segment would draw: the only day, and days between days without data", () => {
    expect([...isolatedPoints([0.5])]).toEqual([0]);
    expect([...isolatedPoints([null, null, 0.4, null, null, null, 0.7])]).toEqual([2, 6]);
    expect([...isolatedPoints([0.1, 0.2, null, 0.3])]).toEqual([3]);
    expect([...isolatedPoints([0.1, 0.2, 0.3])]).toEqual([]);
    expect([...isolatedPoints([null, null])]).toEqual([]);
    // Zero is a value (a 0% resolution day), not a gap.
    expect([...isolatedPoints([0])]).toEqual([0]);
  });
});
