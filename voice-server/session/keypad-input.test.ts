import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeLine } from "./call-line-test-kit";
import { KeypadInput } from "./keypad-input";
import { DEFAULT_REDACTION_SETTINGS } from "@/lib/redaction/redact-text";
import { keySpan } from "./keypad-privacy";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(consent: (digit: string) => string | null = () => null) {
  const kit = fakeLine();
  const keys: string[] = [];
  const keypad = new KeypadInput({ ...kit.line, consentLine: consent, keys: (description) => keys.push(description) });
  return { ...kit, keypad, keys };
}

describe("KeypadInput", () => {
  it("a key cuts the agent off, and a quick run of keys reaches the model as one event", () => {
    const { keypad, keys, player, clock, of } = setup();
    player.talk("reply");
    clock.t = 1_000;
    keypad.press("2");
    expect(of("interrupt")).toEqual([{ type: "interrupt", reason: "dtmf" }]);
    clock.t = 1_300;
    keypad.press("0");
    keypad.press("4");
    vi.advanceTimersByTime(599);
    expect(keys).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(keys).toEqual(["Caller pressed 2, 0, 4"]);
    // Each key on the timeline at the moment it was pressed, in clear.
    expect(of("event").map((e) => [e.name, e.atMs])).toEqual([
      ["2", 1_000],
      ["0", 1_300],
      ["4", 1_300],
    ]);
    expect(of("silence").map((s) => s.action)).toContain("disarm");
  });

  it("keys typed after the agent asked for a card number are masked, silenced in the recording and never named", () => {
    const { keypad, keys, clock, of } = setup();
    keypad.agentSaid("Please enter your card number on the keypad.");
    clock.t = 5_000;
    keypad.press("4");
    // Silenced at once, before the run is over.
    expect(of("silence-caller")).toEqual([{ type: "silence-caller", ...keySpan(5_000) }]);
    clock.t = 5_400;
    keypad.press("1");
    vi.advanceTimersByTime(3_000);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toContain("hidden for privacy");
    expect(keys[0]).not.toMatch(/4|1,/);
    const events = of("event");
    expect(events.map((e) => e.name)).toEqual(["*", "*"]);
    expect(JSON.stringify(events)).not.toContain('"4"');
  });

  it("uses the team's redaction settings once they load, and the defaults when they cannot be loaded", async () => {
    const asked = "Please enter your card number on the keypad.";
    const clear = setup();
    clear.keypad.useSettings(Promise.resolve({ ...DEFAULT_REDACTION_SETTINGS, cardNumbers: false }));
    await vi.advanceTimersByTimeAsync(0);
    clear.keypad.agentSaid(asked);
    clear.keypad.press("4");
    vi.advanceTimersByTime(3_000);
    expect(clear.keys).toEqual(["Caller pressed 4"]);

    const fallback = setup();
    fallback.keypad.useSettings(Promise.reject(new Error("database down")));
    await vi.advanceTimersByTimeAsync(0);
    fallback.keypad.agentSaid(asked);
    fallback.keypad.press("4");
    vi.advanceTimersByTime(3_000);
    expect(fallback.keys[0]).toContain("hidden for privacy");
  });

  it("keys over the disclosure do not cut it; their run is answered once it has played", () => {
    const { keypad, keys, player, protectedLine, protectedLineEnded, of } = setup();
    player.talk("greeting", { isUninterruptible: true });
    protectedLine.isPlaying = true;
    keypad.press("3");
    vi.advanceTimersByTime(600);
    expect(of("interrupt")).toEqual([]);
    expect(keys).toEqual([]);
    // On the timeline already: the caller did press it.
    expect(of("event").map((e) => e.name)).toEqual(["3"]);
    player.playOut();
    protectedLineEnded();
    expect(keys).toEqual(["Caller pressed 3"]);
  });

  it("the answer to 'may we record?' gets its acknowledgement after the disclosure and never reaches the model", () => {
    const { keypad, keys, protectedLine, protectedLineEnded, of } = setup((digit) => (digit === "1" ? "Thank you." : null));
    protectedLine.isPlaying = true;
    keypad.press("1");
    expect(of("fixed")).toEqual([]);
    protectedLineEnded();
    expect(of("fixed")).toEqual([{ type: "fixed", text: "Thank you." }]);
    vi.advanceTimersByTime(5_000);
    expect(keys).toEqual([]);
    expect(of("event").map((e) => e.name)).toEqual(["1"]);
  });

  it("keys over the last line, or cut short by the hang-up, are still written at the close", () => {
    const { keypad, keys, status, of } = setup();
    keypad.press("7");
    status.isEnding = true;
    keypad.press("8");
    keypad.close();
    vi.advanceTimersByTime(5_000);
    expect(keys).toEqual([]);
    expect(of("event").map((e) => e.name)).toEqual(["7", "8"]);
    // Nothing happens once the call is over.
    status.state = "closing";
    keypad.press("9");
    keypad.close();
    expect(of("event")).toHaveLength(2);
  });
});
