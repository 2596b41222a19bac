import { describe, expect, it } from "vitest";
import { ZAgentSnapshot, type TAgentConfig, type TAgentSnapshot } from "@/lib/agents/config";
import { KNOWLEDGE_BUDGET_CHARS, assembleInstructions } from "@/lib/agents/assemble-instructions";
import { isValidTimeZone, isWithinBusinessHours, speakTime, speakWeeklyHours } from "@/lib/agents/business-hours";

type THours = TAgentConfig["businessHours"];

function hours(partial: Partial<THours>): THours {
  return {
    isEnabled: true,
    timeZone: "UTC",
    weekly: [],
    afterHours: "take_message",
    afterHoursMessage: "We're closed right now.",
    ...partial,
  };
}

const weekdays9to5 = [1, 2, 3, 4, 5].map((day) => ({ day, open: "09:00", close: "17:00" }));

function snapshot(overrides: Partial<TAgentSnapshot> = {}, config: Record<string, unknown> = {}): TAgentSnapshot {
  return ZAgentSnapshot.parse({
    agentName: "Ava",
    teamName: "Bright Smile Dental",
    config: {
      greeting: "Thanks for calling Bright Smile Dental. How can I help?",
      systemPrompt: "Always mention our new patient special when relevant.",
      businessHours: hours({ timeZone: "America/New_York", weekly: weekdays9to5 }),
      captureFields: [{ key: "email", label: "Email address", description: "For the confirmation email" }],
      ...config,
    },
    knowledge: [
      {
        id: "k1",
        kind: "qa",
        title: "Do you accept insurance?",
        content: "Yes, we accept most dental insurance plans.",
      },
      { id: "k2", kind: "document", title: "Office guide", content: "Free parking is behind the building." },
    ],
    departments: [
      { id: "d1", name: "Billing", phoneNumber: "+15550000001", whenToTransfer: "Questions about invoices or refunds" },
    ],
    ...overrides,
  });
}

// Tuesday 2024-03-12 15:00 UTC is 11:00 in New York (EDT).
const tuesdayMorningNY = new Date("2024-03-12T15:00:00Z");
// Tuesday 2024-03-12 23:30 UTC is 19:30 in New York.
const tuesdayEveningNY = new Date("2024-03-12T23:30:00Z");

