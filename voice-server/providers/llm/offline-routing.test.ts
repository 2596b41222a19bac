import { describe, expect, it } from "vitest";
import { CLOSED_NOW, Call, receptionist, routeOf } from "@/voice-server/providers/llm/offline-test-kit";

// None of these lines repeats the departments' "when to transfer" wording; several use words that are neither in
// it nor synonyms of it ("puffed up", "agony", "charged twice"): they reach the right line by meaning.
describe("offline LLM: departments chosen by meaning", () => {
  const emergencies = [
    "I've got a really bad toothache",
    "My cheek puffed up overnight and it hurts",
    "There's blood in my mouth after I fell off my bike",
    "I chipped my front tooth playing hockey",
    "The pain is so bad I can't sleep",
    "My jaw is swollen and throbbing",
    "I think I have an abscess, my face is all puffy",
    "My son knocked out one of his teeth at practice",
    "I cracked a molar on a popcorn kernel and it's agony",
    "I have a terrible toothache and my face is swollen",
    "my gums won't stop bleeding since this morning",
    "It's an emergency",
  ];
  for (const line of emergencies) {
    it(`sends "${line}" to the emergency line`, async () => {
      expect(await routeOf(receptionist(), line)).toBe("On-call dentist");
    });
  }

  it("transfers an emergency at once, with sympathy rather than a question", async () => {
    const turn = await new Call(receptionist()).say("my whole face swelled up and I'm in agony");
    expect(turn.toolCall).toMatchObject({ name: "transfer_call", args: { department: "On-call dentist" } });
    expect(turn.text).toMatch(/sorry to hear/i);
  });

  const billing = [
    "I was charged twice for my last visit",
    "There's a mistake on my bill",
    "Why did I get an invoice for ninety dollars?",
    "Can I pay off my balance over the phone?",
    "I think you overcharged me",
    "I'd like a receipt for what I paid last month",
  ];
  for (const line of billing) {
    it(`sends "${line}" to billing`, async () => {
      expect(await routeOf(receptionist(), line)).toBe("Billing");
    });
  }

  const appointments = [
    "I need to move my cleaning to next week",
    "I'd like to set up a checkup for my daughter",
    "I'm running late for my three o'clock",
    "Something came up and I have to cancel Friday",
    "Can I reschedule my visit?",
    "I want to book in for a consultation",
  ];
  for (const line of appointments) {
    it(`sends "${line}" to the front desk`, async () => {
      expect(await routeOf(receptionist(), line)).toBe("Front desk");
    });
  }

  it("does not send a booking that mentions a tooth to the emergency line", async () => {
    expect(await routeOf(receptionist(), "Can I book a cleaning for my tooth next week?")).toBe("Front desk");
  });

  it("takes an urgent message for an emergency while closed", async () => {
    const call = new Call(receptionist(), { now: CLOSED_NOW });
    const turn = await call.say("my tooth broke and it's bleeding a lot");
    expect(turn.toolCall).toBeUndefined();
    expect(turn.text).toMatch(/urgent message/);
    expect(turn.text).toMatch(/Could I get your name/);
  });

  it("answers a question about emergencies from knowledge rather than transferring", async () => {
    const agent = receptionist({
      knowledge: [
        {
          id: "emergencies",
          kind: "qa",
          title: "Do you see emergency patients?",
          content: "Yes, we keep same-day slots for dental emergencies.",
        },
      ],
    });
    const known = await new Call(agent).say("Do you see emergency patients?");
    expect(known.toolCall).toBeUndefined();
    expect(known.knowledgeIds).toEqual(["emergencies"]);
    // Asked in other words: answered from the same entry or offered the line, never forced, since the caller only
    // asked.
    const asked = await new Call(agent).say("Do you handle emergencies?");
    expect(asked.toolCall).toBeUndefined();
    expect(asked.text).toMatch(/same-day slots for dental emergencies|On-call dentist/);
    const unknown = await new Call(receptionist()).say("Do you handle emergencies?");
    expect(unknown.toolCall).toBeUndefined();
    expect(unknown.text).toMatch(/On-call dentist/);
  });

  it("treats a question that describes an emergency as one", async () => {
    const turn = await new Call(receptionist()).say("Can someone help me, my gum is bleeding and swollen?");
    expect(turn.toolCall).toMatchObject({ name: "transfer_call", args: { department: "On-call dentist" } });
  });

  it("routes by meaning to the only department that covers urgent cases", async () => {
    const agent = receptionist({
      departments: [
        { id: "desk", name: "Front desk", phoneNumber: "+15550000010", whenToTransfer: "Urgent same-day requests" },
        { id: "accounts", name: "Accounts", phoneNumber: "+15550000012", whenToTransfer: "Invoices and refunds" },
      ],
    });
    expect(await routeOf(agent, "my tooth is killing me, the pain is unbearable")).toBe("Front desk");
  });
});
