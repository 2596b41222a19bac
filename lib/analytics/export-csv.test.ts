import { describe, expect, it } from "vitest";
import { dailySeriesCsv } from "./export-csv";
import type { TDailyPoint } from "./queries";

const point = (day: string, over: Partial<TDailyPoint> = {}): TDailyPoint => ({
  day,
  calls: 0,
  answered: 0,
  completed: 0,
  withOutcome: 0,
  resolved: 0,
  transferred: 0,
  messageTaken: 0,
  abandoned: 0,
  failed: 0,
  resolutionRate: null,
  avgHandleSec: null,
  sentiment: { positive: 0, neutral: 0, negative: 0 },
  sentimentIndex: null,
  v2vP50Ms: null,
  v2vP95Ms: null,
  ...over,
});

describe("dailySeriesCsv", () => {
  it("writes a header and one CRLF row per day, empty cells for unknown values", () => {
    const csv = dailySeriesCsv([
      point("2030-01-01", { calls: 3, answered: 2, abandoned: 1, resolved: 1, withOutcome: 3, resolutionRate: 1 / 3, avgHandleSec: 42.5, sentiment: { positive: 1, neutral: 1, negative: 0 }, v2vP50Ms: 640, v2vP95Ms: 980 }),
      point("2030-01-02"),
    ]);
    const lines = csv.split("\r\n");
    expect(lines[0]).toMatch(/^day,calls,answered,abandoned,resolved,/);
    expect(lines[1]).toBe("2030-01-01,3,2,1,1,0,0,0,0.3333,42.5,1,1,0,640,980");
    expect(lines[2]).toBe("2030-01-02,0,0,0,0,0,0,0,,,0,0,0,,");
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe("");
  });
});
