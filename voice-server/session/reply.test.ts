import { describe, expect, it } from "vitest";
import { ZAgentConfig, type TAgentSnapshot } from "@/lib/agents/config";
import { createVoiceMetrics } from "@/voice-server/observability/metrics";
import type { TChatMessage, TLlmEvent, TLlmProvider, TLlmRequest } from "@/voice-server/providers/types";
import { AgentLines } from "./agent-lines";
import { fakeLine } from "./call-line-test-kit";
import type { TGeneration } from "./generation";
import type { ProviderRoute } from "./provider-fallback";
import { Replier } from "./reply";
import { LINES } from "./spoken-lines";

const AGENT: TAgentSnapshot = { agentName: "Ava", teamName: "Acme", config: ZAgentConfig.parse({ greeting: "Hi" }), knowledge: [], departments: [] };

function setup(events: TLlmEvent[]) {
  const kit = fakeLine();
  const requests: TLlmRequest[] = [];
  const llm: TLlmProvider = {
    name: "llm",
    async *stream(request) {
      requests.push(request);
      yield* events;
    },
  };
  const conversation: TChatMessage[] = [{ role: "agent", text: "How can I help?" }];
  const lines = new AgentLines({ ...kit.line, voice: () => ({ agentVersionId: "v1", tts: "tts", config: AGENT.config }) });
  const replier = new Replier({
    player: kit.line.player,
    route: { llm } as unknown as ProviderRoute,
    clock: kit.clock,
    metrics: createVoiceMetrics(),
    llmFirstTokenMs: 5_000,
    agent: () => AGENT,
    conversation: () => conversation,
    instructions: () => "Be brief.",
    lines,
    toolContext: () => {
      throw new Error("no tools in these tests");
    },
    canTransfer: () => false,
    record: kit.line.record,
    onFatal: () => {},
  });
  const settle = async () => {
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { ...kit, replier, requests, settle, current: () => kit.player.current as TGeneration };
}

const timing = { speechStartStreamMs: 1_000, speechEndStreamMs: 2_000, speechEndAt: 9_000, endpointedAt: 9_300, sttFinalAt: 9_300 };

describe("Replier.start", () => {
  it("answers the caller turn the policy ended: the model reads its words, which stay on the reply until it is heard", async () => {
    const { replier, requests, settle, current, of } = setup([{ type: "text", text: "Yes, we take walk-ins." }, { type: "done" }]);
    replier.start(timing, { text: "Do you take walk-ins?", prestarted: null });
    const generation = current();
    expect(generation.kind).toBe("reply");
    expect(generation.callerTurn).toEqual({ text: "Do you take walk-ins?", startMs: 1_000, endMs: 2_000, isWritten: false });
    await settle();
    expect(requests[0]?.messages).toEqual([
      { role: "agent", text: "How can I help?" },
      { role: "caller", text: "Do you take walk-ins?" },
    ]);
    expect(requests[0]?.system).toBe("Be brief.");
    expect(of("speak").map((s) => s.text).join(" ")).toBe("Yes, we take walk-ins.");
    expect(generation.isProducing).toBe(false);
  });

  it("a reply to keys (or an accepted turn already in the conversation) carries no caller turn of its own", async () => {
    const { replier, requests, settle, current } = setup([{ type: "text", text: "Connecting you." }, { type: "done" }]);
    replier.start(null);
    expect(current().callerTurn).toBeNull();
    expect(current().timing).toBeNull();
    await settle();
    expect(requests[0]?.messages).toEqual([{ role: "agent", text: "How can I help?" }]);
  });

  it("a model that says nothing gets a short line rather than silence", async () => {
    const { replier, settle, of } = setup([{ type: "done" }]);
    replier.start(timing);
    await settle();
    expect(of("speak").map((s) => s.text).join(" ")).toBe(LINES.didNotCatch);
  });
});
