// Message taking when the caller answers out of order: the reason given while the agent asks for the name or the
// number is the message, kept and never asked for again.
import { describe, expect, it } from "vitest";
import { offlineMessageSoFar } from "@/voice-server/providers/llm/offline";
import { Call, receptionist, type TTurn } from "@/voice-server/providers/llm/offline-test-kit";
import { validateToolCall } from "@/voice-server/tools/registry";
import type { TToolCall } from "@/voice-server/providers/types";

const ASKS_FOR_MESSAGE = /what message|what's the reason|what is the message|what would you like the message/i;

// Plays the caller's lines; returns every agent turn.
async function play(call: Call, lines: string[]): Promise<TTurn[]> {
  const turns: TTurn[] = [];
  for (const line of lines) turns.push(await call.say(line));
  return turns;
}

function savedMessage(turns: TTurn[]): Record<string, unknown> {
  const saved = turns.find((t) => t.toolCall?.name === "take_message");
  expect(saved, `no message saved; the agent said: ${turns.map((t) => t.text).join(" | ")}`).toBeDefined();
  return (saved?.toolCall as TToolCall).args;
}

describe("offline LLM: a reason given out of order is the message", () => {
  it.each([
    // [what the caller says when asked for the number, what the stored message must say]
    ["it's about my bill, my number is 415 555 0199", /bill/],
    ["415 555 0199, and I'm calling because my retainer snapped", /retainer snapped/],
    ["sure, my cell is four one five five five five zero one nine nine and I need to move my Thursday cleaning", /move my Thursday cleaning/],
    ["it's 415 555 0199. Tell Dr. Patel the new night guard hurts", /night guard hurts/],
    ["regarding the estimate you sent, you can reach me at 415-555-0199", /estimate you sent/],
    // As a recogniser returns speech: lower case, no commas, digits in words.
    ["its about my bill my number is four one five five five five zero one nine nine", /about my bill/],
    ["four one five five five five zero one nine nine i need to move my thursday cleaning", /move my thursday cleaning/],
    ["my cell is four one five five five five zero one nine nine and i am calling because my retainer snapped", /retainer snapped/],
  ])("asked for the number: %s", async (line, reason) => {
    const agent = receptionist();
    const call = new Call(agent, { callerNumber: "+14155550100" });
    const turns = await play(call, ["Can someone call me back?", "Dana Wells", line]);
    const args = savedMessage(turns);
    expect(args).toMatchObject({ name: "Dana Wells", callback_number: "4155550199" });
    expect(String(args.message)).toMatch(reason);
    expect(turns.map((t) => t.text).join(" ")).not.toMatch(ASKS_FOR_MESSAGE);
    expect(validateToolCall(turns.at(-1)?.toolCall as TToolCall, agent).ok).toBe(true);
  });

  it.each([
    ["It's about my invoice", /invoice/],
    ["I wanted to check whether my crown has come in from the lab", /crown has come in/],
    ["do you know if my son's braces can be tightened earlier?", /braces/],
  ])("asked for the number, the reason alone (%s) is kept and the number asked again", async (line, reason) => {
    const call = new Call(receptionist(), { callerNumber: "+14155550100" });
    const turns = await play(call, ["I'd like to leave a message", "Omar Haddad", line]);
    expect(turns[2]?.toolCall).toBeUndefined();
    expect(turns[2]?.text).toMatch(/best number to reach you/);
    turns.push(await call.say("two one two five five five zero one four four"));
    const args = savedMessage(turns);
    expect(args).toMatchObject({ name: "Omar Haddad", callback_number: "2125550144" });
    expect(String(args.message)).toMatch(reason);
    expect(turns.map((t) => t.text).join(" ")).not.toMatch(ASKS_FOR_MESSAGE);
  });

  it("keeps the reason given with the name, and the reason given instead of the name", async () => {
    const withName = new Call(receptionist());
    const one = await play(withName, ["please take a message", "It's Lucia Ferreira and I'm calling about my payment plan", "312 555 0101"]);
    expect(savedMessage(one)).toMatchObject({ name: "Lucia Ferreira", message: expect.stringMatching(/payment plan/) });

    const instead = new Call(receptionist());
    const two = await play(instead, ["please take a message", "tell the hygienist my gums still bleed after the deep clean"]);
    expect(two[1]?.text).toMatch(/Could I get your name/);
    expect(two[1]?.text).not.toMatch(/didn't catch/);
    two.push(...(await play(instead, ["Ken Wu", "312 555 0102"])));
    expect(savedMessage(two)).toMatchObject({ name: "Ken Wu", message: expect.stringMatching(/gums still bleed/) });
    expect(two.map((t) => t.text).join(" ")).not.toMatch(ASKS_FOR_MESSAGE);
  });

  it("fills a 'Reason for calling' field from the early reason, asking for it never", async () => {
    const agent = receptionist({}, {
      captureFields: [
        { key: "caller_name", label: "Name", description: "" },
        { key: "reason", label: "Reason for calling", description: "" },
      ],
    });
    const call = new Call(agent);
    const turns = await play(call, ["could you take a message", "Ines Ruiz", "my number is 646 555 0177, it's about the x-rays you took last week"]);
    const args = savedMessage(turns);
    expect(args).toMatchObject({ message: expect.stringMatching(/x-rays/), details: { reason: expect.stringMatching(/x-rays/) } });
    expect(turns.map((t) => t.text).join(" ")).not.toMatch(/reason for calling/i);
  });

  it("holds the early reason when the caller hangs up before giving a number", async () => {
    const agent = receptionist();
    const call = new Call(agent, { callerNumber: "+14155550100" });
    await play(call, ["I'd like to leave a message", "Dana Wells", "it's about my bill"]);
    const soFar = offlineMessageSoFar({ system: call.system, agent, messages: call.messages, tools: [] });
    expect(soFar?.args.message).toMatch(/about my bill/);
    expect(soFar?.missing).not.toContain("message");
  });

  it.each([
    ["hello, is it possible to leave a note for the hygienist about the whitening trays", /whitening trays/],
    ["I'd like to leave a message for Dr. Kim to let her know the X-rays arrived", /X-rays arrived/],
    ["Could somebody call me back? It's regarding my son's braces", /son's braces/],
  ])("keeps what the request for a message already said it was about: %j", async (opening, reason) => {
    const call = new Call(receptionist());
    const turns = await play(call, [opening, "Dana Wells", "415 555 0199"]);
    expect(String(savedMessage(turns).message)).toMatch(reason);
    expect(turns.map((t) => t.text).join(" ")).not.toMatch(ASKS_FOR_MESSAGE);
  });

  it("still asks what the message is when the request said only how soon", async () => {
    const call = new Call(receptionist());
    const turns = await play(call, ["I want someone to call me back urgently", "Dana Wells", "415 555 0199"]);
    expect(turns.at(-1)?.text).toMatch(ASKS_FOR_MESSAGE);
  });

  it("does not mistake a name, a yes or the number's own words for a message", async () => {
    for (const line of ["yes, use this number", "Dana Wells", "it's my cell, 415 555 0199", "the best number is my work line"]) {
      const call = new Call(receptionist(), { callerNumber: "+14155550100" });
      const turns = await play(call, ["I'd like to leave a message", "Dana Wells", line]);
      expect(turns.at(-1)?.toolCall, line).toBeUndefined();
      const soFar = offlineMessageSoFar({ system: call.system, agent: receptionist(), messages: call.messages, tools: [] });
      expect(soFar?.args.message, line).toMatch(/No message given/);
    }
    // Spelling the name out is not a reason either.
    const spelled = new Call(receptionist());
    const turns = await play(spelled, ["I'd like to leave a message", "Anna with two Ns, A N N A"]);
    expect(turns[1]?.text).not.toMatch(/pass that on/);
  });
});
