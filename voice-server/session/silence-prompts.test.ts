import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeLine } from "./call-line-test-kit";
import { SilencePrompts } from "./silence-prompts";
import { LINES } from "./spoken-lines";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup() {
  const kit = fakeLine();
  let isCallerSpeaking = false;
  const endings: string[] = [];
  const silence = new SilencePrompts({
    ...kit.line,
    timeoutMs: 8_000,
    isCallerSpeaking: () => isCallerSpeaking,
    endWithLine: async (text, reason) => void endings.push(`${reason}: ${text}`),
  });
  // What the caller heard: the prompt (a fixed line), then the goodbye the call ends with.
  const said = () => [...kit.of("fixed").map((f) => f.text), ...endings];
  return { ...kit, silence, said, speaking: (value: boolean) => (isCallerSpeaking = value) };
}

describe("SilencePrompts", () => {
  it("asks once whether the caller is still there, then says goodbye", () => {
    const { silence, said, of } = setup();
    silence.arm();
    vi.advanceTimersByTime(7_999);
    expect(said()).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(said()).toEqual([LINES.stillThere]);
    expect(of("event").map((e) => e.name)).toEqual(["silence_prompt"]);
    silence.arm();
    vi.advanceTimersByTime(8_000);
    expect(said()).toEqual([LINES.stillThere, `silence_timeout: ${LINES.silenceGoodbye}`]);
  });

  it("the caller speaking starts the count over; the agent speaking or a call no longer live stops it", () => {
    const { silence, said, player, status } = setup();
    silence.arm();
    vi.advanceTimersByTime(8_000);
    silence.heardCaller();
    silence.arm();
    vi.advanceTimersByTime(8_000);
    expect(said()).toEqual([LINES.stillThere, LINES.stillThere]);
    silence.arm();
    player.talk("reply");
    vi.advanceTimersByTime(8_000);
    expect(said()).toHaveLength(2);
    player.playOut();
    silence.arm();
    status.state = "closing";
    vi.advanceTimersByTime(8_000);
    expect(said()).toHaveLength(2);
  });

  it("is not armed while the caller is speaking, and a disarm holds", () => {
    const { silence, said, speaking } = setup();
    speaking(true);
    silence.arm();
    vi.advanceTimersByTime(20_000);
    speaking(false);
    silence.arm();
    silence.disarm();
    vi.advanceTimersByTime(20_000);
    expect(said()).toEqual([]);
  });
});
