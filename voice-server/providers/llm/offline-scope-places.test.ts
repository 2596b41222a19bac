// A question about another place ("the bank across the street") shares a word with this business's hours or
// knowledge but is not about it: the caller gets the polite redirect, not this business's answer.
import { describe, expect, it } from "vitest";
import { Call, receptionist } from "@/voice-server/providers/llm/offline-test-kit";

describe("offline LLM: questions about another place", () => {
  it.each([
    "what time does the bank across the street close?",
    "do you know if the coffee shop downstairs is open on sundays",
    "is the deli next door still open?",
    "hey, when does the post office open tomorrow",
  ])("redirects %j instead of giving this business's hours", async (line) => {
    const turn = await new Call(receptionist()).say(line);
    expect(turn.text).toMatch(/^I'm sorry, I don't have that information\./);
    expect(turn.text).toMatch(/I can answer questions about our opening hours/);
    expect(turn.text).not.toMatch(/We're open|We're closed|8 AM/);
    expect(turn.toolCall).toBeUndefined();
    expect(turn.knowledgeIds).toBeUndefined();
  });

  it.each(["is the office open on saturday?", "are you guys open on Fridays?", "when does the clinic close today"])(
    "still answers this business's own hours: %j",
    async (line) => {
      const turn = await new Call(receptionist()).say(line);
      expect(turn.text).toMatch(/we're (open|closed)/i);
    },
  );

  it("answers about a place the business's own knowledge names", async () => {
    const agent = receptionist({
      knowledge: [
        ...receptionist().knowledge,
        { id: "pharmacy", kind: "qa", title: "Do you have a pharmacy?", content: "Our in-house pharmacy fills prescriptions until 4 PM." },
      ],
    });
    const turn = await new Call(agent).say("is the pharmacy still open?");
    expect(turn.text).not.toMatch(/I don't have that information/);
  });
});
