import { describe, expect, it } from "vitest";
import { addDays, formatLocalDateTime, fromLocalInputValue, localDay, localDaysRange, localMidnight, localTodayRange, offsetMs, toLocalInputValue } from "./zone";

describe("local days and times", () => {
  it("knows the offset through DST and in half-hour zones", () => {
    expect(offsetMs("America/New_York", new Date("2030-01-15T12:00:00Z"))).toBe(-5 * 3600_000);
    expect(offsetMs("America/New_York", new Date("2030-07-15T12:00:00Z"))).toBe(-4 * 3600_000);
    expect(offsetMs("Asia/Kolkata", new Date("2030-07-15T12:00:00Z"))).toBe(5.5 * 3600_000);
    expect(offsetMs("UTC", new Date("2030-07-15T12:34:56.789Z"))).toBe(0);
  });

  it("finds local midnight, on DST change days too", () => {
    expect(localMidnight("America/New_York", "2030-07-04").toISOString()).toBe("2030-07-04T04:00:00.000Z");
    expect(localMidnight("America/New_York", "2030-03-10").toISOString()).toBe("2030-03-10T05:00:00.000Z"); // spring forward at 2am
    expect(localMidnight("America/New_York", "2030-11-03").toISOString()).toBe("2030-11-03T04:00:00.000Z"); // fall back at 2am
    expect(localMidnight("Australia/Sydney", "2030-07-04").toISOString()).toBe("2030-07-03T14:00:00.000Z");
    // Chile skipped midnight itself: the day starts at 01:00 local.
    expect(localDay("America/Santiago", localMidnight("America/Santiago", "2030-09-08"))).toBe("2030-09-08");
  });

  it("shows wall-clock times of the zone, not UTC", () => {
    const at = new Date("2030-07-04T23:30:00Z");
    expect(formatLocalDateTime("America/Los_Angeles", at)).toBe("2030-07-04 16:30");
    expect(formatLocalDateTime("Asia/Tokyo", at)).toBe("2030-07-05 08:30");
    expect(localDay("Asia/Tokyo", at)).toBe("2030-07-05");
    expect(addDays("2030-12-31", 1)).toBe("2031-01-01");
  });

  it("maps local days onto whole UTC hours: exact in whole-hour zones, from the first UTC hour of the day elsewhere", () => {
    expect(localDaysRange("America/Chicago", "2030-07-01", "2030-07-07")).toEqual({
      from: new Date("2030-07-01T05:00:00Z"),
      to: new Date("2030-07-08T05:00:00Z"),
    });
    // Local midnight in India is 18:30 UTC; the first UTC hour that starts on the new day is 19:00 UTC (00:30 IST).
    expect(localDaysRange("Asia/Kolkata", "2030-07-01", "2030-07-01")).toEqual({
      from: new Date("2030-06-30T19:00:00Z"),
      to: new Date("2030-07-01T19:00:00Z"),
    });
    // Newfoundland, -2:30 in summer.
    expect(localDaysRange("America/St_Johns", "2030-07-01", "2030-07-01").from).toEqual(new Date("2030-07-01T03:00:00Z"));
  });

  it("today is the local day, not the UTC one", () => {
    // 02:00 UTC on July 5th is still the evening of July 4th in New York.
    expect(localTodayRange("America/New_York", new Date("2030-07-05T02:00:00Z"))).toEqual({
      from: new Date("2030-07-04T04:00:00Z"),
      to: new Date("2030-07-05T04:00:00Z"),
    });
    expect(localTodayRange("UTC", new Date("2030-07-05T02:00:00Z"))).toEqual({
      from: new Date("2030-07-05T00:00:00Z"),
      to: new Date("2030-07-06T00:00:00Z"),
    });
    // 18:45 UTC on July 1st is 00:15 IST on July 2nd, before the first UTC hour of that day: still July 1st.
    expect(localTodayRange("Asia/Kolkata", new Date("2030-07-01T18:45:00Z")).from).toEqual(new Date("2030-06-30T19:00:00Z"));
    expect(localTodayRange("Asia/Kolkata", new Date("2030-07-01T19:05:00Z")).from).toEqual(new Date("2030-07-01T19:00:00Z"));
  });

  it("reads and writes a datetime-local value on the team's clocks, whatever the browser's zone", () => {
    const at = new Date("2030-01-08T15:00:00Z");
    expect(toLocalInputValue("America/New_York", at)).toBe("2030-01-08T10:00");
    expect(toLocalInputValue("Asia/Kolkata", at)).toBe("2030-01-08T20:30");
    expect(fromLocalInputValue("America/New_York", "2030-01-08T10:00")?.toISOString()).toBe("2030-01-08T15:00:00.000Z");
    expect(fromLocalInputValue("America/New_York", "2030-07-08T10:00")?.toISOString()).toBe("2030-07-08T14:00:00.000Z");
    expect(fromLocalInputValue("Asia/Kolkata", "2030-01-08T20:30")?.toISOString()).toBe("2030-01-08T15:00:00.000Z");
    // Spring forward: 02:30 never happens in New York; it is read as 03:30 EDT. Fall back: 01:30 happens twice; the first.
    expect(fromLocalInputValue("America/New_York", "2030-03-10T02:30")?.toISOString()).toBe("2030-03-10T07:30:00.000Z");
    expect(fromLocalInputValue("America/New_York", "2030-11-03T01:30")?.toISOString()).toBe("2030-11-03T05:30:00.000Z");
    for (const bad of ["", "2030-01-08", "2030-02-30T10:00", "2030-01-08T24:00", "tomorrow at ten"]) expect(fromLocalInputValue("UTC", bad)).toBeNull();
  });
});
