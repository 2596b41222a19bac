import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeDeepgram } from "@/tests/fakes/deepgram";
import { mulawSilence, speechLikeMulaw } from "@/tests/fakes/faults";
import { ProviderError, type TSttEvent, type TSttStream } from "../types";
import { createDeepgramStt } from "./deepgram";

let fake: FakeDeepgram;
const streams: TSttStream[] = [];

beforeEach(async () => {
  fake = await FakeDeepgram.start({ apiKey: "dg-key", finalLatencyMs: 20 });
});

afterEach(async () => {
  await Promise.all(streams.splice(0).map((stream) => stream.close()));
  await fake.close();
});

function provider(overrides: Partial<Parameters<typeof createDeepgramStt>[0]> = {}) {
  return createDeepgramStt({ apiKey: "dg-key", baseUrl: fake.url, ...overrides });
}

async function open(overrides: Partial<Parameters<typeof createDeepgramStt>[0]> = {}, signal?: AbortSignal) {
  const stream = await provider(overrides).open({
    language: "en-US",
    phrases: ["billing", "opening hours", "billing", "  "],
    signal: signal ?? new AbortController().signal,
  });
  streams.push(stream);
  return stream;
}

// Twilio sends 20 ms frames; the test sends them as fast as it can.
function pushAudio(stream: TSttStream, audio: Uint8Array) {
  for (let i = 0; i < audio.length; i += 160) stream.push(audio.subarray(i, i + 160));
}

function speak(stream: TSttStream, speechMs: number, silenceMs: number) {
  pushAudio(stream, speechLikeMulaw(speechMs, speechMs));
  pushAudio(stream, mulawSilence(silenceMs));
}