describe("assembleInstructions", () => {
  it("contains every piece the model needs", () => {
    const text = assembleInstructions(snapshot(), { now: tuesdayMorningNY, callerNumber: "+15557654321" });
    expect(text).toContain("Always mention our new patient special when relevant.");
    expect(text).toContain("You are Ava, the phone assistant for Bright Smile Dental.");
    expect(text).toMatch(/never use markdown/i);
    expect(text).toMatch(/one question at a time/i);
    expect(text).toMatch(/never invent/i);
    expect(text).toContain("Q: Do you accept insurance?\nA: Yes, we accept most dental insurance plans.");
    expect(text).toContain("Document: Office guide\nFree parking is behind the building.");
    expect(text).toContain("- Billing: Questions about invoices or refunds");
    expect(text).toContain("- Monday: 9 AM to 5 PM");
    expect(text).toContain("- Sunday: closed");
    expect(text).toContain("Open right now: yes");
    expect(text).toContain("Email address (email): For the confirmation email");
    expect(text).toContain("Caller phone number: +15557654321");
    expect(text).toMatch(/transfer_call/);
    expect(text).toMatch(/take_message/);
    expect(text).toMatch(/end_call: only after you have said goodbye/);
    expect(text).toMatch(/lookup_caller_history/);
    expect(text).toContain("Tuesday, March 12, 2024");
    // Department phone numbers are for the transfer, not for the model to read out.
    expect(text).not.toContain("+15550000001");
  });

  it("is identical for identical input", () => {
    const s = snapshot();
    const a = assembleInstructions(s, { now: tuesdayMorningNY, callerNumber: "+15557654321" });
    const b = assembleInstructions(structuredClone(s), {
      now: new Date(tuesdayMorningNY),
      callerNumber: "+15557654321",
    });
    expect(a).toBe(b);
  });

  it("says the business is closed after hours and forbids transfers", () => {
    const text = assembleInstructions(snapshot(), { now: tuesdayEveningNY });
    expect(text).toContain("Open right now: no");
    expect(text).toContain('Tell the caller: "We\'re closed right now."');
    expect(text).toMatch(/Do not transfer the call while closed/);
    expect(text).toContain("The caller's phone number is not known.");
  });

  it("lets the caller's context override the computed open state", () => {
    const text = assembleInstructions(snapshot(), { now: tuesdayMorningNY, isAfterHours: true });
    expect(text).toContain("Open right now: no");
  });

  it("tells the model there is nobody to transfer to when there are no departments", () => {
    const text = assembleInstructions(snapshot({ departments: [] }), { now: tuesdayMorningNY });
    expect(text).toMatch(/nobody to transfer calls to/);
    expect(text).not.toMatch(/- transfer_call:/);
  });

  it("does not invent hours when none are configured", () => {
    const s = snapshot({}, { businessHours: hours({ isEnabled: false }) });
    const text = assembleInstructions(s, { now: tuesdayMorningNY });
    expect(text).toMatch(/No business hours are set/);
    expect(text).not.toContain("Open right now:");
  });

  it("survives an invalid time zone in a stored snapshot", () => {
    const s = snapshot({}, { businessHours: hours({ timeZone: "Mars/Olympus", weekly: weekdays9to5 }) });
    const text = assembleInstructions(s, { now: tuesdayMorningNY });
    expect(text).toContain('The configured time zone "Mars/Olympus" is not valid');
  });

  it("trims huge documents to the knowledge budget and says what was trimmed", () => {
    const sentence = "Our clinic follows the standard sterilisation protocol for every instrument. ";
    const huge = sentence.repeat(2000); // ~150k characters
    const s = snapshot({
      knowledge: [
        { id: "q", kind: "qa", title: "Do you see children?", content: "Yes, from age three." },
        { id: "big", kind: "document", title: "Clinical handbook", content: huge },
        { id: "small", kind: "document", title: "Parking", content: "Park behind the building." },
      ],
    });
    const text = assembleInstructions(s, { now: tuesdayMorningNY });
    const knowledge = text.slice(text.indexOf("# Knowledge"));
    expect(knowledge.length).toBeLessThan(KNOWLEDGE_BUDGET_CHARS + 2000);
    expect(knowledge).toContain("Q: Do you see children?\nA: Yes, from age three.");
    expect(knowledge).toContain("Document: Parking\nPark behind the building.");
    const note = /The document "Clinical handbook" was trimmed: (\d+) of (\d+) characters are included\./.exec(
      knowledge,
    );
    expect(note?.[2]).toBe(String(huge.trim().length));
    expect(Number(note?.[1])).toBeGreaterThan(KNOWLEDGE_BUDGET_CHARS * 0.9);
    expect(knowledge).toContain("[The rest of this document was trimmed.]");
    // Cut at a sentence end, not mid-word.
    const kept = knowledge.slice(knowledge.indexOf("Document: Clinical handbook"), knowledge.indexOf("[The rest"));
    expect(kept.trimEnd().endsWith("instrument.")).toBe(true);
  });
});

