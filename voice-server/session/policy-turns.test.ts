import { describe, expect, it } from "vitest";
import { ZAgentConfig, type TAgentSnapshot } from "@/lib/agents/config";
import { createVoiceMetrics } from "@/voice-server/observability/metrics";
import type { TLlmProvider } from "@/voice-server/providers/types";
import { isUnanswered, PolicyTurns } from "./policy-turns";
import type { ProviderRoute } from "./provider-fallback";
import type { SpeechPlayer } from "./speech-player";
import { SttTurn } from "./stt-turn";

const AGENT: TAgentSnapshot = { agentName: "Ava", teamName: "Acme Dental", config: ZAgentConfig.parse({ greeting: "Hi" }), knowledge: [], departments: [] };

function setup() {
  const clock = { t: 1_000, now: () => clock.t };
  const llm = { name: "llm", async *stream() {} } as unknown as TLlmProvider;
  const player = { current: null, isBusy: false, interrupt() {} } as unknown as SpeechPlayer;
  const finalizes: number[] = [];
  const stt = {
    isFinalizing: false,
    endTurn: () => {
      finalizes.push(clock.t);
      return { finalTranscript: async () => "" };
    },
  };
  const turns = new PolicyTurns({
    clock,
    player,
    route: { llm } as unknown as ProviderRoute,
    metrics: createVoiceMetrics(),
    agent: () => AGENT,
    conversation: () => [],
    instructions: () => "",
    canReply: () => true,
    event: () => {},
    startReply: () => {},
    resume: () => {},
    quiet: () => {},
    sttEndpointingMs: () => 300,
  });
  return { turns, stt, clock, finalizes };
}

const interim = (text: string) => ({ type: "interim" as const, text });

describe("PolicyTurns", () => {
  it("runs fixed endpointing until started on a streaming recognizer, and says which ran on the call", () => {
    const { turns, stt } = setup();
    expect(turns.taker).toBeNull();
    expect(turns.turnTaking()).toEqual({ policy: "fixed" });
    turns.start(stt);
    expect(turns.taker).not.toBeNull();
    expect(turns.turnTaking()).toMatchObject({ policy: "adaptive", replies: 0, clears: 0 });
  });

  it("feeds the policy the recognizer's words, except a turn ended outside it or speech over the disclosure", () => {
    const { turns, stt } = setup();
    turns.start(stt);
    const taker = turns.taker!;
    const detached = new SttTurn();
    detached.isDetached = true;
    turns.result(interim("over the disclosure"), new SttTurn(), true);
    turns.result(interim("a detached turn"), detached, false);
    expect(taker.callerText).toBe("");
    turns.result(interim("I would like to book"), new SttTurn(), false);
    expect(taker.callerText).toBe("I would like to book");
    expect(isUnanswered(taker)).toBe(true);
  });

  it("holds the caller's speech while it has words for it, and not before", () => {
    const { turns, stt } = setup();
    expect(turns.hasTurnSince(0)).toBe(false);
    turns.start(stt);
    expect(turns.hasTurnSince(0)).toBe(false);
    turns.result(interim("hello"), new SttTurn(), false);
    expect(turns.hasTurnSince(0)).toBe(true);
  });

  it("left (a fallback to the offline engine, or the call's end): no more words are fed, and what it did is kept", () => {
    const { turns, stt } = setup();
    turns.start(stt);
    const taker = turns.taker!;
    turns.leave();
    expect(turns.taker).toBeNull();
    turns.result(interim("late words"), new SttTurn(), false);
    expect(taker.callerText).toBe("");
    expect(turns.turnTaking()).toMatchObject({ policy: "adaptive", replies: 0 });
    expect(turns.hasTurnSince(0)).toBe(false);
  });
});
