import { describe, expect, it } from "vitest";
import { checkExpectation, mentions, type TObservedCall } from "./checks";
import { scenarioFromForm, ZScenarioForm } from "./form";
import { keyPhrase, proposeScenarios, transferRequest } from "./propose";
import { formatCallerScript, parseCallerScript } from "./script-text";

const call = (over: Partial<TObservedCall> = {}): TObservedCall => ({
  turns: [
    { speaker: "agent", text: "Thanks for calling.", atMs: 0 },
    { speaker: "caller", text: "Do you take Cigna?", atMs: 100 },
    { speaker: "agent", text: "Yes, we accept Cigna and Aetna.", atMs: 200 },
  ],
  transfers: [],
  messages: [],
  endReason: "caller_hangup",
  latencies: { replyMs: [300], greetingMs: 10 },
  ...over,
});

describe("caller script", () => {
  it("parses lines and tokens in order, and round-trips", () => {
    const parsed = parseCallerScript("Hello there\n[pause 800] Do you take Cigna?\n[dtmf 12#]\n[silence 5]\n[hangup]");
    expect(parsed).toEqual({
      ok: true,
      steps: [
        { kind: "say", text: "Hello there" },
        { kind: "pause", ms: 800 },
        { kind: "say", text: "Do you take Cigna?" },
        { kind: "dtmf", digits: "12#" },
        { kind: "silence", seconds: 5 },
        { kind: "hangup" },
      ],
    });
    if (parsed.ok) expect(parseCallerScript(formatCallerScript(parsed.steps))).toEqual(parsed);
  });

  it("refuses unknown tokens and bad arguments with the row", () => {
    expect(parseCallerScript("hi\n[wait 5]")).toEqual({ ok: false, error: "Row 2: unknown token [wait]. Use [pause N], [dtmf N], [silence N], [interrupt N] or [hangup]." });
    expect(parseCallerScript("[pause 10]")).toMatchObject({ ok: false, error: expect.stringContaining("Row 1: [pause N] needs milliseconds") });
    expect(parseCallerScript("[silence 1.5]")).toMatchObject({ ok: false, error: expect.stringContaining("whole seconds") });
    expect(parseCallerScript("  \n ")).toEqual({ ok: false, error: "Write at least one caller line." });
  });
});

describe("checks", () => {
  it("matches whole words, case-insensitively, any of several phrasings", () => {
    expect(mentions("We open at 9 AM.", "9 am")).toBe(true);
    expect(mentions("We open at 19 am", "9 am")).toBe(false);
    expect(checkExpectation({ kind: "mentions", anyOf: ["aetna", "blue cross"] }, call()).passed).toBe(true);
    expect(checkExpectation({ kind: "mentions", anyOf: ["Medicare"] }, call()).reason).toBe(
      'No reply mentioned "Medicare". The agent said: "Thanks for calling." / "Yes, we accept Cigna and Aetna.".',
    );
    // The caller's own words never count for the agent.
    expect(checkExpectation({ kind: "avoids", anyOf: ["cigna"] }, call()).passed).toBe(false);
    expect(checkExpectation({ kind: "avoids", anyOf: ["medicare"] }, call()).passed).toBe(true);
  });

  it("reports dead air, turns, a polite end, and message fields with reasons", () => {
    expect(checkExpectation({ kind: "max_dead_air", seconds: 2 }, call({ latencies: { replyMs: [300, null], greetingMs: 0 } })).reason).toBe(
      "Caller turn 2 got no reply at all (dead air).",
    );
    expect(checkExpectation({ kind: "max_dead_air", seconds: 2 }, call({ latencies: { replyMs: [2500], greetingMs: 0 } })).reason).toBe(
      "The longest wait for a reply was 2.5 s, over 2 s.",
    );
    expect(checkExpectation({ kind: "max_turns", turns: 2 }, call()).reason).toBe("The call took 3 turns, over 2.");
    expect(checkExpectation({ kind: "ended_politely" }, call()).reason).toBe("The agent did not end the call (it ended: caller_hangup).");
    expect(checkExpectation({ kind: "ended_politely" }, call({ endReason: "agent_end_call" })).reason).toContain("without a goodbye");
    const messages = [{ callerName: "John Smith", callbackNumber: "+14155550199", message: "Call back about the crown" }];
    expect(checkExpectation({ kind: "message", name: "john", callbackNumber: "415-555-0199", contains: "crown" }, call({ messages })).passed).toBe(true);
    expect(checkExpectation({ kind: "message", callbackNumber: "415-555-0100" }, call({ messages })).reason).toContain('callback number "+14155550199" is not "415-555-0100"');
  });
});

describe("form and proposals", () => {
  it("turns the form into a scenario, with one expectation per filled field", () => {
    const form = ZScenarioForm.parse({ name: "Hours", script: "When are you open?", mentions: "9 am | nine\nFriday", transferTo: "", maxDeadAirSec: "3" });
    expect(scenarioFromForm(form)).toEqual({
      ok: true,
      scenario: {
        name: "Hours",
        steps: [{ kind: "say", text: "When are you open?" }],
        expectations: [
          { kind: "mentions", anyOf: ["9 am", "nine"] },
          { kind: "mentions", anyOf: ["Friday"] },
          { kind: "max_dead_air", seconds: 3 },
        ],
      },
    });
    expect(ZScenarioForm.safeParse({ name: "x", script: "hi", maxTurns: "0" }).error?.issues[0]?.message).toBe("Turns is a whole number from 1 to 100.");
  });

  it("phrases a department's reason the way a caller would, then asks for it", () => {
    expect(transferRequest("The caller has a question about an invoice, a payment or a refund.", "Accounts")).toBe("I have a question about an invoice. Can I speak to Accounts?");
    expect(transferRequest("The caller wants to buy, asks about pricing, or wants a quote.", "Sales")).toBe("I want to buy. Can I speak to Sales?");
    expect(transferRequest("Caller is running late for their appointment", "Front desk")).toBe("I am running late for my appointment. Can I speak to Front desk?");
    expect(transferRequest("", "Billing")).toBe("Can I speak to Billing?");
  });

  it("proposes one question per Q&A entry and one transfer per department", () => {
    expect(keyPhrase("We are open Monday to Friday from 9 am to 5 pm.")).toBe("9 am");
    expect(keyPhrase("We accept Cigna, Aetna and Delta Dental.")).toBe("accept Cigna");
    const proposed = proposeScenarios({
      knowledge: [
        { id: "1", kind: "qa", title: "What are your hours?", content: "Monday to Friday, 9 am to 5 pm." },
        { id: "2", kind: "document", title: "Price list", content: "Cleaning $120" },
      ],
      departments: [{ id: "d", name: "Emergency line", phoneNumber: "+14155550100", whenToTransfer: "Severe pain, swelling or bleeding." }],
    });
    expect(proposed).toEqual([
      { name: "Asks: What are your hours?", steps: [{ kind: "say", text: "What are your hours?" }], expectations: [{ kind: "mentions", anyOf: ["9 am"] }, { kind: "max_dead_air", seconds: 5 }] },
      {
        name: "Transfer: Emergency line",
        steps: [{ kind: "say", text: "It's about severe pain. Can I speak to Emergency line?" }],
        expectations: [{ kind: "transfer", department: "Emergency line" }],
      },
    ]);
  });
});
