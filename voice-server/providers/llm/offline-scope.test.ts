import { describe, expect, it } from "vitest";
import { CLOSED_NOW, Call, receptionist } from "@/voice-server/providers/llm/offline-test-kit";
import { knowledgeTopics } from "@/voice-server/providers/llm/offline/scope";

describe("offline LLM: out-of-scope questions", () => {
  const offTopic = [
    "What's the weather like today?",
    "Who won the Yankees game last night?",
    "What do you think about the election?",
    "Can I order a large pepperoni pizza?",
    "Is this the DMV? I need to renew my license.",
    "Tell me a joke",
    "How do I apply for a mortgage?",
    "what's bitcoin trading at",
  ];
  // Subjects no business line answers are declined as such; anything else the agent knows nothing about is a gap.
  const declined = /weather|won|election|joke|bitcoin/i;
  for (const line of offTopic) {
    it(`redirects "${line}" to what the agent can do`, async () => {
      const turn = await new Call(receptionist()).say(line);
      expect(turn.text).toMatch(
        declined.test(line) ? /^I'm sorry, that's not something I can help with/ : /^I'm sorry, I don't have that information\./,
      );
      // What it can do comes from its own knowledge and departments.
      expect(turn.text).toMatch(/opening hours/);
      expect(turn.text).toMatch(/where to find us/);
      expect(turn.text).toMatch(/take a message/);
      expect(turn.text).toMatch(/the front desk, the on-call dentist, or Billing/);
      // Never a made-up answer: nothing from the knowledge is said, no tool runs.
      expect(turn.text).not.toMatch(/Maple Street, next to|Cigna|350 dollars/);
      expect(turn.knowledgeIds).toBeUndefined();
      expect(turn.toolCall).toBeUndefined();
    });
  }

  it("goes on to answer a real question after the redirect", async () => {
    const call = new Call(receptionist());
    expect((await call.say("Is it going to snow this weekend?")).text).toMatch(/not something I can help with/);
    const answer = await call.say("OK, so where exactly are you?");
    expect(answer.text).toMatch(/42 Maple Street/);
    const transfer = await call.say("The front desk, please");
    expect(transfer.toolCall?.args).toEqual({ department: "Front desk" });
  });

  it("takes a yes after the redirect as accepting the offer of a message", async () => {
    const call = new Call(receptionist());
    await call.say("Do you sell pizza?");
    expect((await call.say("yes please")).text).toMatch(/Could I get your name/);
  });

  it("asks for another try, not a redirect, when all it heard was a string of numbers", async () => {
    // What the recogniser makes of a question it could not follow ("one five nine two two zero eight").
    const turn = await new Call(receptionist()).say("one five nine two two zero eight");
    expect(turn.text).toBe("Sorry, I didn't quite get that. Could you say it another way?");
  });

  it("does not offer transfers while closed", async () => {
    const turn = await new Call(receptionist(), { now: CLOSED_NOW }).say("Who's playing in the Super Bowl?");
    expect(turn.text).toMatch(/not something I can help with/);
    expect(turn.text).not.toMatch(/put you through/);
    expect(turn.text).toMatch(/take a message/);
  });

  it("still treats an in-scope question it has no entry for as a gap, not as off-topic", async () => {
    const turn = await new Call(receptionist()).say("How much does a crown cost?");
    // "cost" is in scope (prices, billing) though no entry covers crowns: a gap, offered to a person or a message.
    expect(turn.text).not.toMatch(/not something I can help with|I can answer questions about/);
    expect(turn.text).toMatch(/I don't have that information|can help with that/);
    expect(turn.text).not.toMatch(/350 dollars|Cigna/);
  });

  it("derives topics from the agent's own knowledge", () => {
    expect(knowledgeTopics(receptionist())).toEqual([
      "our opening hours",
      "where to find us",
      "insurance",
      "teeth whitening prices",
    ]);
    const bakery = receptionist({
      knowledge: [
        { id: "cakes", kind: "qa", title: "Do you make custom birthday cakes?", content: "Yes, with a week's notice." },
        { id: "gluten", kind: "qa", title: "Do you have gluten-free bread?", content: "Yes, every morning." },
      ],
    }, { businessHours: { isEnabled: false, timeZone: "America/New_York", weekly: [] } });
    expect(knowledgeTopics(bakery)).toEqual(["custom birthday cakes", "gluten free bread"]);
  });
});
