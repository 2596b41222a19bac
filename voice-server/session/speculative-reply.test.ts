import { describe, expect, it } from "vitest";
import type { TAgentSnapshot } from "@/lib/agents/config";
import type { TLlmEvent, TLlmProvider, TLlmRequest } from "@/voice-server/providers/types";
import { SpeculativeReply } from "./speculative-reply";

// An LLM whose events the test releases one by one; it records every request and whether it was aborted.
function gatedLlm(events: TLlmEvent[]) {
  const requests: { request: TLlmRequest; aborted: () => boolean }[] = [];
  let release: (() => void) | null = null;
  const step = () => {
    const r = release;
    release = null;
    r?.();
  };
  const llm: TLlmProvider = {
    name: "gated",
    async *stream(request) {
      requests.push({ request, aborted: () => request.signal.aborted });
      for (const event of events) {
        await new Promise<void>((resolve, reject) => {
          release = resolve;
          request.signal.addEventListener("abort", () => reject(request.signal.reason), { once: true });
        });
        yield event;
      }
    },
  };
  return { llm, requests, step };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const request = { system: "s", agent: {} as TAgentSnapshot, messages: [{ role: "caller" as const, text: "where are you" }], tools: [] };

async function collect(iterable: AsyncIterable<TLlmEvent>): Promise<TLlmEvent[]> {
  const out: TLlmEvent[] = [];
  for await (const event of iterable) out.push(event);
  return out;
}

describe("SpeculativeReply", () => {
  it("starts the request at once and hands its events, earlier and later ones, to the reply that takes it", async () => {
    const clock = { t: 100, now: () => clock.t };
    const { llm, requests, step } = gatedLlm([
      { type: "text", text: "We are " },
      { type: "text", text: "on Main Street." },
      { type: "done" },
    ]);
    const speculation = new SpeculativeReply(llm, request, clock, "where are you");
    expect(requests).toHaveLength(1);
    expect(requests[0]!.request.messages).toEqual(request.messages);
    await tick();
    clock.t = 450;
    step();
    await tick();
    expect(speculation.firstEventAt).toBe(450);
    const taken = collect(speculation.take(new AbortController().signal));
    await tick();
    step();
    await tick();
    step();
    expect(await taken).toEqual([{ type: "text", text: "We are " }, { type: "text", text: "on Main Street." }, { type: "done" }]);
    expect(speculation.outcome).toBe("used");
    expect(requests).toHaveLength(1);
  });

  it("discarding aborts the request and nothing can be taken afterwards", async () => {
    const { llm, requests, step } = gatedLlm([{ type: "text", text: "Yes." }, { type: "done" }]);
    const speculation = new SpeculativeReply(llm, request, { now: () => 0 }, "are you open");
    await tick();
    step();
    await tick();
    speculation.discard();
    await tick();
    expect(requests[0]!.aborted()).toBe(true);
    expect(speculation.outcome).toBe("discarded");
    expect(() => speculation.take(new AbortController().signal)).toThrow(/discarded/);
  });

  it("the reply's abort (a barge-in) aborts the request behind it", async () => {
    const { llm, requests, step } = gatedLlm([{ type: "text", text: "One." }, { type: "text", text: "Two." }, { type: "done" }]);
    const speculation = new SpeculativeReply(llm, request, { now: () => 0 }, "hi");
    await tick();
    step();
    const controller = new AbortController();
    const seen: TLlmEvent[] = [];
    const consuming = (async () => {
      for await (const event of speculation.take(controller.signal)) seen.push(event);
    })();
    await tick();
    controller.abort(new Error("barge-in"));
    await expect(consuming).rejects.toThrow("barge-in");
    expect(seen).toEqual([{ type: "text", text: "One." }]);
    expect(requests[0]!.aborted()).toBe(true);
  });

  it("a failed request fails the reply that takes it, like a live request would", async () => {
    const llm: TLlmProvider = {
      name: "broken",
      // eslint-disable-next-line require-yield
      async *stream() {
        throw new Error("model unavailable");
      },
    };
    const speculation = new SpeculativeReply(llm, request, { now: () => 0 }, "hi");
    await tick();
    await expect(collect(speculation.take(new AbortController().signal))).rejects.toThrow("model unavailable");
  });
});
