import { afterEach, describe, expect, it, vi } from "vitest";
import type { TSttEvent, TSttProvider, TSttStream } from "@/voice-server/providers/types";
import { SttInput, type TSttInputDeps } from "./stt-turn";

// A controllable engine: the test says what it hears and when it answers a finalize.
function fakeEngine(name: string) {
  const streams: { pushed: Uint8Array[]; finalizes: number; emit(e: TSttEvent): void; end(): void; closed: boolean }[] = [];
  const provider: TSttProvider = {
    name,
    async open(): Promise<TSttStream> {
      const queue: TSttEvent[] = [];
      let wake: (() => void) | null = null;
      let isEnded = false;
      const state = {
        pushed: [] as Uint8Array[],
        finalizes: 0,
        closed: false,
        emit(e: TSttEvent) {
          queue.push(e);
          wake?.();
        },
        end() {
          isEnded = true;
          wake?.();
        },
      };
      streams.push(state);
      async function* events() {
        for (;;) {
          const e = queue.shift();
          if (e) {
            yield e;
            continue;
          }
          if (isEnded) return;
          await new Promise<void>((r) => (wake = r));
          wake = null;
        }
      }
      return {
        push: (audio) => state.pushed.push(audio),
        finalize: () => state.finalizes++,
        events: events(),
        close: async () => {
          state.closed = true;
          state.end();
        },
      };
    },
  };
  return { provider, streams };
}

const flush = () => new Promise((r) => setTimeout(r, 0));
const frame = (value: number) => new Uint8Array(160).fill(value);

function setup(overrides: Partial<TSttInputDeps> = {}) {
  const primary = fakeEngine("cloud");
  const offline = fakeEngine("offline");
  const errors: string[] = [];
  const fallbacks: string[] = [];
  const input = new SttInput({
    primary: primary.provider,
    offline: offline.provider,
    language: "en",
    phrases: [],
    finalTimeoutMs: 1_000,
    isLive: () => true,
    onError: (kind, _error, data) => errors.push(`${kind} ${data.provider}`),
    onFallback: (from, to) => fallbacks.push(`${from}->${to}`),
    ...overrides,
  });
  inputs.push(input);
  return { input, primary, offline, errors, fallbacks };
}

const inputs: SttInput[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const input of inputs.splice(0)) await input.close();
});

