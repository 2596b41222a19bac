import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { silentLogger } from "@/voice-server/observability/log";
import { CallEnding } from "./call-ending";
import type { TCallStatus } from "./call-line";
import { createGeneration, type TGeneration } from "./generation";
import type { SpeechPlayer } from "./speech-player";
import { LINES } from "./spoken-lines";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

// The last line plays out when the test says (`playOut`), or never.
function setup() {
  const status: TCallStatus = { state: "live", isEnding: false };
  const said: string[] = [];
  const closed: string[] = [];
  const reasons: string[] = [];
  let played: ((value: boolean) => void) | null = null;
  const player = { untilPlayed: () => new Promise<boolean>((resolve) => (played = resolve)) } as unknown as SpeechPlayer;
  const ending = new CallEnding({
    status,
    player,
    log: () => silentLogger,
    speak: (text): TGeneration => {
      said.push(text);
      // The caller can still cut in while the line is being started; isEnding is set right after.
      expect(status.isEnding).toBe(false);
      return createGeneration(said.length, "fixed", null);
    },
    say: (generation, text) => said.push(`${generation.id}: ${text}`),
    setEndReason: (reason) => reasons.push(reason),
    close: async (reason) => {
      closed.push(reason);
      status.state = "closed";
    },
    lastLineWaitMs: 15_000,
  });
  return { ending, status, said, closed, reasons, playOut: () => played?.(true) };
}

describe("CallEnding", () => {
  it("says the last line, stops new turns while it plays, and hangs up once it has played", async () => {
    const { ending, status, said, closed, reasons, playOut } = setup();
    const done = ending.endWithLine(LINES.silenceGoodbye, "silence_timeout");
    expect(said).toEqual([LINES.silenceGoodbye]);
    expect(status.isEnding).toBe(true);
    expect(reasons).toEqual(["silence_timeout"]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(closed).toEqual([]);
    playOut();
    await done;
    expect(closed).toEqual(["silence_timeout"]);
  });

  it("a last line that never finishes playing does not hold the call open", async () => {
    const { ending, closed } = setup();
    const done = ending.endWithLine(LINES.maxDuration, "max_duration");
    await vi.advanceTimersByTimeAsync(14_999);
    expect(closed).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(closed).toEqual(["max_duration"]);
  });

  it("ends a call once: a second ending, or one on a call no longer live, says nothing", async () => {
    const { ending, status, said, closed, playOut } = setup();
    void ending.endWithLine(LINES.silenceGoodbye, "silence_timeout");
    await ending.endWithLine(LINES.maxDuration, "max_duration");
    playOut();
    await vi.advanceTimersByTimeAsync(0);
    expect(said).toEqual([LINES.silenceGoodbye]);
    expect(closed).toEqual(["silence_timeout"]);
    status.state = "closing";
    status.isEnding = false;
    await ending.endWithLine(LINES.silenceGoodbye, "again");
    expect(said).toHaveLength(1);
  });

  it("the time limit ends the call with its line; stopped, it never fires", async () => {
    const first = setup();
    first.ending.startLimit(60);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(first.said).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(first.said).toEqual([LINES.maxDuration]);
    expect(first.reasons).toEqual(["max_duration"]);

    const second = setup();
    second.ending.startLimit(60);
    second.ending.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(second.said).toEqual([]);
  });

  it("a reply that failed beyond repair ends with its line, then the call once that has played", async () => {
    const { ending, said, closed, playOut } = setup();
    const reply = createGeneration(7, "reply", null);
    reply.isProducing = true;
    ending.endReply(reply, LINES.fatal, "llm_failure");
    expect(said).toEqual([`7: ${LINES.fatal}`]);
    expect(reply.isProducing).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(closed).toEqual([]);
    playOut();
    await vi.advanceTimersByTimeAsync(0);
    expect(closed).toEqual(["llm_failure"]);
  });
});