async function nextMatching(
  iterator: AsyncIterator<TSttEvent>,
  predicate: (event: TSttEvent) => boolean,
  seen: TSttEvent[] = [],
): Promise<TSttEvent> {
  for (;;) {
    const result = await iterator.next();
    if (result.done) throw new Error(`event stream ended; saw ${JSON.stringify(seen)}`);
    seen.push(result.value);
    if (predicate(result.value)) return result.value;
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 5000) {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("createDeepgramStt", () => {
  it("Deepgram receives exactly the caller's audio, byte for byte, though one buffer is refilled for every message", async () => {
    const stream = await open();
    // 3 s of 20 ms frames (15 messages) where every frame differs from the one before.
    const audio = Uint8Array.from({ length: 3000 * 8 }, (_, i) => (i * 31 + Math.floor(i / 160) * 7) % 256);
    pushAudio(stream, audio);
    await stream.close();
    // The fake hashes what it received when CloseStream arrives. On a busy machine its Metadata answer can come after
    // close() stopped waiting (1 s), so the test reads the fake's own record rather than that message.
    await waitFor(() => fake.connections[0]?.audioSha256 !== undefined);
    expect(fake.connections[0]?.audioBytes).toBe(audio.length);
    expect(fake.connections[0]?.audioSha256).toBe(createHash("sha256").update(audio).digest("hex"));
  });

  it("streams caller audio and returns the transcript of the turn on finalize", async () => {
    fake.transcripts = ["I'd like to book a table for four."];
    const stream = await open();
    const events = stream.events[Symbol.asyncIterator]();
    speak(stream, 1600, 100);
    stream.finalize();
    const seen: TSttEvent[] = [];
    const final = await nextMatching(events, (e) => e.type === "final", seen);
    expect(final).toEqual({ type: "final", text: "I'd like to book a table for four.", isFromFinalize: true });
    expect(seen.some((e) => e.type === "interim" && e.text.startsWith("I'd like"))).toBe(true);

    const connection = fake.connections[0];
    expect(connection?.headers.authorization).toBe("Token dg-key");
    const query = connection?.query;
    expect(query?.get("encoding")).toBe("mulaw");
    expect(query?.get("sample_rate")).toBe("8000");
    expect(query?.get("model")).toBe("nova-3");
    expect(query?.get("interim_results")).toBe("true");
    expect(query?.get("vad_events")).toBe("true");
    expect(query?.getAll("keyterm")).toEqual(["billing", "opening hours"]);
    expect(connection?.audioBytes).toBe(1700 * 8);
    // 20 ms frames go out in 200 ms messages (8 of 1700 ms), and the 100 ms tail before Finalize is not held back.
    expect(connection?.audioFrames).toBe(9);
    expect(connection?.controls).toEqual([{ type: "Finalize" }]);
    expect(connection?.invalidTextFrames).toEqual([]);
  });

  it("passes Deepgram's end-of-speech signals on: speech_final as a final, UtteranceEnd as utterance-end", async () => {
    fake.transcripts = ["Hello there.", "I need to change my booking."];
    const stream = await open();
    const events = stream.events[Symbol.asyncIterator]();
    // First utterance ends by endpointing and UtteranceEnd before the session decides the turn is over.
    speak(stream, 800, 1200);
    speak(stream, 900, 400);
    await waitFor(() => (fake.connections[0]?.sent ?? []).filter((m) => m.speech_final === true).length === 2);
    const seen: TSttEvent[] = [];
    expect(await nextMatching(events, (e) => e.type === "final", seen)).toEqual({
      type: "final",
      text: "Hello there.",
      isFromFinalize: false,
      isSpeechFinal: true,
    });
    await nextMatching(events, (e) => e.type === "utterance-end", seen);
    expect(await nextMatching(events, (e) => e.type === "final", seen)).toMatchObject({ text: "I need to change my booking.", isSpeechFinal: true });
    // The answer to a finalize carries only the words no final has carried yet (none here).
    stream.finalize();
    const final = await nextMatching(events, (e) => e.type === "final");
    expect(final).toEqual({ type: "final", text: "", isFromFinalize: true });

    // The next turn starts empty.
    fake.enqueue("Thanks.");
    speak(stream, 600, 100);
    stream.finalize();
    expect(await nextMatching(events, (e) => e.type === "final")).toMatchObject({ text: "Thanks." });
  });

  it("answers a finalize Deepgram never answers, after its timeout, with what is not yet final (here nothing)", async () => {
    fake.transcripts = ["Is anyone there?"];
    const stream = await open({ finalizeTimeoutMs: 300 });
    const events = stream.events[Symbol.asyncIterator]();
    speak(stream, 800, 500);
    // The words came with Deepgram's speech_final; then it goes silent.
    expect(await nextMatching(events, (e) => e.type === "final")).toEqual({
      type: "final",
      text: "Is anyone there?",
      isFromFinalize: false,
      isSpeechFinal: true,
    });
    fake.isResponding = false;
    stream.finalize();
    expect(await nextMatching(events, (e) => e.type === "final")).toEqual({ type: "final", text: "", isFromFinalize: true });
  });

  it("rejects a bad API key at the handshake as an auth error", async () => {
    const error = await provider({ apiKey: "wrong" })
      .open({ language: "en-US", phrases: [], signal: new AbortController().signal })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ stage: "stt", kind: "auth" });
  });

  it("reports an unreachable service as unavailable", async () => {
    fake.refuseHandshakes(503);
    const error = await provider()
      .open({ language: "en-US", phrases: [], signal: new AbortController().signal })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ stage: "stt", kind: "unavailable" });
  });

  it("reconnects once after the server drops the stream and keeps transcribing", async () => {
    fake.transcripts = ["Can you hear me now?"];
    const stream = await open();
    const events = stream.events[Symbol.asyncIterator]();
    fake.dropConnections(1011, "NET-0000");
    const dropped = await nextMatching(events, (e) => e.type === "error");
    expect(dropped).toMatchObject({ type: "error", isFatal: false });
    await waitFor(() => fake.openConnections === 1 && fake.connections.length === 2);
    speak(stream, 1000, 100);
    stream.finalize();
    expect(await nextMatching(events, (e) => e.type === "final")).toMatchObject({ text: "Can you hear me now?" });
    expect(fake.connections[1]?.audioBytes).toBe(1100 * 8);
  });

  it("gives up with a fatal error when the reconnect fails", async () => {
    const stream = await open();
    const events = stream.events[Symbol.asyncIterator]();
    fake.refuseHandshakes(503, 5);
    fake.dropConnections(1011, "NET-0000");
    const seen: TSttEvent[] = [];
    const fatal = await nextMatching(events, (e) => e.type === "error" && e.isFatal, seen);
    expect(fatal.type === "error" && fatal.error).toMatchObject({ stage: "stt", kind: "unavailable" });
    expect(seen.filter((e) => e.type === "error")).toHaveLength(2);
    expect((await events.next()).done).toBe(true);
  });

  it("treats a second drop soon after the first as fatal", async () => {
    const stream = await open();
    const events = stream.events[Symbol.asyncIterator]();
    fake.dropConnections();
    await nextMatching(events, (e) => e.type === "error" && !e.isFatal);
    await waitFor(() => fake.openConnections === 1);
    fake.dropConnections();
    const fatal = await nextMatching(events, (e) => e.type === "error");
    expect(fatal).toMatchObject({ isFatal: true });
  });

  it("sends KeepAlive as a text frame while no audio flows", async () => {
    await open({ keepAliveIntervalMs: 100 });
    await waitFor(() => (fake.connections[0]?.controls ?? []).some((c) => c.type === "KeepAlive"));
    expect(fake.connections[0]?.invalidTextFrames).toEqual([]);
    expect(fake.connections[0]?.closed).toBeUndefined();
  });

  it("close() sends CloseStream and Deepgram closes the socket normally", async () => {
    const stream = await open();
    const iterator = stream.events[Symbol.asyncIterator]();
    await stream.close();
    expect(fake.connections[0]?.controls).toContainEqual({ type: "CloseStream" });
    await waitFor(() => fake.connections[0]?.closed !== undefined);
    expect(fake.connections[0]?.closed).toMatchObject({ code: 1000, by: "server" });
    expect(fake.connections[0]?.sent.some((m) => m.type === "Metadata")).toBe(true);
    expect((await iterator.next()).done).toBe(true);
  });

  it("closes when the session's signal aborts", async () => {
    const controller = new AbortController();
    const stream = await open({}, controller.signal);
    const iterator = stream.events[Symbol.asyncIterator]();
    controller.abort();
    expect((await iterator.next()).done).toBe(true);
    await waitFor(() => fake.openConnections === 0);
  });
});
