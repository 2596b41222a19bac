import { afterEach, describe, expect, it } from "vitest";
import { createGeminiLlm } from "@/voice-server/providers/llm/gemini";
import { createDeepgramStt } from "@/voice-server/providers/stt/deepgram";
import { createSmallestTts } from "@/voice-server/providers/tts/smallest";
import { FakeDeepgram } from "./deepgram";
import { mulawSilence, speechLikeMulaw } from "./faults";
import { FakeGemini } from "./gemini";
import { FakeSmallest } from "./smallest";

// The end-to-end suite and the benchmark run hundreds of calls against one set of fakes at once: every call
// must get its own answers and nothing may stay open afterwards.

const CALLS = 200;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

describe("fakes under concurrent calls", () => {
  it(
    `serves ${CALLS} simultaneous STT, LLM and TTS conversations without mixing them up`,
    { timeout: 90_000 },
    async () => {
      const deepgram = await FakeDeepgram.start({
        apiKey: "k",
        finalLatencyMs: 20,
        transcripts: ({ connectionIndex }) => `caller number ${connectionIndex}`,
      });
      const gemini = await FakeGemini.start({
        firstTokenLatencyMs: 20,
        interChunkDelayMs: 5,
        respond: ({ lastUserText }) => `Hello ${lastUserText}, how can I help you today?`,
      });
      const smallest = await FakeSmallest.start({ firstByteLatencyMs: 20, chunkIntervalMs: 5 });
      closers.push(
        () => deepgram.close(),
        () => gemini.close(),
        () => smallest.close(),
      );
      // Correctness under load, not speed (that is the benchmark's job): timeouts are out of the way.
      const stt = createDeepgramStt({
        apiKey: "k",
        baseUrl: deepgram.url,
        connectTimeoutMs: 60_000,
        finalizeTimeoutMs: 60_000,
      });
      const llm = createGeminiLlm({ apiKey: "test-gemini-key", baseUrl: gemini.url, firstTokenTimeoutMs: 60_000 });
      const tts = createSmallestTts({ apiKey: "sk_test", baseUrl: smallest.url, firstByteTimeoutMs: 60_000 });
      const audio = Buffer.concat([speechLikeMulaw(800, 3), mulawSilence(100)]);

      const results = await Promise.all(
        Array.from({ length: CALLS }, async () => {
          const signal = new AbortController().signal;
          const stream = await stt.open({ language: "en-US", phrases: [], signal });
          const events = stream.events[Symbol.asyncIterator]();
          for (let i = 0; i < audio.length; i += 160) stream.push(audio.subarray(i, i + 160));
          stream.finalize();
          let heard = "";
          for (;;) {
            const next = await events.next();
            if (next.done) throw new Error("STT ended early");
            if (next.value.type === "final") {
              heard = next.value.text;
              break;
            }
          }
          let answer = "";
          for await (const event of llm.stream({
            system: "Be brief.",
            agent: {} as never,
            messages: [{ role: "caller", text: heard }],
            tools: [],
            signal,
          })) {
            if (event.type === "text") answer += event.text;
          }
          let audioBytes = 0;
          for await (const chunk of tts.synthesize(answer, { voice: "default", language: "en", signal })) {
            audioBytes += chunk.length;
          }
          await stream.close();
          return { heard, answer, audioBytes, expectedBytes: smallest.audioMsFor(answer) * 8 };
        }),
      );

      const heard = new Set(results.map((r) => r.heard));
      expect(heard.size).toBe(CALLS);
      for (const result of results) {
        expect(result.heard).toMatch(/^caller number \d+$/);
        expect(result.answer).toBe(`Hello ${result.heard}, how can I help you today?`);
        expect(result.audioBytes).toBe(result.expectedBytes);
      }
      await expect.poll(() => deepgram.openConnections).toBe(0);
      expect(smallest.activeRequests).toBe(0);
      expect(smallest.peakConcurrency).toBeGreaterThan(1);
    },
  );
});
