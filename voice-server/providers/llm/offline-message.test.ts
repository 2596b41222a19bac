import { describe, expect, it } from "vitest";
import { offlineMessageSoFar } from "@/voice-server/providers/llm/offline";
import { Call, receptionist } from "@/voice-server/providers/llm/offline-test-kit";
import { toolSpecsFor, validateToolCall } from "@/voice-server/tools/registry";
import type { TToolCall, TToolSpec } from "@/voice-server/providers/types";

const withReason = () =>
  receptionist({}, {
    captureFields: [
      { key: "caller_name", label: "Name", description: "The caller's full name" },
      { key: "reason", label: "Reason for calling", description: "One sentence about what they need" },
      { key: "date_of_birth", label: "Date of birth", description: "" },
    ],
  });

// The tool specs as another helper extends them: take_message with an optional `urgent` flag.
function specsWithUrgent(agent: ReturnType<typeof receptionist>): TToolSpec[] {
  return toolSpecsFor(agent).map((spec) => {
    if (spec.name !== "take_message") return spec;
    const parameters = spec.parameters as { properties: Record<string, unknown> };
    return {
      ...spec,
      parameters: { ...spec.parameters, properties: { ...parameters.properties, urgent: { type: "boolean" } } },
    };
  });
}

// The same tools with take_message's urgent flag removed, as a tool spec without it would be.
function specsWithoutUrgent(agent: ReturnType<typeof receptionist>): TToolSpec[] {
  return toolSpecsFor(agent).map((spec) => {
    if (spec.name !== "take_message") return spec;
    const parameters = spec.parameters as { properties: Record<string, unknown> };
    const { urgent: _urgent, ...properties } = parameters.properties;
    return { ...spec, parameters: { ...spec.parameters, properties } };
  });
}

