import { describe, expect, it } from "vitest";
import { assertRange, rangeFromSearchParams } from "./queries";

const NOW = new Date("2030-06-15T13:45:00Z");

describe("rangeFromSearchParams", () => {
  it("turns presets into the last N whole UTC days including today", () => {
    expect(rangeFromSearchParams({ range: "7" }, NOW)).toMatchObject({ from: new Date("2030-06-09T00:00:00Z"), to: new Date("2030-06-16T00:00:00Z"), preset: 7 });
    expect(rangeFromSearchParams({}, NOW).preset).toBe(30);
    expect(rangeFromSearchParams({ range: "12" }, NOW).preset).toBe(30);
  });

  it("takes a custom range with both days inclusive, and ignores a reversed or malformed one", () => {
    expect(rangeFromSearchParams({ from: "2030-01-01", to: "2030-01-31" }, NOW)).toMatchObject({ from: new Date("2030-01-01T00:00:00Z"), to: new Date("2030-02-01T00:00:00Z"), preset: null });
    expect(rangeFromSearchParams({ from: "2030-02-01", to: "2030-01-01" }, NOW).preset).toBe(30);
    expect(rangeFromSearchParams({ from: "yesterday", to: "2030-01-01" }, NOW).preset).toBe(30);
    expect(rangeFromSearchParams({ from: "2020-01-01", to: "2030-01-01" }, NOW).preset).toBe(30);
  });
});

describe("assertRange", () => {
  it("refuses empty, reversed, invalid and over-long ranges with a clear message", () => {
    expect(() => assertRange({ from: NOW, to: NOW })).toThrow("before its end");
    expect(() => assertRange({ from: new Date("x"), to: NOW })).toThrow("Invalid date range");
    expect(() => assertRange({ from: new Date("2020-01-01T00:00:00Z"), to: NOW })).toThrow("three years");
  });
});
