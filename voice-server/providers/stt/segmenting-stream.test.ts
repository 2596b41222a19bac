import { afterEach, describe, expect, it } from "vitest";
import { encodeMulaw, FRAME_BYTES, MULAW_SAMPLE_RATE } from "@/lib/audio/mulaw";
import type { TSttEvent } from "@/voice-server/providers/types";
import { SegmentingStream, Slots } from "./segmenting-stream";

// The part every offline recogniser shares, with a decoder that only records what it was given: where a turn is
// cut, when segments are sent off (while the caller is still speaking), and what the final says.

type TDecoded = { ms: number; voicedFrames: number; atPushedMs: number };

class RecordingStream extends SegmentingStream {
  readonly decoded: TDecoded[] = [];
  pushedMs = 0;
  failNext = false;
  // Each segment is "heard" as the word given for its index, after a delay.
  constructor(
    private readonly wordsBySegment: string[],
    signal = new AbortController().signal,
    private readonly delayMs = 0,
  ) {
    super({ minSegmentMs: 4000, maxSegmentMs: 6000 }, signal);
  }

  protected async decode(segment: Uint8Array, voicedFrames: number): Promise<string> {
    const index = this.decoded.length;
    this.decoded.push({ ms: (segment.length * 1000) / MULAW_SAMPLE_RATE, voicedFrames, atPushedMs: this.pushedMs });
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failNext) {
      this.failNext = false;
      throw new Error("decoder failed");
    }
    return voicedFrames === 0 ? "" : (this.wordsBySegment[index] ?? "");
  }

  // As a call pushes it: every 20 ms frame, the line's quiet before the caller speaks included.
  feed(audio: Uint8Array): void {
    for (let at = 0; at < audio.length; at += FRAME_BYTES) {
      this.push(audio.subarray(at, at + FRAME_BYTES));
      this.pushedMs += 20;
    }
  }
}

