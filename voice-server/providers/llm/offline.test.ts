import { describe, expect, it } from "vitest";
import { ZAgentSnapshot, type TAgentSnapshot } from "@/lib/agents/config";
import { assembleInstructions } from "@/lib/agents/assemble-instructions";
import { toolSpecsFor, validateToolCall } from "@/voice-server/tools/registry";
import {
  createOfflineLlm,
  parseName,
  parseSpokenPhoneNumber,
  stem,
  synonymsOf,
  toSpoken,
} from "@/voice-server/providers/llm/offline";
import type { TChatMessage, TLlmEvent, TToolCall } from "@/voice-server/providers/types";

// Tuesday 2024-03-12 15:00 UTC = 11:00 in New York: open. 23:30 UTC = 19:30: closed.
const OPEN_NOW = new Date("2024-03-12T15:00:00Z");
const CLOSED_NOW = new Date("2024-03-12T23:30:00Z");

const OFFICE_GUIDE = `# Visiting us

## Parking

Free parking is available in the garage behind the building. Enter from Oak Street.

## Cancellations

We ask for **24 hours notice** to cancel an appointment. Late cancellations may be charged a 50 dollar fee.

## First visit

- New patients should arrive 15 minutes early to fill in forms.
- Please bring your insurance card and a photo ID.`;

function dental(overrides: Partial<TAgentSnapshot> = {}, config: Record<string, unknown> = {}): TAgentSnapshot {
  return ZAgentSnapshot.parse({
    agentName: "Ava",
    teamName: "Bright Smile Dental",
    config: {
      greeting: "Thanks for calling Bright Smile Dental. How can I help?",
      businessHours: {
        isEnabled: true,
        timeZone: "America/New_York",
        weekly: [1, 2, 3, 4, 5].map((day) => ({ day, open: "09:00", close: "17:00" })),
      },
      ...config,
    },
    knowledge: [
      {
        id: "weekend",
        kind: "qa",
        title: "What are your weekend hours?",
        content: "On Saturdays we're open from 10 AM to 2 PM. We're closed on Sundays.",
      },
      {
        id: "insurance",
        kind: "qa",
        title: "Do you accept insurance?",
        content: "Yes, we accept most major dental insurance plans, including Delta Dental and Cigna.",
      },
      {
        id: "cleaning",
        kind: "qa",
        title: "How much is a cleaning?",
        content: "A standard cleaning costs 120 dollars without insurance.",
      },
      { id: "guide", kind: "document", title: "Office guide", content: OFFICE_GUIDE },
    ],
    departments: [
      {
        id: "billing",
        name: "Billing",
        phoneNumber: "+15550000001",
        whenToTransfer: "Questions about invoices, payments, or refunds",
      },
      {
        id: "desk",
        name: "Front Desk",
        phoneNumber: "+15550000002",
        whenToTransfer: "Booking, moving or cancelling appointments",
      },
    ],
    ...overrides,
  });
}

type TTurn = { text: string; chunks: string[]; toolCall?: TToolCall; knowledgeIds?: string[] };

// Drives the provider the way the session does: the reply's text and tool call are appended to the history.
class Conversation {
  readonly messages: TChatMessage[] = [];
  private readonly llm;
  private readonly system: string;

  constructor(
    readonly agent: TAgentSnapshot,
    options: { now?: Date; callerNumber?: string } = {},
  ) {
    const now = options.now ?? OPEN_NOW;
    this.llm = createOfflineLlm({ now: () => now });
    this.system = assembleInstructions(agent, { now, callerNumber: options.callerNumber });
  }

  async send(message: TChatMessage): Promise<TTurn> {
    this.messages.push(message);
    const events: TLlmEvent[] = [];
    for await (const event of this.llm.stream({
      system: this.system,
      agent: this.agent,
      messages: [...this.messages],
      // The tools the session offers, so the engine sees what take_message accepts (its urgent flag).
      tools: toolSpecsFor(this.agent),
      signal: new AbortController().signal,
    })) {
      events.push(event);
    }
    const chunks = events.flatMap((e) => (e.type === "text" ? [e.text] : []));
    const text = chunks.join("");
    const toolCall = events.find((e): e is Extract<TLlmEvent, { type: "tool-call" }> => e.type === "tool-call")?.call;
    const done = events.at(-1);
    expect(done?.type).toBe("done");
    if (text) this.messages.push({ role: "agent", text });
    if (toolCall) this.messages.push({ role: "agent-tool-call", call: toolCall });
    return { text, chunks, toolCall, knowledgeIds: done?.type === "done" ? done.knowledgeIds : undefined };
  }

