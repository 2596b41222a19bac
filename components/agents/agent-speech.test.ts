import { describe, expect, it } from "vitest";
import { addSpokenSentence, spokenText } from "./agent-speech";

describe("agent speech in a test call", () => {
  it("builds up one turn sentence by sentence, once each and in order, and starts over for the next turn", () => {
    let speech = addSpokenSentence(null, { generation: 1, segment: 0, text: "Thanks for calling Bright Smiles." });
    expect(spokenText(speech)).toBe("Thanks for calling Bright Smiles.");
    speech = addSpokenSentence(speech, { generation: 1, segment: 2, text: "What can I do for you?" });
    speech = addSpokenSentence(speech, { generation: 1, segment: 1, text: "This call may be recorded." });
    speech = addSpokenSentence(speech, { generation: 1, segment: 1, text: "This call may be recorded." });
    expect(spokenText(speech)).toBe("Thanks for calling Bright Smiles. This call may be recorded. What can I do for you?");
    speech = addSpokenSentence(speech, { generation: 2, segment: 0, text: "We're open until six." });
    expect(spokenText(speech)).toBe("We're open until six.");
    expect(spokenText(null)).toBe("");
  });
});
