// A request to do something (cancel, move, book a visit) is acted on, even when a knowledge entry shares its word;
// a question about the rules for it still gets the entry.
import { describe, expect, it } from "vitest";
import { Call, CLOSED_NOW, receptionist, routeOf } from "@/voice-server/providers/llm/offline-test-kit";

const POLICY = "Please give us a full day's notice to cancel or reschedule an appointment; late cancellations cost 40 dollars.";

function withPolicy(overrides: Parameters<typeof receptionist>[0] = {}) {
  const base = receptionist();
  return receptionist({
    knowledge: [
      ...base.knowledge,
      { id: "cancel-policy", kind: "qa", title: "What is your cancellation policy?", content: POLICY },
      { id: "reschedule", kind: "qa", title: "Can I reschedule online?", content: "Yes, use the link in your reminder text to reschedule." },
    ],
    ...overrides,
  });
}

const REQUESTS = [
  "I've got to cancel Thursday's cleaning, something came up",
  "could you please move my checkup to the following week",
  "we need to reschedule our son's visit",
  "cancel my two o'clock tomorrow please",
  "hi there, I would like to cancel the appointment I have on Monday",
  "my husband has to postpone his exam, he's out of town",
];

const QUESTIONS = [
  "what's the policy if I cancel?",
  "how much notice do I have to give if I want to cancel?",
  "is there a penalty for a late cancellation?",
  "do you charge anything for cancelling late?",
];

describe("offline LLM: requests to do something win over a knowledge entry sharing their word", () => {
  it.each(REQUESTS)("offers the department that handles appointments for %j", async (line) => {
    expect(await routeOf(withPolicy(), line)).toBe("Front desk");
    const turn = await new Call(withPolicy()).say(line);
    expect(turn.text).not.toContain("full day's notice");
    expect(turn.knowledgeIds ?? []).not.toContain("cancel-policy");
  });

  it.each(REQUESTS)("with nobody to transfer to, takes %j as a message asking for it", async (line) => {
    const call = new Call(withPolicy({ departments: [] }));
    const first = await call.say(line);
    expect(first.text).toMatch(/take your request/);
    expect(first.text).not.toContain("full day's notice");
    await call.say("Rosa Diaz");
    const saved = await call.say("three one two five five five zero one three three");
    expect(saved.toolCall?.name).toBe("take_message");
    // The request itself is the message: nobody has to ask what it was about.
    expect(saved.toolCall?.args).toMatchObject({ name: "Rosa Diaz", callback_number: "3125550133", message: line });
  });

  it("after hours, a cancellation is taken as a message too", async () => {
    const call = new Call(withPolicy(), { now: CLOSED_NOW });
    const first = await call.say(REQUESTS[0] as string);
    expect(first.text).toMatch(/I can't change appointments myself/);
    expect(first.toolCall).toBeUndefined();
  });

  it.each(QUESTIONS)("still answers a question about the rules: %j", async (line) => {
    const turn = await new Call(withPolicy()).say(line);
    expect(turn.text).toContain("full day's notice");
    expect(turn.knowledgeIds).toEqual(["cancel-policy"]);
  });

  it("still answers how rescheduling works from the entry that covers it", async () => {
    const turn = await new Call(withPolicy()).say("how would I go about rescheduling online?");
    expect(turn.knowledgeIds).toEqual(["reschedule"]);
  });
});
