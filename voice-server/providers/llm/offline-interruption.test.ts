import { describe, expect, it } from "vitest";
import { Call, receptionist } from "@/voice-server/providers/llm/offline-test-kit";

// The session keeps an interrupted agent turn as what the caller heard of it (possibly nothing), followed by the
// caller's new line. These replay such histories and check the reply answers the new line.
async function interrupted(call: Call, callerLine: string, heard: string): Promise<string> {
  call.messages.push({ role: "caller", text: callerLine });
  const full = await call.reply();
  if (heard) call.messages.push({ role: "agent", text: heard });
  return full.text;
}

describe("offline LLM: after an interruption", () => {
  const cases: Array<[string, string, RegExp, RegExp]> = [
    ["What are your hours?", "Actually, where are you located?", /42 Maple Street/, /open from|closed/i],
    ["Which insurance do you take?", "Sorry, one more thing, how much is whitening?", /350 dollars/, /Cigna/],
    ["How much is teeth whitening?", "Hang on, are you taking new patients?", /new patients/, /350/],
    ["Do you take new patients?", "wait, what's your address", /42 Maple Street/, /welcome new patients/],
  ];
  for (const [first, second, wanted, old] of cases) {
    it(`answers "${second}" after cutting off the answer to "${first}"`, async () => {
      for (const heardWords of [0, 3]) {
        const call = new Call(receptionist());
        const full = await interrupted(call, first, "");
        if (heardWords > 0) call.messages.push({ role: "agent", text: full.split(" ").slice(0, heardWords).join(" ") });
        const reply = await call.say(second);
        expect(reply.text, `${heardWords} words heard`).toMatch(wanted);
        expect(reply.text).not.toMatch(old);
      }
    });
  }

  it("treats an agent turn kept with nothing heard (empty text) like no turn at all", async () => {
    const call = new Call(receptionist());
    await interrupted(call, "I'd like to move my appointment", "");
    call.messages.push({ role: "agent", text: "" });
    expect((await call.say("yes")).toolCall).toBeUndefined();
    const call2 = new Call(receptionist());
    await interrupted(call2, "What are your hours?", "");
    call2.messages.push({ role: "agent", text: "" });
    expect((await call2.say("where are you located?")).text).toMatch(/42 Maple Street/);
  });

  it("does not take a yes as agreeing to a question the caller never heard", async () => {
    const call = new Call(receptionist());
    const full = await interrupted(call, "I'd like to move my appointment", "Front desk can help with that.");
    expect(full).toMatch(/Would you like me to transfer you\?/);
    const reply = await call.say("yes");
    expect(reply.toolCall).toBeUndefined();
    // Heard in full, the same yes transfers.
    const heardAll = new Call(receptionist());
    await heardAll.say("I'd like to move my appointment");
    expect((await heardAll.say("yes")).toolCall?.args).toEqual({ department: "Front desk" });
  });

  it("answers a new question asked while it was listing departments", async () => {
    const agent = receptionist({
      departments: [
        { id: "sales", name: "Sales", phoneNumber: "+15550000003", whenToTransfer: "New customers wanting a quote" },
        { id: "billing", name: "Billing", phoneNumber: "+15550000001", whenToTransfer: "Invoices and refunds" },
      ],
    });
    const call = new Call(agent);
    await interrupted(call, "Can you transfer me?", "Sure. Which department");
    const reply = await call.say("Actually, where are you located?");
    expect(reply.text).toMatch(/42 Maple Street/);
    expect(reply.toolCall).toBeUndefined();
  });

  it("answers a question asked over the number prompt, then asks for the number again", async () => {
    const call = new Call(receptionist());
    await call.say("I'd like to leave a message");
    await interrupted(call, "Maria Lopez", "Thanks, Maria Lopez.");
    const reply = await call.say("Wait, where are you located?");
    expect(reply.text).toMatch(/42 Maple Street/);
    expect(reply.text).toMatch(/best number/);
    const next = await call.say("two one two five five five zero one one one");
    expect(next.text).toMatch(/2 1 2, 5 5 5, 0 1 1 1/);
  });
});