  say(text: string): Promise<TTurn> {
    return this.send({ role: "caller", text });
  }

  result(call: TToolCall, result: Record<string, unknown>): Promise<TTurn> {
    return this.send({ role: "tool-result", call, result });
  }
}

function expectSpeakable(text: string) {
  expect(text).not.toMatch(/[*#_`|•]/);
  expect(text).not.toMatch(/(^|\s)- /);
  expect(text).not.toMatch(/\p{Extended_Pictographic}/u);
}

describe("offline LLM: knowledge answers", () => {
  it("answers a Q&A entry asked in different words", async () => {
    const call = new Conversation(dental());
    const turn = await call.say("When do you open on Saturday?");
    expect(turn.text).toContain("On Saturdays we're open from 10 AM to 2 PM.");
    expect(turn.knowledgeIds).toEqual(["weekend"]);
  });

  it("streams the reply sentence by sentence", async () => {
    const turn = await new Conversation(dental()).say("do you take cigna");
    expect(turn.chunks.length).toBeGreaterThanOrEqual(2);
    expect(turn.chunks[0]).toBe("Yes, we accept most major dental insurance plans, including Delta Dental and Cigna.");
    expect(turn.chunks[1]).toMatch(/^ /);
    expect(turn.knowledgeIds).toEqual(["insurance"]);
  });

  it("answers from the best passage of a pasted document, as plain speech", async () => {
    const call = new Conversation(dental());
    const parking = await call.say("Where can I park my car?");
    expect(parking.text).toContain("Free parking is available in the garage behind the building.");
    expect(parking.text).not.toContain("cancel");
    expect(parking.knowledgeIds).toEqual(["guide"]);

    const late = await call.say("Is there a fee if I cancel late?");
    expect(late.text).toContain("Late cancellations may be charged a 50 dollar fee.");

    const bring = await call.say("What should a new patient bring?");
    expect(bring.text).toContain("Please bring your insurance card and a photo ID.");
    for (const turn of [parking, late, bring]) expectSpeakable(turn.text);
  });

  it("does not invent an answer to an unrelated question", async () => {
    const call = new Conversation(dental());
    for (const question of ["Do you sell pizza?", "How much does a crown cost?", "What's the capital of France?"]) {
      const turn = await call.say(question);
      // A gap in the knowledge ("crown") or off-topic (pizza, France): either way an apology, never a guess.
      expect(turn.text).toMatch(/I'm sorry, (I don't have that information|that's not something I can help with)/);
      expect(turn.text).toMatch(/take a message/);
      expect(turn.text).not.toMatch(/dollars|Cigna|parking/);
      expect(turn.knowledgeIds).toBeUndefined();
    }
  });

  it("answers opening hours from the configured schedule when no entry fits better", async () => {
    const call = new Conversation(dental());
    const now = await call.say("Are you open right now?");
    expect(now.text).toBe(
      "Yes, we're open right now. Today's hours are 9 AM to 5 PM. Is there anything else I can help you with?",
    );
    const general = await call.say("What are your hours?");
    expect(general.text).toContain("We're open Monday to Friday, 9 AM to 5 PM.");
    expect(general.knowledgeIds).toBeUndefined();

    const evening = new Conversation(dental(), { now: CLOSED_NOW });
    expect((await evening.say("are you still open")).text).toMatch(/^We're closed right now\./);
  });

  it("finds the right entry among 500", async () => {
    const knowledge = Array.from({ length: 499 }, (_, i) => ({
      id: `filler-${i}`,
      kind: "qa" as const,
      title: `What is included in service package number ${i}?`,
      content: `Service package ${i} includes item ${i} and support level ${i % 7}.`,
    }));
    knowledge.push({
      id: "pets",
      kind: "qa",
      title: "Can I bring my dog?",
      content: "Yes, well behaved dogs are welcome in the waiting room.",
    });
    const agent = dental({ knowledge });
    const first = await new Conversation(agent).say("are pets allowed?");
    expect(first.knowledgeIds).toEqual(["pets"]);
    const second = await new Conversation(agent).say("what does service package number 42 include");
    expect(second.knowledgeIds).toEqual(["filler-42"]);
  });
});

describe("offline LLM: transfers", () => {
  it("transfers to a department named by the caller", async () => {
    const turn = await new Conversation(dental()).say("Can I speak to the front desk please?");
    expect(turn.text).toBe("Sure, let me transfer you to Front Desk.");
    expect(turn.toolCall).toMatchObject({ name: "transfer_call", args: { department: "Front Desk" } });
  });

  it("picks the department from what the caller needs", async () => {
    const turn = await new Conversation(dental()).say("I need to talk to someone about a refund on my invoice");
    expect(turn.text).toMatch(/^Sure, let me transfer you to Billing\./);
    expect(turn.toolCall?.args).toEqual({ department: "Billing" });
    // What it emits is a valid call for the session.
    expect(validateToolCall(turn.toolCall as TToolCall, dental()).ok).toBe(true);
  });

  it("sends a generic request for a person to the reception-like department", async () => {
    const turn = await new Conversation(dental()).say("I'd like to speak with a representative");
    expect(turn.toolCall?.args).toEqual({ department: "Front Desk" });
  });

  it("understands asking for a person without saying speak or talk", async () => {
    for (const ask of ["I need the owner please", "Can I get a real person?", "i'd like a manager", "Agent, please."]) {
      const turn = await new Conversation(dental()).say(ask);
      expect(turn.toolCall?.args, ask).toEqual({ department: "Front Desk" });
    }
    // Not every "I need" is a request for a person.
    expect((await new Conversation(dental()).say("I need a cleaning")).toolCall).toBeUndefined();
  });

  it("asks which department when the request is ambiguous, then transfers", async () => {
    const agent = dental({
      departments: [
        { id: "sales", name: "Sales", phoneNumber: "+15550000003", whenToTransfer: "New customers wanting a quote" },
        { id: "billing", name: "Billing", phoneNumber: "+15550000001", whenToTransfer: "Invoices and refunds" },
      ],
    });
    const call = new Conversation(agent);
    const ask = await call.say("Can you transfer me?");
    expect(ask.text).toBe("Sure. Which department would you like? I can connect you with Sales or Billing.");
    expect(ask.toolCall).toBeUndefined();
    const answer = await call.say("billing");
    expect(answer.toolCall?.args).toEqual({ department: "Billing" });
  });

  it("lets the caller hang up while it asks which department", async () => {
    const agent = dental({
      departments: [
        { id: "sales", name: "Sales", phoneNumber: "+15550000003", whenToTransfer: "New customers wanting a quote" },
        { id: "billing", name: "Billing", phoneNumber: "+15550000001", whenToTransfer: "Invoices and refunds" },
      ],
    });
    const call = new Conversation(agent);
    await call.say("Can you transfer me?");
    const bye = await call.say("thank you goodbye");
    expect(bye.toolCall?.name).toBe("end_call");
    expect(bye.text).toMatch(/Goodbye/);
  });

  it("answers from knowledge when a department merely shares a word with the question", async () => {
    const agent = dental({
      departments: [{ id: "p", name: "Parking", phoneNumber: "+15550000009", whenToTransfer: "Permits and towing" }],
    });
    const call = new Conversation(agent);
    const question = await call.say("Where can I park?");
    expect(question.toolCall).toBeUndefined();
    expect(question.knowledgeIds).toEqual(["guide"]);
    expect((await call.say("Parking, please")).toolCall?.args).toEqual({ department: "Parking" });
  });

  it("offers a transfer when a question matches a department's description", async () => {
    const call = new Conversation(dental());
    const offer = await call.say("I want to move my appointment to next week");
    expect(offer.text).toBe("Front Desk can help with that. Would you like me to transfer you?");
    const yes = await call.say("Yes please");
    expect(yes.toolCall?.args).toEqual({ department: "Front Desk" });
  });

  it("offers a message when there is nobody to transfer to", async () => {
    const call = new Conversation(dental({ departments: [] }));
    const turn = await call.say("I want to speak to a real person");
    expect(turn.toolCall).toBeUndefined();
    expect(turn.text).toContain("there's nobody I can transfer you to");
    expect(turn.text).toContain("I can take a message");
    expect((await call.say("yes")).text).toContain("Could I get your name, please?");
  });

  it("does not transfer while the business is closed", async () => {
    const turn = await new Conversation(dental(), { now: CLOSED_NOW }).say("put me through to billing");
    expect(turn.toolCall).toBeUndefined();
    expect(turn.text).toContain("We're closed right now, so I can't put you through to anyone.");
    expect(turn.text).toContain("I can take a message");
  });

  it("does not repeat the after-hours message the call opened with when asked for a person", async () => {
    const snapshot = dental();
    snapshot.config.businessHours.afterHoursMessage = "Thanks for calling Bright Smile Dental. Our office is closed right now.";
    const turn = await new Conversation(snapshot, { now: CLOSED_NOW }).say("can i talk to a person");
    expect(turn.toolCall).toBeUndefined();
    expect(turn.text).not.toContain("Thanks for calling");
    expect(turn.text).toContain("I can take a message");
  });

  it("treats the caller pressing 0 as asking for the operator", async () => {
    const turn = await new Conversation(dental()).send({ role: "event", text: "caller pressed 0" });
    expect(turn.toolCall).toMatchObject({ name: "transfer_call", args: { department: "Front Desk" } });
  });

  it("recovers when the transfer fails", async () => {
    const call = new Conversation(dental());
    const transfer = await call.say("billing please");
    const failed = await call.result(transfer.toolCall as TToolCall, {
      ok: false,
      error: "No answer from +15550000001",
    });
    expect(failed.text).toBe(
      "I'm sorry, I couldn't connect you to Billing right now. I can take a message and have someone call you back. Would you like that?",
    );
    expect(failed.toolCall).toBeUndefined();
    expect((await call.say("sure")).text).toBe("Okay. Could I get your name, please?");
  });
});

describe("offline LLM: taking a message", () => {
  it("collects name, number and message over several turns and saves them", async () => {
    const agent = dental({}, { captureFields: [{ key: "email", label: "Email address", description: "" }] });
    const call = new Conversation(agent);
    expect((await call.say("Hi, can I leave a message for the dentist?")).text).toBe(
      "Sure, I can take a message. Could I get your name, please?",
    );
    expect((await call.say("Yeah, it's John Smith")).text).toBe("Thanks, John Smith. What's the best number to reach you?");
    expect((await call.say("five five five, one two three, four five six seven")).text).toBe(
      "Got it, 5 5 5, 1 2 3, 4 5 6 7. And what message would you like me to pass on?",
    );
    expect((await call.say("Please tell them I'll be ten minutes late tomorrow.")).text).toBe(
      "Okay. Could you also tell me your email address?",
    );
    const save = await call.say("john at example dot com");
    expect(save.text).toBe("Thanks. Let me save that message for you.");
    expect(save.toolCall).toMatchObject({
      name: "take_message",
      args: {
        name: "John Smith",
        callback_number: "5551234567",
        message: "I'll be ten minutes late tomorrow.",
        details: { email: "john at example dot com" },
      },
    });
    expect(validateToolCall(save.toolCall as TToolCall, agent).ok).toBe(true);

    const confirmed = await call.result(save.toolCall as TToolCall, { ok: true });
    expect(confirmed.text).toBe(
      "All done, John. I've passed your message on. Someone will call you back at 5 5 5, 1 2 3, 4 5 6 7. Is there anything else I can help you with?",
    );
    const bye = await call.say("No, that's all, thanks");
    expect(bye.toolCall?.name).toBe("end_call");
  });

  it("offers the caller's own number and lets them correct it", async () => {
    const call = new Conversation(dental(), { callerNumber: "+15559876543" });
    expect((await call.say("My name is Maria and I'd like a callback")).text).toBe(
      "Sure, I can take a message. What's the best number to reach you? I can use the number you're calling from, ending in 6 5 4 3.",
    );
    expect((await call.say("yes, that number is fine")).text).toContain("Got it, plus 1, 5 5 5, 9 8 7, 6 5 4 3.");
    expect((await call.say("No sorry, that's wrong, it's 212 555 0199")).text).toBe(
      "Sorry about that. I have 2 1 2, 5 5 5, 0 1 9 9. And what message would you like me to pass on?",
    );
    const save = await call.say("I need to reschedule my cleaning");
    expect(save.toolCall?.args).toEqual({
      name: "Maria",
      callback_number: "2125550199",
      message: "I need to reschedule my cleaning",
    });
  });

  it("marks a message urgent when the caller describes an emergency", async () => {
    const call = new Conversation(dental(), { callerNumber: "+15559876543" });
    await call.say("My name is Maria and I'd like a callback");
    await call.say("yes, that number is fine");
    const save = await call.say("My tooth is bleeding badly after the extraction, please call me right away");
    expect(save.toolCall?.name).toBe("take_message");
    expect(save.toolCall?.args).toMatchObject({ name: "Maria", urgent: true });
  });

  it("asks again when the number is incomplete, and accepts keypad digits", async () => {
    const call = new Conversation(dental());
    await call.say("I'd like to leave a message");
    await call.say("Sam");
    expect((await call.say("it's five five five")).text).toBe(
      "Sorry, I didn't get a full phone number. Could you say it again, digit by digit?",
    );
    expect((await call.send({ role: "event", text: "caller pressed 4155550123#" })).text).toContain(
      "4 1 5, 5 5 5, 0 1 2 3",
    );
  });

  it("answers a question asked mid-message, then returns to the message", async () => {
    const call = new Conversation(dental());
    await call.say("can I leave a message");
    const turn = await call.say("Wait, do you accept insurance?");
    expect(turn.text).toBe(
      "Yes, we accept most major dental insurance plans, including Delta Dental and Cigna. Could I get your name, please?",
    );
    expect((await call.say("Lee")).text).toMatch(/^Thanks, Lee\./);
  });

  it("lets the caller cancel the message", async () => {
    const call = new Conversation(dental());
    await call.say("leave a message");
    const turn = await call.say("never mind");
    expect(turn.text).toBe("No problem, I won't take a message. Is there anything else I can help you with?");
    expect(turn.toolCall).toBeUndefined();
  });

  it("apologises when saving the message fails", async () => {
    const call = new Conversation(dental());
    const save = await call.result(
      { id: "t1", name: "take_message", args: { name: "Ann", callback_number: "5551234567", message: "hi" } },
      { ok: false, error: "database unavailable" },
    );
    expect(save.text).toBe(
      "I'm sorry, I couldn't save your message just now. I can transfer you to Front Desk instead. Would you like that?",
    );
  });
});

describe("offline LLM: small talk and endings", () => {
  it("greets, says who it is, and ends the call on goodbye", async () => {
    const call = new Conversation(dental());
    expect((await call.say("Hello?")).text).toBe("Hi! How can I help you today?");
    expect((await call.say("Am I talking to a robot?")).text).toMatch(
      /^I'm Ava, the virtual assistant for Bright Smile Dental\./,
    );
    const bye = await call.say("Okay, thanks, bye!");
    expect(bye.text).toBe("Thanks for calling Bright Smile Dental. Have a great day. Goodbye!");
    expect(bye.toolCall).toMatchObject({ name: "end_call" });
  });

  it("asks the caller to repeat unclear or empty input", async () => {
    const call = new Conversation(dental());
    expect((await call.say("")).text).toBe("Sorry, I didn't catch that. Could you say it again?");
    // Twice in a row: a way on, not a third "sorry?" (offline-understanding.test.ts covers what follows).
    expect((await call.say("umm")).text).toMatch(/^Sorry, I'm having trouble hearing you\. I can take a message/);
  });

  it("says the last thing again when the caller asks, and keeps the open question open", async () => {
    const call = new Conversation(dental());
    const hours = await call.say("What are your hours?");
    for (const ask of [
      "Sorry, can you repeat that?",
      "could you say that again please",
      "What did you say?",
      "pardon",
    ]) {
      expect((await call.say(ask)).text).toBe(hours.text);
    }
    // Still the "anything else?" question: "no" ends the call.
    expect((await call.say("No thanks")).toolCall).toMatchObject({ name: "end_call" });

    const message = new Conversation(dental());
    const askName = await message.say("I'd like to leave a message");
    expect((await message.say("sorry what was that")).text).toBe(askName.text);
    expect((await message.say("My name is John Smith")).text).toMatch(/^Thanks, John Smith\./);
  });

  it("repeats the greeting when nothing else was said yet", async () => {
    expect((await new Conversation(dental()).say("Sorry?")).text).toBe(
      "Thanks for calling Bright Smile Dental. How can I help?",
    );
  });

  it("says nothing more after end_call completes", async () => {
    const turn = await new Conversation(dental()).result({ id: "e", name: "end_call", args: {} }, { ok: true });
    expect(turn.text).toBe("");
    expect(turn.toolCall).toBeUndefined();
  });
});

describe("offline LLM: streaming contract", () => {
  const request = (signal: AbortSignal) => ({
    system: "",
    agent: dental(),
    messages: [{ role: "caller" as const, text: "Do you accept insurance?" }],
    tools: [],
    signal,
  });

  it("stops between chunks when the signal aborts", async () => {
    const controller = new AbortController();
    const stream = createOfflineLlm({ now: () => OPEN_NOW }).stream(request(controller.signal));
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toMatchObject({ type: "text" });
    controller.abort();
    await expect(iterator.next()).rejects.toMatchObject({ name: "AbortError" });
  });

  it("refuses to start with an aborted signal", async () => {
    const controller = new AbortController();
    controller.abort();
    const iterator = createOfflineLlm().stream(request(controller.signal))[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toMatchObject({ name: "AbortError" });
  });

  it("keeps concurrent calls apart", async () => {
    const agent = dental();
    const a = new Conversation(agent);
    const b = new Conversation(agent);
    await a.say("can I leave a message");
    expect((await b.say("Pat")).text).not.toMatch(/Thanks, Pat/);
    expect((await a.say("Pat")).text).toMatch(/^Thanks, Pat\./);
  });
});

describe("offline LLM: text helpers", () => {
  it("folds word forms together", () => {
    expect(stem("opening")).toBe(stem("opens"));
    expect(stem("prices")).toBe(stem("pricing"));
    expect(stem("appointments")).toBe(stem("appointment"));
    expect(stem("located")).toBe(stem("location"));
  });

  it("lists the words it takes to mean the same, for the offline recogniser", () => {
    expect(synonymsOf("located")).toEqual(expect.arrayContaining(["located", "address", "directions"]));
    expect(synonymsOf("kids")).toEqual(expect.arrayContaining(["kids", "children"]));
    expect(synonymsOf("whitening")).toEqual(["whitening"]);
  });

  it("parses spoken phone numbers", () => {
    expect(parseSpokenPhoneNumber("five five five one two three four")).toBe("5551234");
    expect(parseSpokenPhoneNumber("oh, it's double five, five, one two three, four oh six seven")).toBe("5551234067");
    expect(parseSpokenPhoneNumber("eight hundred five five five twelve twelve")).toBe("8005551212");
    expect(parseSpokenPhoneNumber("plus four four two zero seven nine four six zero nine five eight")).toBe(
      "+442079460958",
    );
    expect(parseSpokenPhoneNumber("(415) 555-0123")).toBe("4155550123");
    expect(parseSpokenPhoneNumber("I don't know")).toBeNull();
  });

  it("pulls a name out of what callers say", () => {
    expect(parseName("my name is jane doe")).toBe("Jane Doe");
    expect(parseName("Um, this is Carlos.")).toBe("Carlos");
    expect(parseName("what are your hours")).toBeNull();
  });

  it("turns markdown into sentences", () => {
    expect(toSpoken("## Hours\n- **Mon**: 9 a.m. to 5 p.m.\n- See [our site](https://www.example.com/hours) 😀")).toBe(
      "Hours. Mon: 9 AM to 5 PM. See our site.",
    );
  });
});
