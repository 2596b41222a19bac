import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "@/voice-server/observability/log";
import { createVoiceMetrics } from "@/voice-server/observability/metrics";
import type { TVoiceProviders } from "@/voice-server/providers/registry";
import type { TLlmProvider, TSttProvider, TTtsProvider } from "@/voice-server/providers/types";
import { AudioCache } from "./audio-cache";
import { heardText, type TGeneration } from "./generation";
import { FramePacer } from "./pacer";
import { ProviderRoute } from "./provider-fallback";
import { SpeechPlayer } from "./speech-player";

// 100 ms of audio per sentence, at once.
const voice: TTtsProvider = {
  name: "fake-voice",
  voices: async () => [],
  async *synthesize() {
    yield new Uint8Array(800).fill(7);
  },
};

const pacers: FramePacer[] = [];
afterEach(() => {
  for (const p of pacers.splice(0)) p.stop();
});

function setup(tts: TTtsProvider = voice) {
  const clock = { t: 0, now: () => clock.t };
  const pacer = new FramePacer({ clock, tickMs: 10, leadMs: 40, batchMs: 20 });
  pacers.push(pacer);
  const wire: string[] = [];
  const ended: { generation: TGeneration; isInterrupted: boolean; heard: string }[] = [];
  const interrupted: string[] = [];
  const llm = { name: "llm" } as TLlmProvider;
  const stt = { name: "stt" } as TSttProvider;
  const providers: TVoiceProviders = { stt, llm, tts, offline: { stt, llm, tts } };
  let frames = 0;
  const player = new SpeechPlayer({
    pacer,
    transport: {
      sendAudio: (audio) => (frames += audio.length / 160),
      sendMark: (name) => wire.push(`mark ${name}`),
      clear: () => wire.push("clear"),
    },
    audioCache: new AudioCache(),
    route: new ProviderRoute(providers, 1_000),
    metrics: createVoiceMetrics(),
    log: () => silentLogger,
    voice: () => ({ voice: "default", language: "en" }),
    streamStartAt: () => 0,
    recorder: () => null,
    isCallLive: () => true,
    onTtsError: () => {},
    onInterrupted: (_g, info) => interrupted.push(`${info.reason} sent=${info.hasSentAudio}`),
    onProgress: () => {},
    onEnded: (generation, isInterrupted) => ended.push({ generation, isInterrupted, heard: heardText(generation) }),
    onPlayedOut: () => wire.push("played out"),
  });
  const advance = async (ms: number) => {
    for (let done = 0; done < ms; done += 10) {
      clock.t += 10;
      pacer.tick();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { player, wire, ended, interrupted, advance, frames: () => frames };
}

function say(player: SpeechPlayer, generation: TGeneration, sentences: string[]) {
  const message = { role: "agent" as const, text: sentences.join(" ") };
  generation.messages.push(message);
  for (const s of sentences) player.speak(generation, s, message);
}

describe("SpeechPlayer", () => {
  it("plays a generation segment by segment and ends it once every mark came back", async () => {
    const { player, wire, ended, advance } = setup();
    const generation = player.begin("reply", null);
    expect(player.state).toBe("thinking");
    say(player, generation, ["One.", "Two."]);
    const finishing = player.finish(generation);
    await advance(60);
    expect(player.state).toBe("speaking");
    await finishing;
    await advance(300);
    expect(wire.filter((w) => w.startsWith("mark"))).toEqual([`mark g${generation.id}s0`, `mark g${generation.id}s1`]);
    player.onMark(`g${generation.id}s0`);
    expect(ended).toHaveLength(0);
    player.onMark(`g${generation.id}s1`);
    expect(ended.map((e) => [e.isInterrupted, e.heard])).toEqual([[false, "One. Two."]]);
    expect(wire.at(-1)).toBe("played out");
    expect(player.state).toBe("idle");
  });

  it("on barge-in clears the far end, keeps only what was heard, and ignores the marks echoed by the clear", async () => {
    const { player, wire, ended, interrupted, advance } = setup();
    const generation = player.begin("reply", null);
    say(player, generation, ["Heard.", "Never heard."]);
    void player.finish(generation);
    await advance(300);
    player.onMark(`g${generation.id}s0`);
    player.interrupt("caller", 0);
    expect(wire).toContain("clear");
    expect(interrupted).toEqual(["caller sent=true"]);
    player.onMark(`g${generation.id}s1`);
    expect(ended.map((e) => [e.isInterrupted, e.heard])).toEqual([[true, "Heard."]]);
  });

  it("drops a reply that has sent no audio without a clear (nothing to take back)", () => {
    const { player, wire, ended } = setup();
    const generation = player.begin("reply", null);
    expect(player.state).toBe("thinking");
    player.interrupt("caller", 0);
    expect(wire).not.toContain("clear");
    expect(ended.map((e) => [e.generation.id, e.isInterrupted, e.heard])).toEqual([[generation.id, true, ""]]);
  });

  it("a new generation cuts the old one off", async () => {
    const { player, ended, interrupted, advance } = setup();
    const first = player.begin("fixed", null);
    say(player, first, ["Old line."]);
    await advance(100);
    const second = player.begin("reply", null);
    expect(interrupted).toEqual(["system sent=true"]);
    expect(ended[0]?.generation).toBe(first);
    expect(player.current).toBe(second);
    expect(player.isLive(first)).toBe(false);
  });

  it("keeps a segment's audio for a replay as one array of its own, not the chunks' shared buffer", async () => {
    // Three 100 ms chunks, views into one buffer as Buffer.from hands them out of its pool.
    const slab = new Uint8Array(64 * 1024);
    const pooled: TTtsProvider = {
      ...voice,
      async *synthesize() {
        for (let i = 0; i < 3; i++) yield slab.subarray(i * 1000, i * 1000 + 800).fill(i + 1);
      },
    };
    const { player, advance } = setup(pooled);
    const generation = player.begin("reply", null);
    say(player, generation, ["Kept."]);
    void player.finish(generation);
    await advance(100);
    const [segment] = generation.segments;
    expect(segment?.isSynthesized).toBe(true);
    expect(segment?.audio).toHaveLength(1);
    const audio = segment!.audio![0]!;
    expect(audio.buffer).not.toBe(slab.buffer);
    expect(Array.from(audio)).toEqual([...new Array(800).fill(1), ...new Array(800).fill(2), ...new Array(800).fill(3)]);
  });
});
