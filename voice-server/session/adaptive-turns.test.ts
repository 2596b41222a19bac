import { describe, expect, it } from "vitest";
import { ZAgentConfig, type TAgentSnapshot } from "@/lib/agents/config";
import { createVoiceMetrics } from "@/voice-server/observability/metrics";
import type { TLlmProvider, TLlmRequest } from "@/voice-server/providers/types";
import { AdaptiveTurns } from "./adaptive-turns";
import { createGeneration, type TGeneration } from "./generation";
import type { ProviderRoute } from "./provider-fallback";
import type { SpeculativeReply } from "./speculative-reply";
import type { SpeechPlayer } from "./speech-player";
import type { TPolicyTurn } from "./turn-taker";

const AGENT: TAgentSnapshot = { agentName: "Ava", teamName: "Acme Dental", config: ZAgentConfig.parse({ greeting: "Hi" }), knowledge: [], departments: [] };

function setup() {
  const requests: TLlmRequest[] = [];
  const llm: TLlmProvider = {
    name: "llm",
    async *stream(request) {
      requests.push(request);
      yield { type: "text", text: "Hi." };
    },
  };
  const player = {
    current: null as TGeneration | null,
    interrupted: [] as string[],
    get isBusy() {
      return this.current !== null && !this.current.isDone;
    },
    interrupt(reason: string) {
      this.interrupted.push(reason);
      if (this.current) {
        this.current.isInterrupted = true;
        this.current.isDone = true;
      }
    },
  };
  const events: { kind: string; name: string; data: Record<string, unknown> }[] = [];
  const started: { turn: TPolicyTurn; speculative: SpeculativeReply | null }[] = [];
  const resumed: string[][] = [];
  let quiet = 0;
  const metrics = createVoiceMetrics();
  const turns = new AdaptiveTurns({
    clock: { now: () => 1000 },
    player: player as unknown as SpeechPlayer,
    route: { llm } as unknown as ProviderRoute,
    metrics,
    agent: () => AGENT,
    conversation: () => [{ role: "agent", text: "How can I help?" }],
    instructions: () => "be nice",
    canReply: () => true,
    event: (kind, name, data) => events.push({ kind, name, data }),
    startReply: (turn, speculative) => started.push({ turn, speculative }),
    resume: (_from, pieces) => resumed.push(pieces.map((p) => p.text)),
    quiet: () => quiet++,
  });
  return { turns, player, events, started, resumed, requests, metrics, quiet: () => quiet };
}

const turn = (text: string, useSpeculative: boolean): TPolicyTurn => ({
  text,
  useSpeculative,
  completeness: { state: "complete", reason: "question", dataKind: null },
  speechStartStreamMs: 0,
  speechEndStreamMs: 900,
  speechEndAt: 900,
});

function replyWithAudio(played: number, total: number): TGeneration {
  const generation = createGeneration(7, "reply", null);
  const message = { role: "agent" as const, text: "" };
  for (let i = 0; i < total; i++) {
    generation.segments.push({ index: i, text: `Sentence ${i}.`, message, markName: `g7s${i}`, state: i < played ? "played" : "sent" });
  }
  generation.firstFrameAt = 500;
  return generation;
}

describe("AdaptiveTurns", () => {
  it("a speculative reply that still answers the turn becomes the reply's first round: one LLM request", async () => {
    const { turns, started, events, requests } = setup();
    turns.startSpeculative("where are you");
    await new Promise((r) => setTimeout(r, 0));
    expect(requests).toHaveLength(1);
    expect(requests[0]!.messages.at(-1)).toEqual({ role: "caller", text: "where are you" });
    turns.reply(turn("Where are you?", true));
    expect(started[0]!.speculative?.text).toBe("where are you");
    expect(events.map((e) => e.name)).toEqual(["preemptive_used"]);
    expect(turns.summary().preemptive).toEqual({ started: 1, used: 1, discarded: 0 });
  });

  it("a speculative reply the final words do not match is discarded (aborted) and the reply starts afresh", () => {
    const { turns, started, events, requests } = setup();
    turns.startSpeculative("where are you");
    turns.reply(turn("Where are you on Sundays?", false));
    expect(started[0]!.speculative).toBeNull();
    expect(requests[0]!.signal.aborted).toBe(true);
    expect(events[0]).toMatchObject({ kind: "status", name: "preemptive_discarded", data: { reason: "words-differ", words: "where are you" } });
    expect(turns.summary().preemptive).toEqual({ started: 1, used: 0, discarded: 1 });
  });

  it("drops a reply nobody has heard yet, never one already audible", () => {
    const { turns, player, events } = setup();
    const thinking = createGeneration(3, "reply", null);
    thinking.callerTurn = { text: "I need a cleaning", startMs: 0, endMs: 900, isWritten: false };
    player.current = thinking;
    turns.dropReply("I need a cleaning");
    expect(thinking.isDropped).toBe(true);
    expect(player.interrupted).toEqual(["system"]);
    expect(events.map((e) => [e.name, e.data])).toEqual([["reply_dropped", { words: "I need a cleaning", generation: 3 }]]);

    const audible = replyWithAudio(1, 2);
    audible.callerTurn = { text: "hello", startMs: 0, endMs: 900, isWritten: true };
    player.current = audible;
    turns.dropReply("hello there");
    expect(audible.isDropped).toBe(false);
    expect(turns.summary().repliesDropped).toBe(1);
  });

  it("after a clear, a backchannel resumes from the cut sentence; a real interruption is never resumed", () => {
    const { turns, player, events, resumed, metrics } = setup();
    player.current = replyWithAudio(1, 3);
    turns.clear(900);
    expect(player.interrupted).toEqual(["caller"]);
    turns.resume("backchannel", "uh-huh", 900);
    expect(resumed).toEqual([["Sentence 1.", "Sentence 2."]]);
    expect(events.at(-1)).toMatchObject({ kind: "barge_in", name: "resumed", data: { kind: "backchannel", words: "uh-huh", decidedAfterMs: 100 } });

    player.current = replyWithAudio(1, 3);
    turns.clear(950);
    turns.yieldFloor("wait, where are you", 950);
    expect(resumed).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ kind: "barge_in", name: "yielded", data: { words: "wait, where are you" } });
    expect(turns.summary()).toMatchObject({ clears: 2, resumed: 1, interruptions: 1 });
    expect(metrics.registry).toBeDefined();
  });

  it("a floor yielded to the caller's sound is no decision on it until a reply answers it", () => {
    const { turns, player } = setup();
    player.current = replyWithAudio(0, 2);
    turns.clear(900);
    turns.yieldFloor("", 900);
    expect(turns.lastDecisionAt).toBe(1000);
    expect(turns.isFloorYielded).toBe(true);
    turns.reply(turn("Are you open on Sundays?", false));
    expect(turns.isFloorYielded).toBe(false);
  });

  it("goes quiet when there is nothing to resume (the sentence had been heard whole)", () => {
    const { turns, player, resumed, quiet } = setup();
    player.current = replyWithAudio(2, 2);
    turns.clear(900);
    turns.resume("noise", "", 900);
    expect(resumed).toEqual([]);
    expect(quiet()).toBe(1);
  });

  it("never clears a line that may not be interrupted", () => {
    const { turns, player } = setup();
    const line = replyWithAudio(0, 2);
    line.isUninterruptible = true;
    player.current = line;
    turns.clear(900);
    expect(player.interrupted).toEqual([]);
  });
});
