import { describe, expect, it } from "vitest";
import type { TCaptureField } from "./capture-fields";
import { analyzeLocally } from "./local-analyzer";
import type { TAnalysisInput, TAnalysisMessage } from "./types";

// The local analyzer on calls an owner really gets: its summary reads like a receptionist's note, its topic names
// what the call was about (never digits read out), and what a message stored shows as captured.

const RECEPTIONIST_FIELDS: TCaptureField[] = [
  { key: "caller_name", label: "Name", description: "The caller's full name" },
  { key: "reason", label: "Reason for calling", description: "One sentence about what they need" },
];

function call(lines: [speaker: "caller" | "agent", text: string][], extra: Partial<TAnalysisInput> = {}): TAnalysisInput {
  return {
    turns: lines.map(([speaker, text], i) => ({ seq: i + 1, speaker, text, isInterrupted: false })),
    outcome: null,
    endReason: "agent_end_call",
    transferredTo: null,
    hasMessage: (extra.messages?.length ?? 0) > 0,
    captureFields: RECEPTIONIST_FIELDS,
    knowledgeTitles: ["What are your opening hours?", "Where are you located?", "Do you take walk-ins?"],
    toolNames: [],
    ...extra,
  };
}

const crownMessage: TAnalysisMessage = { callerName: "Jane Doe", callbackNumber: "+15550100123", message: "Wants a callback about her crown, it came loose." };

describe("local summaries read like a receptionist's note", () => {
  it("a question answered: what was asked and what they were told", () => {
    const result = analyzeLocally(
      call([
        ["agent", "Thanks for calling Bright Smiles, how can I help?"],
        ["caller", "Hi there, um, I was just wondering what time you guys are open until today?"],
        ["agent", "Sure! We're open Monday to Friday, 8 am to 6 pm. Is there anything else I can help with?"],
        ["caller", "No that's it, thanks."],
      ]),
    );
    expect(result.summary).toBe("Caller asked about opening hours; told we're open Monday to Friday, 8 am to 6 pm.");
    expect(result.summary).not.toContain("wondering");
    expect(result.topic).toBe("Opening hours");
  });

  it("a message with a dictated number: name, number and reason captured from the message, no topic from the digits", () => {
    const result = analyzeLocally(
      call(
        [
          ["agent", "Thanks for calling, how can I help?"],
          ["caller", "Three eight eight, five five five, one two three four."],
          ["agent", "Sorry, could you tell me what it's about?"],
          ["caller", "Yes sorry, my crown came loose, can someone call me back? It's Jane Doe."],
          ["agent", "I've taken a message, someone will call you back."],
        ],
        { outcome: "message_taken", messages: [crownMessage] },
      ),
    );
    expect(result.capturedFields).toMatchObject({ caller_name: "Jane Doe", reason: "Wants a callback about her crown, it came loose." });
    expect(result.capturedFields.callback_number).toBe("+15550100123");
    expect(result.summary).toBe("Left a message for a callback about her crown: Jane Doe, +15550100123.");
    expect(result.topic).not.toMatch(/three|eight|five|\d/i);
    expect(result.topic).toBe("Message or callback");
  });

  it("only digits and number words ever said: no topic at all rather than one made of numbers", () => {
    const result = analyzeLocally(call([["caller", "Three eight eight"], ["caller", "Five five five, zero one nine nine"]], { outcome: null, endReason: "caller_hangup" }));
    expect(result.topic).toBeNull();
    expect(result.summary).not.toMatch(/three|eight|"/i);
  });

  it("a transfer names the department", () => {
    const result = analyzeLocally(
      call([["caller", "I have a question about an invoice you sent me, can I talk to someone in accounts?"], ["agent", "Of course, connecting you now."]], {
        outcome: "transferred",
        transferredTo: "+12025550178",
        transferDepartment: "Accounts",
      }),
    );
    expect(result.summary).toBe("Caller asked about billing; transferred to Accounts.");
  });

  it("a caller who hung up, a call with no words, and a knowledge question", () => {
    expect(
      analyzeLocally(call([["caller", "I want to cancel my membership please"], ["agent", "Can I ask why you'd like to cancel?"]], { endReason: "caller_hangup" })).summary,
    ).toBe("Caller asked to cancel and hung up before it was resolved.");
    expect(analyzeLocally(call([["agent", "Hello?"]], { endReason: "silence_timeout" })).summary).toBe("Caller hung up without saying anything.");
    expect(analyzeLocally(call([["caller", "What are your hours on Sunday?"]], { outcome: "failed", endReason: "voice_server_lost" })).summary).toBe(
      "Caller asked about opening hours. The call failed (voice server lost).",
    );
    const walkIn = analyzeLocally(call([["caller", "Do you take walk-ins on Saturdays?"], ["agent", "Yes, we take walk-ins until noon on Saturdays."]]));
    expect(walkIn.topic).toBe("Do you take walk-ins");
    expect(walkIn.summary).toBe('Caller asked "Do you take walk-ins?"; told we take walk-ins until noon on Saturdays.');
  });

  it("a message taken with no capture fields configured still shows what it stored", () => {
    const result = analyzeLocally(
      call([["caller", "Can you ask Dr Lee to call me back about my test results?"]], {
        captureFields: [],
        outcome: "message_taken",
        messages: [{ callerName: "Sam Ortiz", callbackNumber: "+15550109999", message: "Test results question for Dr Lee\n\npreferred_time: after 3 pm" }],
      }),
    );
    expect(result.capturedFields).toEqual({ caller_name: "Sam Ortiz", callback_number: "+15550109999", message: "Test results question for Dr Lee" });
    expect(result.summary).toBe("Left a message for a callback about test results question for Dr Lee: Sam Ortiz, +15550109999.");
  });

  it("a caller who hung up before saying why: the note does not quote the agent's placeholder as the subject", () => {
    const result = analyzeLocally(
      call([["caller", "I would like to leave a message please"], ["caller", "My name is William Lopez"], ["caller", "Thank you goodbye"]], {
        outcome: "message_taken",
        messages: [{ callerName: "William Lopez", callbackNumber: "4155550199", message: "No message given: the caller ended the call before saying what it was about.\n\ncaller_name: William Lopez" }],
      }),
    );
    expect(result.summary).toBe("Left a message for a callback: William Lopez, 4155550199.");
  });
});
