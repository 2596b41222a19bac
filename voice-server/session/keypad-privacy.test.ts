import { describe, expect, it } from "vitest";
import { DEFAULT_REDACTION_SETTINGS } from "@/lib/redaction/redact-text";
import { COLLECTING_GATHER_MS, describeKeys, keyEventOf, KeypadPrivacy, keySpan } from "./keypad-privacy";

function typed(keypad: KeypadPrivacy, digits: string, startMs = 10_000) {
  const spans = [...digits].map((d, i) => keypad.press(d, startMs + i * 300));
  return { spans, run: keypad.take()! };
}

describe("KeypadPrivacy", () => {
  it("keeps ordinary keys in clear: a menu choice or an extension reaches the timeline and the model", () => {
    const keypad = new KeypadPrivacy();
    keypad.agentSaid("Press 1 for billing or enter the extension.");
    const { spans, run } = typed(keypad, "204");
    expect(spans).toEqual([null, null, null]);
    expect(run.isMasked).toBe(false);
    expect(describeKeys(run)).toBe("Caller pressed 2, 0, 4");
    expect(keyEventOf(run.presses[0]!, run)).toEqual({ name: "2", data: { digit: "2" } });
    expect(keypad.gatherMs).toBeUndefined();
  });

  it("masks every key typed after the agent asked for a card number, silences each at once, until it asks for nothing", () => {
    const keypad = new KeypadPrivacy();
    keypad.agentSaid("Please enter your card number on the keypad, then press pound.");
    expect(keypad.isCollecting).toBe(true);
    expect(keypad.gatherMs).toBe(COLLECTING_GATHER_MS);
    // Even a number that is not a valid card: it is what was asked for.
    const { spans, run } = typed(keypad, "1234#");
    expect(spans).toEqual([0, 1, 2, 3, 4].map((i) => keySpan(10_000 + i * 300)));
    expect(run).toMatchObject({ isMasked: true, kinds: ["card_number"] });
    expect(run.spans).toHaveLength(5);
    const text = describeKeys(run);
    expect(text).toBe("Caller entered 4 digits on the keypad: [card number], hidden for privacy");
    expect(text).not.toMatch(/1|2|3/);
    expect(keyEventOf(run.presses[1]!, run)).toEqual({ name: "*", data: { digit: "*", isMasked: true, silenceFromMs: 9_800, silenceToMs: 10_550 } });
    keypad.agentSaid("Thank you, that's all I need.");
    expect(keypad.isCollecting).toBe(false);
    expect(typed(keypad, "5").run.isMasked).toBe(false);
  });

  it("a question still being spoken counts, and a card number typed unasked is masked when its run completes", () => {
    const keypad = new KeypadPrivacy();
    keypad.agentSaying("What's your social security number?");
    expect(keypad.press("1", 500)).toEqual(keySpan(500));
    keypad.take();
    keypad.agentSaid("Anything else?");
    const { spans, run } = typed(keypad, "4111111111111111");
    // Not known to be sensitive while typed; the spans are silenced once the run is complete.
    expect(spans.every((s) => s === null)).toBe(true);
    expect(run).toMatchObject({ isMasked: true, kinds: ["card_number"] });
    expect(run.spans[0]).toEqual(keySpan(10_000));
  });

  it("follows the team's settings: a team that does not redact card numbers keeps keys in clear", () => {
    const keypad = new KeypadPrivacy();
    keypad.useSettings({ ...DEFAULT_REDACTION_SETTINGS, cardNumbers: false });
    keypad.agentSaid("Please enter your card number.");
    expect(typed(keypad, "4111111111111111").run.isMasked).toBe(false);
  });
});