describe("SttInput and SttTurn", () => {
  it("fails over to the offline engine when the cloud engine's connection never opens, keeping the caller's audio", async () => {
    const { input, primary, offline, errors, fallbacks } = setup();
    primary.provider.open = () => Promise.reject(new Error("Deepgram did not accept the stream in time"));
    const opening = input.open();
    input.push(frame(1));
    input.speechStarted(20);
    input.push(frame(2));
    await opening;
    await flush();
    expect(fallbacks).toEqual(["cloud->offline"]);
    expect(errors).toEqual(["engine cloud"]);
    // What the caller said while the cloud engine was being tried reaches the offline one, which answers the turn.
    expect(offline.streams).toHaveLength(1);
    expect(offline.streams[0]!.pushed.reduce((n, chunk) => n + chunk.length, 0)).toBeGreaterThanOrEqual(320);
    const turn = input.endTurn();
    await flush();
    offline.streams[0]!.emit({ type: "final", text: "what are your hours", isFromFinalize: true });
    expect(await turn.finalTranscript()).toBe("what are your hours");
  });

  it("gives a turn's finals, joined, once the engine answers its finalize; later words start the next turn", async () => {
    const { input, primary } = setup();
    await input.open();
    const engine = primary.streams[0]!;
    engine.emit({ type: "final", text: "I'd like to book", isFromFinalize: false });
    await flush();
    const turn = input.endTurn();
    expect(engine.finalizes).toBe(1);
    engine.emit({ type: "final", text: " a cleaning ", isFromFinalize: true });
    engine.emit({ type: "interim", text: "next" });
    expect(await turn.finalTranscript()).toBe("I'd like to book a cleaning");
    await flush();
    expect(input.turn).not.toBe(turn);
    expect(input.turn.text).toBe("next");
  });

  it("passes every result to a turn-taking policy as it comes, except the answer to a finalize that timed out", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const results: string[] = [];
    const { input, primary } = setup({
      onResult: (event, turn) => results.push(`${event.type}${"text" in event ? `:${event.text}` : ""}${turn.isFinalizing ? " (finalizing)" : ""}`),
    });
    await input.open();
    const engine = primary.streams[0]!;
    engine.emit({ type: "interim", text: "where are" });
    engine.emit({ type: "final", text: "where are you", isFromFinalize: false, isSpeechFinal: true });
    engine.emit({ type: "utterance-end" });
    await vi.advanceTimersByTimeAsync(0);
    const turn = input.endTurn();
    engine.emit({ type: "final", text: "", isFromFinalize: true });
    expect(await turn.finalTranscript()).toBe("where are you");
    // A finalize left unanswered past its budget: its late answer belongs to no turn and is not passed on.
    const late = input.endTurn();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await late.finalTranscript()).toBe("");
    engine.emit({ type: "final", text: "too late", isFromFinalize: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(results).toEqual(["interim:where are", "final:where are you", "utterance-end", "final: (finalizing)"]);
    expect(input.isStreaming).toBe(false);
  });

  it("tells unclear speech from noise: only the offline engine's unflagged empty final is noise", async () => {
    const { input, primary } = setup();
    await input.open();
    const cloud = primary.streams[0]!;
    const cloudTurn = input.endTurn();
    cloud.emit({ type: "final", text: "", isFromFinalize: true });
    expect(await cloudTurn.finalTranscript()).toBe("");
    // A cloud engine cannot tell them apart: not noise, so the session asks again.
    expect(cloudTurn).toMatchObject({ isNoise: false, isUnrecognized: false });

    // The offline engine (here primary too) flags unclear speech, so its empty final without the flag is noise.
    const engine = fakeEngine("offline");
    const { input: local } = setup({ primary: engine.provider, offline: engine.provider });
    await local.open();
    const stream = engine.streams[0]!;
    const noise = local.endTurn();
    stream.emit({ type: "final", text: "", isFromFinalize: true });
    expect(await noise.finalTranscript()).toBe("");
    expect(noise).toMatchObject({ isNoise: true, isUnrecognized: false });
    const unclear = local.endTurn();
    stream.emit({ type: "final", text: "", isFromFinalize: true, isUnrecognized: true });
    expect(await unclear.finalTranscript()).toBe("");
    expect(unclear).toMatchObject({ isNoise: false, isUnrecognized: true });
    // Words win over the flag of an earlier piece.
    const words = local.endTurn();
    stream.emit({ type: "final", text: "hello", isFromFinalize: true });
    expect(await words.finalTranscript()).toBe("hello");
    expect(words.isNoise).toBe(false);
  });

  it("waits longer for the offline engine's final than for a cloud engine's", async () => {
    const budgets = { finalTimeoutMs: 40, offlineFinalTimeoutMs: 400 };
    const { input, primary, errors } = setup(budgets);
    await input.open();
    const cloudTurn = input.endTurn();
    setTimeout(() => primary.streams[0]!.emit({ type: "final", text: "too late", isFromFinalize: true }), 150);
    expect(await cloudTurn.finalTranscript()).toBe("");
    expect(errors).toEqual(["timeout cloud"]);

    const engine = fakeEngine("offline");
    const { input: local, errors: localErrors } = setup({ ...budgets, primary: engine.provider, offline: engine.provider });
    await local.open();
    const slow = local.endTurn();
    setTimeout(() => engine.streams[0]!.emit({ type: "final", text: "a long question decoded slowly", isFromFinalize: true }), 150);
    expect(await slow.finalTranscript()).toBe("a long question decoded slowly");
    expect(localErrors).toEqual([]);
  });

  it("gives the offline engine its own budget when it takes over a turn the cloud engine left finalizing", async () => {
    const { input, primary, offline, errors } = setup({ finalTimeoutMs: 60, offlineFinalTimeoutMs: 600 });
    await input.open();
    input.push(frame(1));
    input.speechStarted(20);
    input.speechEnded();
    const turn = input.endTurn();
    primary.streams[0]!.emit({ type: "error", error: new Error("socket reset"), isFatal: true });
    await new Promise((r) => setTimeout(r, 30));
    const local = offline.streams[0]!;
    expect(local.finalizes).toBe(1);
    // Well past the cloud engine's budget, within the offline engine's.
    setTimeout(() => local.emit({ type: "final", text: "replayed and heard", isFromFinalize: true }), 200);
    expect(await turn.finalTranscript()).toBe("replayed and heard");
    expect(errors.filter((e) => e.startsWith("timeout"))).toEqual([]);
  });

  it("falls back to the last interim when no final came in time", async () => {
    const { input, primary } = setup({ finalTimeoutMs: 30 });
    await input.open();
    primary.streams[0]!.emit({ type: "interim", text: "where are you" });
    await flush();
    expect(await input.endTurn().finalTranscript()).toBe("where are you");
  });

  it("times out with what it has, and drops the late answer instead of giving it to the next turn", async () => {
    const { input, primary, errors } = setup({ finalTimeoutMs: 50 });
    await input.open();
    const engine = primary.streams[0]!;
    engine.emit({ type: "final", text: "hello", isFromFinalize: false });
    await flush();
    expect(await input.endTurn().finalTranscript()).toBe("hello");
    expect(errors).toEqual(["timeout cloud"]);
    engine.emit({ type: "final", text: "stale tail", isFromFinalize: true });
    engine.emit({ type: "final", text: "fresh", isFromFinalize: false });
    await flush();
    const next = input.endTurn();
    engine.emit({ type: "final", text: "words", isFromFinalize: true });
    expect(await next.finalTranscript()).toBe("fresh words");
  });

  it("buffers audio until the engine is open, and a turn ended before then still gets its final", async () => {
    const { input, primary } = setup();
    input.push(frame(1));
    input.push(frame(2));
    const opening = input.open();
    const turn = input.endTurn();
    await opening;
    await flush();
    const engine = primary.streams[0]!;
    expect(engine.pushed.map((f) => f[0])).toEqual([1, 2]);
    expect(engine.finalizes).toBe(1);
    engine.emit({ type: "final", text: "yes", isFromFinalize: true });
    expect(await turn.finalTranscript()).toBe("yes");
  });

  it("when the engine dies mid-turn, replays the turn's audio into the offline engine and asks it for the final", async () => {
    const { input, primary, offline, fallbacks } = setup();
    await input.open();
    for (let i = 0; i < 30; i++) input.push(frame(i));
    input.speechStarted(200); // ten frames ago
    const turn = input.endTurn();
    primary.streams[0]!.emit({ type: "error", error: new Error("socket reset"), isFatal: true });
    await flush();
    await flush();
    expect(fallbacks).toEqual(["cloud->offline"]);
    const replacement = offline.streams[0]!;
    // From 300 ms of preroll before the speech began, as one block, then the finalize the old engine never answered.
    expect(replacement.pushed).toHaveLength(1);
    expect(replacement.pushed[0]!.length).toBe((10 + 15 + 1) * 160);
    expect(replacement.pushed[0]![0]).toBe(30 - 26);
    expect(replacement.finalizes).toBe(1);
    replacement.emit({ type: "final", text: "heard again", isFromFinalize: true });
    expect(await turn.finalTranscript()).toBe("heard again");
  });

  it("is dead once the offline engine fails too, and a waiting turn gets what was heard", async () => {
    const { input, primary, offline } = setup();
    await input.open();
    primary.streams[0]!.end();
    await flush();
    await flush();
    expect(offline.streams).toHaveLength(1);
    offline.streams[0]!.emit({ type: "interim", text: "partial" });
    await flush();
    const turn = input.endTurn();
    offline.streams[0]!.emit({ type: "error", error: new Error("decoder crashed"), isFatal: true });
    expect(await turn.finalTranscript()).toBe("partial");
    expect(input.isDead).toBe(true);
  });

  it("on close, a turn still waiting resolves empty and the engine is closed", async () => {
    const { input, primary } = setup();
    await input.open();
    const turn = input.endTurn();
    await input.close();
    expect(await turn.finalTranscript()).toBe("");
    expect(primary.streams[0]!.closed).toBe(true);
  });
});
