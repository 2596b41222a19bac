import { describe, expect, it } from "vitest";
import { ZAgentConfig } from "@/lib/agents/config";
import { AgentLines } from "./agent-lines";
import { fakeLine } from "./call-line-test-kit";
import { lineCacheKey, linePieces } from "./spoken-lines";

const config = ZAgentConfig.parse({ greeting: "Hi" });

function setup() {
  const kit = fakeLine();
  const lines = new AgentLines({ ...kit.line, voice: () => ({ agentVersionId: "v1", tts: "tts-a", config }) });
  return { ...kit, lines };
}

describe("AgentLines", () => {
  it("a fixed line is its own generation, in the cached pieces every call shares, ended once played", () => {
    const { lines, of, calls } = setup();
    const text = "Sorry, I didn't catch that. Could you say it again?";
    const generation = lines.line("fixed", text);
    expect(generation.kind).toBe("fixed");
    expect(generation.messages).toEqual([{ role: "agent", text }]);
    const pieces = linePieces(text);
    expect(of("speak")).toEqual(pieces.map((piece) => ({ type: "speak", text: piece, cacheKey: lineCacheKey({ agentVersionId: "v1", tts: "tts-a", config, text: piece }), hasAudio: false })));
    expect(calls.at(-1)).toEqual({ type: "finish" });
    expect(generation.isProducing).toBe(false);
  });

  it("starting to speak cuts off what the agent was saying and holds the silence prompt", () => {
    const { lines, player, of, calls } = setup();
    player.talk("reply");
    lines.begin("reply", null);
    expect(of("interrupt")).toEqual([{ type: "interrupt", reason: "system" }]);
    expect(calls.map((c) => c.type)).toEqual(["interrupt", "silence", "begin"]);
  });

  it("says the cut sentence again with the audio it already had, as a new turn of the same kind", () => {
    const { lines, player, of } = setup();
    const from = player.talk("reply");
    const audio = [new Uint8Array(160)];
    lines.resume(from, [{ text: "We open at nine.", audio }, { text: "On Saturdays at ten." }]);
    expect(of("begin")).toEqual([{ type: "begin", kind: "reply" }]);
    expect(of("speak")).toEqual([
      { type: "speak", text: "We open at nine.", hasAudio: true },
      { type: "speak", text: "On Saturdays at ten.", hasAudio: false },
    ]);
    expect(player.current?.messages).toEqual([{ role: "agent", text: "We open at nine. On Saturdays at ten." }]);
  });
});
