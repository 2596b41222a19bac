import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TAgentSnapshot } from "@/lib/agents/config";
import { FakeGemini, type TGeminiContent } from "@/tests/fakes/gemini";
import { ProviderError, type TChatMessage, type TLlmEvent, type TLlmRequest, type TToolCall } from "../types";
import { createGeminiLlm, toGeminiContents } from "./gemini";

let fake: FakeGemini;

beforeEach(async () => {
  fake = await FakeGemini.start({ apiKey: "g-key", firstTokenLatencyMs: 5, interChunkDelayMs: 5 });
});

afterEach(async () => {
  await fake.close();
});

const agent = {
  agentName: "Front desk",
  teamName: "Bella Pizza",
  config: {
    systemPrompt: "",
    greeting: "Hi, Bella Pizza.",
    disclosure: "",
    recordingMode: "record",
    language: "en-US",
    voice: "default",
    businessHours: { isEnabled: false, timeZone: "UTC", weekly: [], afterHours: "take_message", afterHoursMessage: "" },
    interruptionMinSpeechMs: 200,
    thinkingInterruptionMinSpeechMs: 60,
    shouldResumeAfterBackchannel: true,
    backchannelPhrases: [],
    endpointingSilenceMs: 500,
    maxCallDurationSec: 1800,
    silenceTimeoutSec: 30,
    captureFields: [],
  },
  knowledge: [],
  departments: [],
} satisfies TAgentSnapshot;

const tools = [
  {
    name: "check_availability",
    description: "Check free tables on a day",
    parameters: { type: "object", properties: { day: { type: "string" } }, required: ["day"] },
  },
];

function llm(overrides: Partial<Parameters<typeof createGeminiLlm>[0]> = {}) {
  return createGeminiLlm({ apiKey: "g-key", baseUrl: fake.url, ...overrides });
}

function request(messages: TChatMessage[], signal = new AbortController().signal): TLlmRequest {
  return { system: "You answer the phone for Bella Pizza.", agent, messages, tools, signal };
}

async function collect(iterable: AsyncIterable<TLlmEvent>): Promise<TLlmEvent[]> {
  const events: TLlmEvent[] = [];
  for await (const event of iterable) events.push(event);
  return events;
}

const textOf = (events: TLlmEvent[]) => events.flatMap((e) => (e.type === "text" ? [e.text] : [])).join("");

