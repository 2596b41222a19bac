import { describe, expect, it } from "vitest";
import { ZAgentConfig, type TAgentSnapshot } from "@/lib/agents/config";
import type { TSttEvent, TSttProvider, TSttStream } from "@/voice-server/providers/types";
import { fakeLine } from "./call-line-test-kit";
import { openCallerInput } from "./caller-input";
import type { PolicyTurns } from "./policy-turns";
import type { ProviderRoute } from "./provider-fallback";

const SNAPSHOT: TAgentSnapshot = { agentName: "Ava", teamName: "Acme Dental", config: ZAgentConfig.parse({ greeting: "Hi" }), knowledge: [], departments: [] };
const vad = { lastMeanSquare: 0, process: () => false, reset() {}, close() {} };
const flush = () => new Promise((r) => setTimeout(r, 0));

// An engine that opens (or fails to) and then hears nothing until closed; `streaming` makes it one the adaptive policy can drive.
function engine(name: string, options: { isStreaming?: boolean; fails?: boolean } = {}) {
  const opened: string[] = [];
  const provider: TSttProvider = {
    name,
    ...(options.isStreaming ? { streaming: { endpointingMs: 300 } } : {}),
    async open(): Promise<TSttStream> {
      opened.push(name);
      if (options.fails) throw new Error(`${name} is down`);
      // Hears nothing until closed (a stream that ends on its own is an engine failure).
      let closed: () => void = () => {};
      const isClosed = new Promise<void>((resolve) => (closed = resolve));
      const events: AsyncIterable<TSttEvent> = {
        [Symbol.asyncIterator]: () => ({ next: async () => (await isClosed, { done: true as const, value: undefined }) }),
      };
      return { push() {}, finalize() {}, events, close: async () => closed() };
    },
  };
  return { provider, opened };
}

function setup(options: { isVoice?: boolean; primary?: { isStreaming?: boolean; fails?: boolean } } = {}) {
  const kit = fakeLine();
  const primary = engine("cloud", options.primary);
  const offline = engine("offline");
  const policy: string[] = [];
  const turns = { taker: null, start: () => policy.push("start"), leave: () => policy.push("leave"), result() {} } as unknown as PolicyTurns;
  const route = { stt: { primary: primary.provider, offline: offline.provider } } as unknown as ProviderRoute;
  const input = openCallerInput({
    ...kit.line,
    vad,
    snapshot: SNAPSHOT,
    isVoice: options.isVoice ?? true,
    route,
    timeouts: { sttFinalMs: 1_000 },
    turns,
    sendInterim() {},
    speechEnded() {},
  });
  return { ...kit, input, policy, primary, offline };
}

describe("openCallerInput", () => {
  it("a caller who only types gets no recognizer, and the adaptive policy never starts", async () => {
    const { input, policy, primary } = setup({ isVoice: false });
    await flush();
    expect(input.stt).toBeNull();
    expect(input.audio).toBeDefined();
    expect(primary.opened).toEqual([]);
    expect(policy).toEqual([]);
  });

  it("a streaming recognizer starts the adaptive policy; one that decodes whole turns keeps fixed endpointing", async () => {
    const streaming = setup({ primary: { isStreaming: true } });
    await flush();
    expect(streaming.primary.opened).toEqual(["cloud"]);
    expect(streaming.policy).toEqual(["start"]);
    await streaming.input.stt?.close();

    const whole = setup();
    await flush();
    expect(whole.primary.opened).toEqual(["cloud"]);
    expect(whole.policy).toEqual([]);
    await whole.input.stt?.close();
  });

  it("a recognizer that fails over to the offline engine is on record and leaves the adaptive policy", async () => {
    const { input, policy, offline, of } = setup({ primary: { isStreaming: true, fails: true } });
    await flush();
    await flush();
    expect(offline.opened).toEqual(["offline"]);
    expect(policy).toEqual(["start", "leave"]);
    expect(of("error").map((e) => e.stage)).toEqual(["stt"]);
    expect(of("event").map((e) => [e.name, e.data])).toEqual([["stt_fallback_offline", { from: "cloud", to: "offline" }]]);
    await input.stt?.close();
  });
});
