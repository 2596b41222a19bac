import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { splitFrames } from "@/voice-server/audio/frames";
import { FRAME_BYTES, MULAW_DECODE_TABLE, MULAW_SILENCE, encodeMulaw } from "@/lib/audio/mulaw";
import { resample } from "@/voice-server/audio/resample";
import { readWavFile } from "@/lib/audio/wav";
import { SpeechDetector, createVad, type TSpeechEvent } from "./vad";

const dir = mkdtempSync(path.join(tmpdir(), "vad-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function espeakPcm8k(text: string): Promise<Int16Array> {
  const file = path.join(dir, `${text.length}-${Date.now()}.wav`);
  execFileSync("espeak-ng", ["-v", "en-us", "-s", "160", "-w", file, text]);
  const { sampleRate, samples } = await readWavFile(file);
  return resample(samples, sampleRate, 8000);
}

// Where the sound really is: first and last 20 ms frame with clearly audible energy.
function audibleSpanMs(pcm: Int16Array): { startMs: number; endMs: number } {
  let first = -1;
  let last = -1;
  for (let f = 0; f * 160 < pcm.length; f++) {
    let sum = 0;
    const end = Math.min(pcm.length, (f + 1) * 160);
    for (let i = f * 160; i < end; i++) sum += pcm[i]! * pcm[i]!;
    if (Math.sqrt(sum / (end - f * 160)) > 300) {
      if (first < 0) first = f;
      last = f;
    }
  }
  return { startMs: first * 20, endMs: (last + 1) * 20 };
}

function decodeOne(byte: number): number {
  return MULAW_DECODE_TABLE[byte]!;
}

function silence(ms: number): Uint8Array {
  return new Uint8Array((ms / 1000) * 8000).fill(MULAW_SILENCE);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// Deterministic uniform noise so the test never depends on luck.
function noise(ms: number, amplitude: number, seed = 7): Uint8Array {
  let state = seed;
  const pcm = new Int16Array((ms / 1000) * 8000);
  for (let i = 0; i < pcm.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    pcm[i] = Math.round((state / 2 ** 32 - 0.5) * 2 * amplitude);
  }
  return encodeMulaw(pcm);
}

async function detect(audio: Uint8Array, config = { minSpeechMs: 100, endSilenceMs: 600 }): Promise<TSpeechEvent[]> {
  const vad = await createVad();
  const detector = new SpeechDetector(vad, config);
  const events: TSpeechEvent[] = [];
  for (const frame of splitFrames(audio)) {
    const event = detector.push(frame);
    if (event) events.push(event);
  }
  vad.close();
  return events;
}

describe("createVad", () => {
  it("rejects frames of the wrong size and use after close", async () => {
    const vad = await createVad();
    expect(() => vad.process(new Uint8Array(100))).toThrow(/80, 160 or 240/);
    expect(vad.process(new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE))).toBe(false);
    vad.close();
    vad.close();
    expect(() => vad.process(new Uint8Array(FRAME_BYTES))).toThrow(/after close/);
  });
});

describe("SpeechDetector on real speech", () => {
  let a: Int16Array;
  let b: Int16Array;
  beforeAll(async () => {
    a = await espeakPcm8k("Hello, I would like to book an appointment for tomorrow morning.");
    b = await espeakPcm8k("Can you tell me your opening hours?");
  });

  it("finds both sentences with start and end near the true boundaries", async () => {
    const spanA = audibleSpanMs(a);
    const spanB = audibleSpanMs(b);
    const offsetB = 1000 + a.length / 8 + 1500;
    const events = await detect(concat([silence(1000), encodeMulaw(a), silence(1500), encodeMulaw(b), silence(1000)]));

    expect(events.map((e) => e.type)).toEqual(["speech-start", "speech-end", "speech-start", "speech-end"]);
    const [startA, endA, startB, endB] = events as [TSpeechEvent, TSpeechEvent, TSpeechEvent, TSpeechEvent];
    expect(Math.abs(startA.startMs - (1000 + spanA.startMs))).toBeLessThanOrEqual(200);
    expect(Math.abs(startB.startMs - (offsetB + spanB.startMs))).toBeLessThanOrEqual(200);
    if (endA.type !== "speech-end" || endB.type !== "speech-end") throw new Error("unreachable");
    // The end is the last frame with sound (within a frame or two: B is not frame-aligned and its quiet tail is
    // below the loudness audibleSpanMs looks for), not where the VAD's hangover lets go, up to 100 ms later.
    // Every ms of error here is a ms added to each reply.
    for (const [end, trueEndMs] of [[endA, 1000 + spanA.endMs], [endB, offsetB + spanB.endMs]] as const) {
      expect(end.endMs - trueEndMs).toBeGreaterThanOrEqual(-20);
      expect(end.endMs - trueEndMs).toBeLessThanOrEqual(45);
    }
    // The end is announced once the configured silence has passed, not before.
    expect(endA.atMs - endA.endMs).toBeGreaterThanOrEqual(600);
    // Barge-in fires soon after speech begins.
    expect(startA.atMs - startA.startMs).toBeLessThan(400);
  });

  it("dates the end of speech from the last frame with sound on a noisy line too", async () => {
    const span = audibleSpanMs(a);
    const line = noise(1000 + a.length / 8 + 1500, 120);
    const pcm = new Int16Array(line.length);
    pcm.set(a, 8000);
    const mixed = new Uint8Array(line.length);
    for (let i = 0; i < line.length; i++) {
      const sum = (pcm[i] ?? 0) + decodeOne(line[i]!);
      mixed[i] = encodeMulaw(new Int16Array([Math.max(-32768, Math.min(32767, sum))]))[0]!;
    }
    const events = await detect(mixed);
    expect(events.map((e) => e.type)).toEqual(["speech-start", "speech-end"]);
    const end = events[1]!;
    if (end.type !== "speech-end") throw new Error("unreachable");
    expect(Math.abs(end.endMs - (1000 + span.endMs))).toBeLessThanOrEqual(40);
  });

  it("needs minSpeechMs of speech before speech-start", async () => {
    const events = await detect(concat([silence(500), encodeMulaw(a), silence(1000)]), {
      minSpeechMs: 400,
      endSilenceMs: 600,
    });
    const start = events[0];
    expect(start?.type).toBe("speech-start");
    expect(start!.atMs - start!.startMs).toBeGreaterThanOrEqual(400);
  });

  it("keeps one utterance across pauses shorter than endSilenceMs", async () => {
    const events = await detect(concat([silence(500), encodeMulaw(a), silence(300), encodeMulaw(b), silence(1000)]), {
      minSpeechMs: 100,
      endSilenceMs: 800,
    });
    expect(events.map((e) => e.type)).toEqual(["speech-start", "speech-end"]);
  });
});

describe("SpeechDetector on non-speech", () => {
  it("stays quiet on digital silence", async () => {
    expect(await detect(silence(5000))).toEqual([]);
  });

  it("stays quiet on low white noise", async () => {
    expect(await detect(noise(5000, 300))).toEqual([]);
  });
});

describe("SpeechDetector state machine", () => {
  const run = (pattern: string, config = { minSpeechMs: 60, endSilenceMs: 100 }) => {
    const detector = new SpeechDetector(null, config);
    const events: TSpeechEvent[] = [];
    for (const c of pattern) {
      const e = detector.pushDecision(c === "x");
      if (e) events.push(e);
    }
    return events;
  };

  it("ignores isolated speech frames", () => {
    expect(run("....x....x....x....x....")).toEqual([]);
  });

  it("reports where speech began, not where it was confirmed", () => {
    expect(run("..xxxx......")).toEqual([
      { type: "speech-start", startMs: 40, atMs: 100 },
      { type: "speech-end", startMs: 40, endMs: 120, atMs: 220 },
    ]);
  });

  it("a single noisy frame during the end silence does not postpone the end", () => {
    const events = run("xxxx..x..");
    expect(events[1]).toEqual({ type: "speech-end", startMs: 0, endMs: 80, atMs: 180 });
  });

  it("two speech frames in a row do keep the utterance going", () => {
    const events = run("xxxx..xx.....");
    expect(events[1]).toEqual({ type: "speech-end", startMs: 0, endMs: 160, atMs: 260 });
  });
});