describe("createGeminiLlm", () => {
  it("streams the answer as text deltas and reports token usage", async () => {
    fake.respond = ({ lastUserText }) =>
      `You asked about ${lastUserText?.toLowerCase()} and we are open until ten tonight.`;
    const events = await collect(
      llm().stream(
        request([
          { role: "agent", text: "Hi, Bella Pizza." },
          { role: "caller", text: "Opening hours" },
        ]),
      ),
    );
    const texts = events.filter((e) => e.type === "text");
    expect(texts.length).toBeGreaterThan(1);
    expect(textOf(events)).toBe("You asked about opening hours and we are open until ten tonight.");
    const done = events.at(-1);
    expect(done).toMatchObject({ type: "done", inputTokens: expect.any(Number), outputTokens: expect.any(Number) });

    const sent = fake.requests[0];
    expect(sent?.apiVersion).toBe("v1beta");
    expect(sent?.model).toBe("gemini-2.5-flash");
    expect(sent?.query.get("alt")).toBe("sse");
    expect(sent?.headers["x-goog-api-key"]).toBe("g-key");
    expect(sent?.body.systemInstruction?.parts).toEqual([{ text: "You answer the phone for Bella Pizza." }]);
    expect(sent?.body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: "check_availability",
            description: "Check free tables on a day",
            parametersJsonSchema: tools[0]?.parameters,
          },
        ],
      },
    ]);
    expect(sent?.body.generationConfig).toMatchObject({ thinkingConfig: { thinkingBudget: 0 } });
    expect(sent?.body.contents).toEqual([
      { role: "user", parts: [{ text: "[event] The call was answered." }] },
      { role: "model", parts: [{ text: "Hi, Bella Pizza." }] },
      { role: "user", parts: [{ text: "Opening hours" }] },
    ]);
  });

  it("round-trips a function call with its thought signature and the tool's result", async () => {
    fake.respond = ({ functionResponses }) => {
      const result = functionResponses[0];
      if (result) return `Good news, ${JSON.stringify(result.response)}.`;
      return { chunks: ["Let me check. ", { functionCall: { name: "check_availability", args: { day: "tuesday" } } }] };
    };
    const provider = llm();
    const history: TChatMessage[] = [{ role: "caller", text: "Any tables on Tuesday?" }];
    const first = await collect(provider.stream(request(history)));
    expect(textOf(first)).toBe("Let me check. ");
    const callEvent = first.find((e) => e.type === "tool-call");
    expect(callEvent).toMatchObject({
      type: "tool-call",
      call: { name: "check_availability", args: { day: "tuesday" } },
    });
    const call = (callEvent as { call: TToolCall }).call;
    expect(call.thoughtSignature).toEqual(expect.any(String));

    history.push(
      { role: "agent", text: "Let me check. " },
      { role: "agent-tool-call", call },
      { role: "tool-result", call, result: { available: true, tables: 3 } },
    );
    const second = await collect(provider.stream(request(history)));
    expect(textOf(second)).toBe('Good news, {"available":true,"tables":3}.');
    const contents = fake.requests[1]?.body.contents as TGeminiContent[];
    expect(contents.slice(1)).toEqual([
      {
        role: "model",
        parts: [
          { text: "Let me check. " },
          {
            functionCall: { name: "check_availability", args: { day: "tuesday" } },
            thoughtSignature: call.thoughtSignature,
          },
        ],
      },
      {
        role: "user",
        parts: [{ functionResponse: { name: "check_availability", response: { available: true, tables: 3 } } }],
      },
    ]);
  });

  it("surfaces Gemini's rejection of a history that lost the thought signature", async () => {
    fake.respond = ({ functionResponses }) =>
      functionResponses.length ? "Done." : [{ functionCall: { name: "check_availability", args: { day: "monday" } } }];
    const provider = llm();
    const first = await collect(provider.stream(request([{ role: "caller", text: "Monday?" }])));
    const { thoughtSignature: _dropped, ...call } = (first.find((e) => e.type === "tool-call") as { call: TToolCall })
      .call;
    const error = await collect(
      provider.stream(
        request([
          { role: "caller", text: "Monday?" },
          { role: "agent-tool-call", call },
          { role: "tool-result", call, result: { available: false } },
        ]),
      ),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ stage: "llm", kind: "bad_response" });
    expect((error as Error).message).toContain("thought_signature");
    expect(fake.requests).toHaveLength(2);
  });

  it("retries a 429 before the first token and then answers", async () => {
    fake.faults.push({ kind: "status", status: 429 });
    const events = await collect(llm().stream(request([{ role: "caller", text: "Hello" }])));
    expect(textOf(events)).toBe("Okay.");
    expect(fake.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it("retries an error chunk that arrives before any content", async () => {
    fake.faults.push({ kind: "error-chunk", afterChunks: 0, status: 500 });
    const events = await collect(llm().stream(request([{ role: "caller", text: "Hello" }])));
    expect(textOf(events)).toBe("Okay.");
    expect(fake.requests).toHaveLength(2);
  });

  it("gives up on an outage with a ProviderError once the retry budget is spent", async () => {
    fake.faults.push({ kind: "status", status: 503 }, Infinity);
    const started = Date.now();
    const error = await collect(llm().stream(request([{ role: "caller", text: "Hello" }]))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ stage: "llm", kind: "unavailable" });
    expect(fake.requests).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it("does not retry a rejected API key", async () => {
    const error = await collect(llm({ apiKey: "nope" }).stream(request([{ role: "caller", text: "Hi" }]))).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ stage: "llm", kind: "auth" });
    expect(fake.requests).toHaveLength(1);
  });

  it("times out when no first token arrives", async () => {
    fake.faults.push({ kind: "hang" });
    const error = await collect(
      llm({ firstTokenTimeoutMs: 300 }).stream(request([{ role: "caller", text: "Hello?" }])),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ stage: "llm", kind: "timeout" });
    expect(fake.requests).toHaveLength(1);
  });

  it("throws instead of repeating itself when the stream breaks after text was yielded", async () => {
    fake.respond = () => ({ chunks: ["We are open ", "until ten ", "every night."] });
    fake.faults.push({ kind: "disconnect", afterChunks: 1 });
    const events: TLlmEvent[] = [];
    const error = await (async () => {
      for await (const event of llm().stream(request([{ role: "caller", text: "Hours?" }]))) events.push(event);
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ stage: "llm", kind: "unavailable" });
    expect(textOf(events)).toBe("We are open ");
    expect(fake.requests).toHaveLength(1);
  });

  it("stops promptly with an AbortError when the caller interrupts", async () => {
    fake.respond = () => ({ chunks: Array.from({ length: 50 }, (_, i) => `word${i} `) });
    fake.interChunkDelayMs = 50;
    const controller = new AbortController();
    const events: TLlmEvent[] = [];
    const error = await (async () => {
      for await (const event of llm().stream(request([{ role: "caller", text: "Talk" }], controller.signal))) {
        events.push(event);
        if (events.length === 2) controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "AbortError" });
    expect(events).toHaveLength(2);
    await expect.poll(() => fake.requests[0]?.isAborted).toBe(true);
  });

  it("aborts while waiting for the first token", async () => {
    fake.firstTokenLatencyMs = 5000;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const error = await collect(llm().stream(request([{ role: "caller", text: "Hi" }], controller.signal))).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: "AbortError" });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe("toGeminiContents", () => {
  const call = (id: string, name = "lookup"): TToolCall => ({ id, name, args: { q: id } });

  it("folds the call history into alternating turns Gemini accepts", () => {
    const a = call("a");
    const b = call("b", "transfer");
    const contents = toGeminiContents([
      { role: "caller", text: "Hi" },
      { role: "event", text: "caller pressed 1" },
      { role: "agent", text: "One moment." },
      { role: "agent-tool-call", call: a },
      { role: "agent-tool-call", call: b },
      { role: "caller", text: "hello?" },
      { role: "tool-result", call: b, result: { ok: true } },
      { role: "tool-result", call: a, result: { found: 2 } },
      { role: "agent", text: "  " },
    ]);
    expect(contents).toEqual([
      { role: "user", parts: [{ text: "Hi" }, { text: "[event] caller pressed 1" }] },
      {
        role: "model",
        parts: [
          { text: "One moment." },
          { functionCall: { id: "a", name: "lookup", args: { q: "a" } } },
          { functionCall: { id: "b", name: "transfer", args: { q: "b" } } },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { id: "b", name: "transfer", response: { ok: true } } },
          { functionResponse: { id: "a", name: "lookup", response: { found: 2 } } },
          { text: "hello?" },
        ],
      },
    ]);
  });

  it("drops tool calls that never got a result and results without a call", () => {
    const contents = toGeminiContents([
      { role: "caller", text: "Transfer me" },
      { role: "agent-tool-call", call: call("x") },
      { role: "tool-result", call: call("y"), result: {} },
      { role: "caller", text: "Never mind" },
    ]);
    expect(contents).toEqual([{ role: "user", parts: [{ text: "Transfer me" }, { text: "Never mind" }] }]);
  });
});
