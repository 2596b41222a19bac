import { describe, expect, it } from "vitest";
import { looksUrgent } from "./urgency";

describe("looksUrgent", () => {
  it.each([
    "Please call me back urgently about my bill",
    "It's an emergency, my dog ate chocolate",
    "There's water flooding the kitchen from a burst pipe",
    "I smell gas in the basement",
    "Call me back as soon as possible",
    "My son has chest pain",
  ])("marks %j urgent", (text) => expect(looksUrgent(text)).toBe(true));

  it.each([
    "I'd like to book a cleaning next week",
    "Not urgent, just a question about opening hours",
    "No rush, call me whenever",
    "Can you send me the invoice again",
  ])("leaves %j normal", (text) => expect(looksUrgent(text)).toBe(false));
});