describe("isWithinBusinessHours", () => {
  it("uses the agent's time zone, not the server's", () => {
    // 15:00 UTC on a Tuesday: 11:00 in New York (open), 00:00 Wednesday in Tokyo (closed).
    const ny = hours({ timeZone: "America/New_York", weekly: weekdays9to5 });
    const tokyo = hours({ timeZone: "Asia/Tokyo", weekly: weekdays9to5 });
    expect(isWithinBusinessHours(ny, tuesdayMorningNY)).toBe(true);
    expect(isWithinBusinessHours(tokyo, tuesdayMorningNY)).toBe(false);
  });

  it("treats open as inclusive and close as exclusive", () => {
    const h = hours({ weekly: weekdays9to5 });
    expect(isWithinBusinessHours(h, new Date("2024-03-12T09:00:00Z"))).toBe(true);
    expect(isWithinBusinessHours(h, new Date("2024-03-12T16:59:00Z"))).toBe(true);
    expect(isWithinBusinessHours(h, new Date("2024-03-12T17:00:00Z"))).toBe(false);
    expect(isWithinBusinessHours(h, new Date("2024-03-12T08:59:00Z"))).toBe(false);
  });

  it("handles a window that runs past midnight", () => {
    // Friday 22:00 to Saturday 02:00 (a bar), Berlin time.
    const h = hours({ timeZone: "Europe/Berlin", weekly: [{ day: 5, open: "22:00", close: "02:00" }] });
    // 2024-01-05 is a Friday; Berlin is UTC+1 in January.
    expect(isWithinBusinessHours(h, new Date("2024-01-05T20:30:00Z"))).toBe(false); // Fri 21:30
    expect(isWithinBusinessHours(h, new Date("2024-01-05T22:00:00Z"))).toBe(true); // Fri 23:00
    expect(isWithinBusinessHours(h, new Date("2024-01-06T00:30:00Z"))).toBe(true); // Sat 01:30
    expect(isWithinBusinessHours(h, new Date("2024-01-06T01:00:00Z"))).toBe(false); // Sat 02:00
    // The spill-over belongs to Friday's window only: Thursday night is closed.
    expect(isWithinBusinessHours(h, new Date("2024-01-05T00:30:00Z"))).toBe(false); // Fri 01:30
  });

  it("follows daylight saving time", () => {
    const h = hours({ timeZone: "America/New_York", weekly: weekdays9to5 });
    // 13:30 UTC on a Monday: 08:30 EST before the March 10, 2024 switch, 09:30 EDT after it.
    expect(isWithinBusinessHours(h, new Date("2024-03-04T13:30:00Z"))).toBe(false);
    expect(isWithinBusinessHours(h, new Date("2024-03-11T13:30:00Z"))).toBe(true);
    // And back in November: 13:30 UTC Monday is 09:30 EDT on Oct 28, 08:30 EST on Nov 4.
    expect(isWithinBusinessHours(h, new Date("2024-10-28T13:30:00Z"))).toBe(true);
    expect(isWithinBusinessHours(h, new Date("2024-11-04T13:30:00Z"))).toBe(false);
  });

  it("treats equal open and close as open all day", () => {
    const h = hours({ weekly: [{ day: 0, open: "00:00", close: "00:00" }] });
    expect(isWithinBusinessHours(h, new Date("2024-03-10T00:00:00Z"))).toBe(true);
    expect(isWithinBusinessHours(h, new Date("2024-03-10T23:59:00Z"))).toBe(true);
    expect(isWithinBusinessHours(h, new Date("2024-03-11T00:00:00Z"))).toBe(false);
  });

  it("is always open when hours are disabled", () => {
    expect(isWithinBusinessHours(hours({ isEnabled: false, weekly: [] }), tuesdayEveningNY)).toBe(true);
  });

  it("throws a clear error for an unknown time zone", () => {
    expect(() => isWithinBusinessHours(hours({ timeZone: "Mars/Olympus" }), tuesdayMorningNY)).toThrow(
      /Unknown time zone "Mars\/Olympus"/,
    );
  });

  it("validates time zone names", () => {
    expect(isValidTimeZone("Europe/London")).toBe(true);
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
  });
});

describe("spoken hours", () => {
  it("groups days with the same hours", () => {
    const h = hours({ weekly: [...weekdays9to5, { day: 6, open: "10:00", close: "14:00" }] });
    expect(speakWeeklyHours(h)).toBe(
      "We're open Monday to Friday, 9 AM to 5 PM, and Saturday, 10 AM to 2 PM. We're closed on Sunday.",
    );
  });

  it("says times the way people do", () => {
    expect(speakTime("09:00")).toBe("9 AM");
    expect(speakTime("17:30")).toBe("5:30 PM");
    expect(speakTime("12:00")).toBe("noon");
    expect(speakTime("00:00")).toBe("midnight");
  });
});
