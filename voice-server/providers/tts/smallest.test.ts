import { createServer } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listenLocal } from "@/tests/fakes/faults";
import { FakeSmallest } from "@/tests/fakes/smallest";
import { ProviderError } from "../types";
import { createSmallestTts } from "./smallest";

let fake: FakeSmallest;

beforeEach(async () => {
  fake = await FakeSmallest.start({ apiKey: "sk_live", firstByteLatencyMs: 5, chunkIntervalMs: 1 });
});

afterEach(async () => {
  await fake.close();
});

function tts(overrides: Partial<Parameters<typeof createSmallestTts>[0]> = {}) {
  return createSmallestTts({ apiKey: "sk_live", baseUrl: fake.url, ...overrides });
}

async function collect(iterable: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of iterable) chunks.push(chunk);
  return chunks;
}

function concat(chunks: Uint8Array[]): Buffer {
  return Buffer.concat(chunks.map((c) => Buffer.from(c)));
}

async function waitFor(condition: () => boolean, timeoutMs = 5000) {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const signal = () => new AbortController().signal;

describe("createSmallestTts", () => {
  it("streams Twilio-ready mu-law for a sentence in several chunks", async () => {
    const text = "Thanks for calling, how can I help you today?";
    const chunks = await collect(tts().synthesize(text, { voice: "default", language: "en-US", signal: signal() }));
    expect(chunks.length).toBeGreaterThan(3);
    expect(concat(chunks).equals(Buffer.from(fake.audioFor(text)))).toBe(true);

    const request = fake.requests[0];
    expect(request?.transport).toBe("sse");
    expect(request?.headers.authorization).toBe("Bearer sk_live");
    expect(request?.body).toEqual({
      text,
      voice_id: "magnus",
      model: "lightning_v3.1",
      sample_rate: 8000,
      output_format: "ulaw",
      speed: 1,
      language: "en",
    });
  });

  it("keeps one connection alive for the sentences of a call", async () => {
    const provider = tts();
    for (const text of ["One moment please.", "Let me check that.", "Here it is."]) {
      const chunks = await collect(provider.synthesize(text, { voice: "default", language: "en-US", signal: signal() }));
      expect(concat(chunks).equals(Buffer.from(fake.audioFor(text)))).toBe(true);
    }
    expect(fake.requests.map((r) => r.isComplete)).toEqual([true, true, true]);
    expect(fake.connectionCount).toBe(1);
  });

  it("passes the agent's voice and leaves out languages the API does not take", async () => {
    await collect(tts().synthesize("Hej.", { voice: "olivia", language: "da-DK", signal: signal() }));
    expect(fake.requests[0]?.body.voice_id).toBe("olivia");
    expect(fake.requests[0]?.body).not.toHaveProperty("language");
  });

  it("retries a 429 within its budget and then succeeds", async () => {
    fake.faults.push({ kind: "status", status: 429 }, 2);
    const chunks = await collect(
      tts().synthesize("Hello there.", { voice: "magnus", language: "en", signal: signal() }),
    );
    expect(concat(chunks).length).toBe(fake.audioFor("Hello there.").length);
    expect(fake.requests.map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it("shares the account's single concurrency slot between overlapping sentences", async () => {
    fake.concurrencyLimit = 1;
    const provider = tts();
    const [a, b] = await Promise.all([
      collect(provider.synthesize("First sentence.", { voice: "magnus", language: "en", signal: signal() })),
      collect(provider.synthesize("Second sentence.", { voice: "magnus", language: "en", signal: signal() })),
    ]);
    expect(concat(a).equals(Buffer.from(fake.audioFor("First sentence.")))).toBe(true);
    expect(concat(b).equals(Buffer.from(fake.audioFor("Second sentence.")))).toBe(true);
    expect(fake.requests.some((r) => r.status === 429)).toBe(true);
    expect(fake.peakConcurrency).toBe(1);
  });

  it("gives up on a persistent outage once the retry budget is spent", async () => {
    fake.faults.push({ kind: "status", status: 503 }, Infinity);
    const started = Date.now();
    const error = await collect(
      tts({ retryBudgetMs: 600 }).synthesize("Hello.", { voice: "magnus", language: "en", signal: signal() }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ stage: "tts", kind: "unavailable" });
    expect(fake.requests.length).toBeGreaterThan(1);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("does not retry a rejected key", async () => {
    const error = await collect(
      tts({ apiKey: "sk_wrong" }).synthesize("Hello.", { voice: "magnus", language: "en", signal: signal() }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ stage: "tts", kind: "auth" });
    expect(fake.requests).toHaveLength(1);
  });

  it("stops the request when the signal aborts mid-sentence", async () => {
    fake.chunkIntervalMs = 50;
    const controller = new AbortController();
    const chunks: Uint8Array[] = [];
    const error = await (async () => {
      for await (const chunk of tts().synthesize("A long answer ".repeat(10), {
        voice: "magnus",
        language: "en",
        signal: controller.signal,
      })) {
        chunks.push(chunk);
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "AbortError" });
    expect(chunks).toHaveLength(1);
    await waitFor(() => fake.activeRequests === 0);
    expect(fake.requests[0]).toMatchObject({ isAborted: true, isComplete: false });
  });

  it("frees the server's slot when the consumer stops listening early", async () => {
    fake.chunkIntervalMs = 50;
    for await (const _chunk of tts().synthesize("Another long answer ".repeat(10), {
      voice: "magnus",
      language: "en",
      signal: signal(),
    })) {
      break;
    }
    await waitFor(() => fake.activeRequests === 0);
    expect(fake.requests[0]?.isAborted).toBe(true);
  });

  it("fails without retrying when the stream breaks after audio was played", async () => {
    fake.faults.push({ kind: "disconnect", afterChunks: 2 });
    const chunks: Uint8Array[] = [];
    const error = await (async () => {
      for await (const chunk of tts().synthesize("Cut off in the middle of this.", {
        voice: "magnus",
        language: "en",
        signal: signal(),
      })) {
        chunks.push(chunk);
      }
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ stage: "tts", kind: "unavailable" });
    expect(chunks).toHaveLength(2);
    expect(fake.requests).toHaveLength(1);
  });

  it("times out a request that never answers", async () => {
    fake.faults.push({ kind: "hang" });
    const error = await collect(
      tts({ firstByteTimeoutMs: 200 }).synthesize("Hello?", { voice: "magnus", language: "en", signal: signal() }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ stage: "tts", kind: "timeout" });
    await waitFor(() => fake.activeRequests === 0);
  });

  it("strips a WAV header if the service wraps the mu-law in one", async () => {
    const payload = Buffer.from([1, 2, 3, 4, 5, 6]);
    const wav = Buffer.alloc(44);
    wav.write("RIFF", 0, "latin1");
    wav.writeUInt32LE(36 + payload.length, 4);
    wav.write("WAVEfmt ", 8, "latin1");
    wav.writeUInt32LE(16, 16);
    wav.write("data", 36, "latin1");
    wav.writeUInt32LE(payload.length, 40);
    const whole = Buffer.concat([wav, payload]);
    const server = createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      // The header is split across events on purpose.
      res.write(`data: ${JSON.stringify({ audio: whole.subarray(0, 20).toString("base64") })}\n\n`);
      res.write(`data: ${JSON.stringify({ audio: whole.subarray(20).toString("base64") })}\n\n`);
      res.end(`data: {"done":true}\n\n`);
    });
    const listening = await listenLocal(server);
    try {
      const provider = createSmallestTts({ apiKey: "k", baseUrl: `http://127.0.0.1:${listening.port}` });
      const chunks = await collect(provider.synthesize("x", { voice: "magnus", language: "en", signal: signal() }));
      expect(concat(chunks)).toEqual(payload);
    } finally {
      await listening.close();
    }
  });

  it("lists the voices of its model", async () => {
    const voices = await tts({ model: "lightning_v3.1_pro" }).voices();
    expect(voices).toContainEqual({ id: "meher", name: "Meher", language: "en", gender: "female" });
    expect(voices.map((v) => v.id)).not.toContain("magnus");
    const standard = await tts().voices();
    expect(standard).toContainEqual({ id: "marcos", name: "Marcos", language: "es", gender: "male" });
  });
});