// Faint line noise, or a loud 300 Hz tone in 4 Hz syllables (dipping to the noise between them, as speech does)
// standing in for speech.
function audio(ms: number, kind: "noise" | "voice"): Uint8Array {
  const samples = new Int16Array((ms * MULAW_SAMPLE_RATE) / 1000);
  let seed = 7;
  for (let i = 0; i < samples.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const noise = ((seed / 0x7fffffff) * 2 - 1) * 30;
    const syllable = Math.max(0, Math.sin((2 * Math.PI * 4 * i) / MULAW_SAMPLE_RATE));
    const voice = 6000 * syllable * Math.sin((2 * Math.PI * 300 * i) / MULAW_SAMPLE_RATE);
    samples[i] = Math.round(kind === "voice" ? voice + noise : noise);
  }
  return encodeMulaw(samples);
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

async function nextFinal(events: AsyncIterator<TSttEvent>): Promise<{ final: TSttEvent; errors: TSttEvent[] }> {
  const errors: TSttEvent[] = [];
  for (;;) {
    const { value, done } = await events.next();
    if (done) throw new Error("events ended before a final");
    if (value.type === "final") return { final: value, errors };
    errors.push(value);
  }
}

const streams: SegmentingStream[] = [];
afterEach(async () => {
  await Promise.all(streams.splice(0).map((s) => s.close()));
});
function make(...args: ConstructorParameters<typeof RecordingStream>): RecordingStream {
  const stream = new RecordingStream(...args);
  streams.push(stream);
  return stream;
}

describe("SegmentingStream", () => {
  it("decodes a short turn whole, with the line noise before it cut to a second", async () => {
    const stream = make(["hello"]);
    const events = stream.events[Symbol.asyncIterator]();
    stream.feed(concat(audio(5000, "noise"), audio(1500, "voice"), audio(300, "noise")));
    expect(stream.decoded).toEqual([]);
    stream.finalize();
    expect(await nextFinal(events)).toMatchObject({ final: { type: "final", text: "hello" }, errors: [] });
    expect(stream.decoded).toHaveLength(1);
    expect(stream.decoded[0]!.ms).toBeLessThanOrEqual(2000 + 1500 + 300);
    expect(stream.decoded[0]!.voicedFrames).toBeGreaterThanOrEqual(25);
  });

  it("sends a long turn's segments off at the caller's pauses while the caller goes on, and joins them in order", async () => {
    const stream = make(["one", "two", "three"]);
    const events = stream.events[Symbol.asyncIterator]();
    const phrase = concat(audio(4200, "voice"), audio(400, "noise"));
    stream.feed(concat(audio(500, "noise"), phrase, phrase, phrase));
    // Each phrase was cut off at the pause after it (so no segment is shorter than a phrase), the first while the
    // second phrase was being spoken: by the end of the turn all three are on their way.
    expect(stream.decoded).toHaveLength(3);
    for (const d of stream.decoded) expect(d.ms).toBeGreaterThanOrEqual(4200);
    expect(stream.decoded[0]!.atPushedMs).toBeLessThan(500 + 4600 + 500);
    stream.finalize();
    const { final } = await nextFinal(events);
    expect(final).toMatchObject({ text: "one two three" });
  });

  it("cuts a turn with no pause at its maximum length, so the final never waits on more than that", async () => {
    const stream = make(["a", "b", "c", "d"]);
    stream.feed(concat(audio(500, "noise"), audio(16_000, "voice")));
    expect(stream.decoded.length).toBeGreaterThanOrEqual(2);
    stream.finalize();
    for (const d of stream.decoded) expect(d.ms).toBeLessThanOrEqual(6000);
    expect(stream.decoded.reduce((n, d) => n + d.ms, 0)).toBeGreaterThanOrEqual(16_000);
  });

  it("says a turn with speech but no words is unrecognized, and one of line noise is not", async () => {
    const stream = make([""]);
    const events = stream.events[Symbol.asyncIterator]();
    stream.feed(concat(audio(500, "noise"), audio(800, "voice")));
    stream.finalize();
    expect((await nextFinal(events)).final).toMatchObject({ text: "", isUnrecognized: true });
    stream.feed(audio(1000, "noise"));
    stream.finalize();
    const quiet = (await nextFinal(events)).final;
    expect(quiet).toMatchObject({ text: "" });
    expect(quiet).not.toHaveProperty("isUnrecognized");
  });

  it("keeps finals in turn order, and a failed segment is an error event and a final with nothing heard", async () => {
    const stream = make(["first", "second"], undefined, 30);
    const events = stream.events[Symbol.asyncIterator]();
    stream.feed(concat(audio(500, "noise"), audio(800, "voice")));
    stream.failNext = true;
    stream.finalize();
    stream.feed(audio(800, "voice"));
    stream.finalize();
    const a = await nextFinal(events);
    expect(a.errors).toMatchObject([{ type: "error", isFatal: false }]);
    expect(a.final).toMatchObject({ text: "", isUnrecognized: true });
    expect((await nextFinal(events)).final).toMatchObject({ text: "second" });
  });

  it("ends its events when the call's signal aborts", async () => {
    const controller = new AbortController();
    const stream = make(["never"], controller.signal, 50);
    const events = stream.events[Symbol.asyncIterator]();
    stream.feed(audio(800, "voice"));
    stream.finalize();
    controller.abort();
    expect(await events.next()).toEqual({ value: undefined, done: true });
  });
});

describe("Slots", () => {
  it("runs at most `size` at once and hands a freed slot to the next waiter", async () => {
    const slots = new Slots(2);
    const signal = new AbortController().signal;
    const a = await slots.acquire(signal);
    await slots.acquire(signal);
    let isThirdIn = false;
    const third = slots.acquire(signal).then((release) => {
      isThirdIn = true;
      return release;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(isThirdIn).toBe(false);
    a();
    a(); // a second release of the same slot frees nothing more
    await third;
    expect(isThirdIn).toBe(true);
    const waiting = new AbortController();
    const fourth = slots.acquire(waiting.signal);
    waiting.abort(new Error("call ended"));
    await expect(fourth).rejects.toThrow("call ended");
  });
});