describe("offline LLM: message taking", () => {
  it("asks for each field once: the reason for calling is the message, the name field is the name", async () => {
    const agent = withReason();
    const call = new Call(agent);
    const asks: string[] = [];
    asks.push((await call.say("Could somebody call me back?")).text);
    asks.push((await call.say("Priya Raman")).text);
    asks.push((await call.say("it's 415 555 0134")).text);
    asks.push((await call.say("I'd like to know if my crown is ready")).text);
    const last = await call.say("March 3rd 1985");
    const all = asks.join(" ");
    expect(all.match(/name/gi)?.length).toBe(1);
    expect(all).toMatch(/reason for calling/);
    // "the message" and "the reason" are the same thing: never both.
    expect(all).not.toMatch(/what message/i);
    expect(all.match(/date of birth/gi)?.length).toBe(1);
    expect(last.toolCall?.name).toBe("take_message");
    expect(last.toolCall?.args).toEqual({
      name: "Priya Raman",
      callback_number: "4155550134",
      message: "I'd like to know if my crown is ready",
      details: {
        caller_name: "Priya Raman",
        reason: "I'd like to know if my crown is ready",
        date_of_birth: "March 3rd 1985",
      },
    });
    expect(validateToolCall(last.toolCall as TToolCall, agent).ok).toBe(true);
  });

  it("asks for an 'Issue' field as the message, once, and the other fields once each", async () => {
    const agent = receptionist({}, {
      captureFields: [
        { key: "caller_name", label: "Name", description: "" },
        { key: "account_email", label: "Account email", description: "" },
        { key: "issue_summary", label: "Issue", description: "What is wrong, in one sentence" },
      ],
    });
    const call = new Call(agent);
    const said: string[] = [];
    said.push((await call.say("I want someone to call me back")).text);
    said.push((await call.say("Ana Silva")).text);
    said.push((await call.say("seven one eight five five five zero one zero zero")).text);
    said.push((await call.say("my invoice shows the wrong plan")).text);
    const last = await call.say("ana at example dot com");
    const all = said.join(" ");
    expect(all.match(/\bissue\b/gi)?.length).toBe(1);
    expect(all.match(/account email/gi)?.length).toBe(1);
    expect(all).not.toMatch(/what message/i);
    expect(last.toolCall?.args).toMatchObject({
      message: "my invoice shows the wrong plan",
      details: { issue_summary: "my invoice shows the wrong plan", account_email: "ana at example dot com" },
    });
  });

  it("reads back the name and the number", async () => {
    const call = new Call(receptionist());
    await call.say("I want to leave a message");
    expect((await call.say("this is Dmitri Volkov")).text).toMatch(/Dmitri Volkov/);
    expect((await call.say("two one two, five five five, oh one nine nine")).text).toMatch(/2 1 2, 5 5 5, 0 1 9 9/);
  });

  it("takes a name and a number said in one breath, as a recogniser hears them (no comma, no 'my number is')", async () => {
    const lines: [string, string, string][] = [
      ["it's kevin park four one five five five five zero one nine nine", "Kevin Park", "4155550199"],
      ["sam lee 2 1 2 5 5 5 0 1 4 8", "Sam Lee", "2125550148"],
      ["yeah this is ana ruiz six one seven five five five zero one two three", "Ana Ruiz", "6175550123"],
    ];
    for (const [line, name, number] of lines) {
      const call = new Call(receptionist());
      await call.say("can i leave a message");
      const turn = await call.say(line);
      expect(turn.text).toContain(`Thanks, ${name}.`);
      expect(turn.text).not.toMatch(/your name|number to reach/i);
      const saved = await call.say("ask the doctor to call me back about my crown");
      expect(saved.toolCall?.args).toMatchObject({ name, callback_number: number });
    }
  });

  it("asked for a name, 'please call me back about my crown' is the reason, not a caller named Back", async () => {
    const call = new Call(receptionist());
    await call.say("could i leave a message for someone");
    const turn = await call.say("please call me back about my crown");
    expect(turn.text).not.toMatch(/Back/);
    expect(turn.text).toMatch(/pass that on.*your name/i);
    await call.say("kevin park");
    const saved = await call.say("four one five five five five zero one nine nine");
    expect(saved.toolCall?.args).toMatchObject({ name: "Kevin Park", callback_number: "4155550199", message: "about my crown" });
  });

  it("accepts a corrected number right after reading it back", async () => {
    const call = new Call(receptionist());
    await call.say("please take a message");
    await call.say("Sam Ortiz");
    await call.say("three one two five five five one eight eight one");
    const fixed = await call.say("no, it's 312 555 1818");
    expect(fixed.text).toMatch(/Sorry about that\. I have 3 1 2, 5 5 5, 1 8 1 8\./);
    const done = await call.say("Tell Dr. Kim my retainer cracked");
    expect(done.toolCall?.args).toMatchObject({ callback_number: "3125551818", message: expect.stringMatching(/retainer cracked/) });
  });

  it("accepts a corrected name, and a correction of the number with just 'no'", async () => {
    const call = new Call(receptionist());
    await call.say("can I leave a message for the dentist");
    expect((await call.say("Jon")).text).toMatch(/Thanks, Jon\./);
    const fixed = await call.say("No, it's Joan");
    expect(fixed.text).toMatch(/Sorry about that, Joan\./);
    expect(fixed.text).toMatch(/best number/);
    await call.say("six one seven, five five five, two two two two");
    const again = await call.say("no that's the wrong number");
    expect(again.text).toMatch(/What's the right number/);
    await call.say("six one seven five five five two two two three");
    const done = await call.say("I need to move my Thursday visit");
    expect(done.toolCall?.args).toMatchObject({ name: "Joan", callback_number: "6175552223" });
  });

  it("saves what was heard when the caller says goodbye mid-message, then ends the call", async () => {
    const call = new Call(receptionist());
    await call.say("I'd like to leave a message");
    await call.say("my name is Lena Fischer");
    await call.say("nine one seven five five five zero one four two");
    const bye = await call.say("actually that's all, bye");
    expect(bye.toolCall?.name).toBe("take_message");
    expect(bye.toolCall?.args).toMatchObject({ name: "Lena Fischer", callback_number: "9175550142" });
    expect(String(bye.toolCall?.args.message)).toMatch(/not given|ended the call/i);
    expect(validateToolCall(bye.toolCall as TToolCall, receptionist()).ok).toBe(true);
    const end = await call.result(bye.toolCall as TToolCall, { ok: true });
    expect(end.toolCall?.name).toBe("end_call");
    expect(end.text).toMatch(/Goodbye/);
  });

  it("exposes the message heard so far for the session to store when the caller hangs up", async () => {
    const agent = receptionist();
    const call = new Call(agent, { callerNumber: "+14155550100" });
    await call.say("can you take a message");
    await call.say("Omar");
    const request = { system: call.system, agent, messages: call.messages, tools: [] };
    const soFar = offlineMessageSoFar(request);
    expect(soFar).toEqual({
      args: { name: "Omar", callback_number: "+14155550100", message: expect.stringMatching(/No message given/) },
      missing: ["callback_number", "message"],
    });
    // Nothing started, nothing to store; a saved message is not stored twice.
    expect(offlineMessageSoFar({ ...request, messages: call.messages.slice(0, 1) })).toBeNull();
    await call.say("yes, use this number");
    const saved = await call.say("my filling fell out");
    expect(saved.toolCall?.name).toBe("take_message");
    expect(offlineMessageSoFar({ ...request, messages: call.messages })).toBeNull();
  });

  it("stores a misheard name as heard after one retry, and reads it back", async () => {
    const call = new Call(receptionist());
    await call.say("leave a message please");
    const retry = await call.say("twelve forty five sunday");
    expect(retry.text).toMatch(/didn't catch your name/);
    const heard = await call.say("the sunday at twelve");
    expect(heard.text).toMatch(/Thanks, the sunday at twelve\./i);
  });

  it("marks the message urgent when the caller described an emergency and the tool has the flag", async () => {
    const agent = receptionist({ departments: [] });
    const call = new Call(agent, { tools: specsWithUrgent(agent) });
    const first = await call.say("my tooth broke and it won't stop bleeding");
    expect(first.text).toMatch(/urgent message/);
    await call.say("Ken Adams");
    await call.say("two zero two five five five zero one nine one");
    const saved = await call.say("please call me as soon as you can");
    expect(saved.toolCall?.args.urgent).toBe(true);
  });

  it("marks an asked-for urgent callback, and leaves urgent out when the tool lacks it", async () => {
    const agent = receptionist();
    const urgentCall = new Call(agent, { tools: specsWithUrgent(agent) });
    await urgentCall.say("I need someone to call me back urgently");
    await urgentCall.say("Bea");
    await urgentCall.say("two zero two five five five zero one nine two");
    expect((await urgentCall.say("about my daughter's braces")).toolCall?.args.urgent).toBe(true);

    // A tool spec from before the flag existed: the engine must not send a parameter the tool does not declare.
    const plain = new Call(agent, { tools: specsWithoutUrgent(agent) });
    await plain.say("I need someone to call me back urgently");
    await plain.say("Bea");
    await plain.say("two zero two five five five zero one nine two");
    const args = (await plain.say("about my daughter's braces")).toolCall?.args;
    expect(args).toBeDefined();
    expect(args).not.toHaveProperty("urgent");

    const calm = new Call(agent, { tools: specsWithUrgent(agent) });
    await calm.say("could you take a message");
    await calm.say("Bea");
    await calm.say("two zero two five five five zero one nine two");
    expect((await calm.say("just confirming Tuesday")).toolCall?.args).not.toHaveProperty("urgent");
  });
});
