import { readFile } from "node:fs/promises";
import { FRAME_BYTES, MULAW_DECODE_TABLE, MULAW_SAMPLE_RATE, MULAW_SILENCE, encodeMulaw } from "@/lib/audio/mulaw";
import { resample } from "@/voice-server/audio/resample";
import { parseWav, type TPcmAudio } from "@/lib/audio/wav";
import { createEspeakTts } from "@/voice-server/providers/tts/espeak";

// The simulated caller's voice: script lines synthesized offline (the voice server's own eSpeak engine) or WAV files, turned into
// Twilio-ready 20 ms mu-law frames with their base64 payloads computed once, so hundreds of simulated callers
// cost a string template per frame and nothing else.

// RMS (linear int16) above which a 20 ms frame counts as speech. Digital silence is 0; espeak's quietest
// voiced frames sit well above 300; line noise on a real call stays under 100.
export const VOICED_RMS = 200;

const SQUARES: Float64Array = (() => {
  const table = new Float64Array(256);
  for (let b = 0; b < 256; b++) table[b] = MULAW_DECODE_TABLE[b]! * MULAW_DECODE_TABLE[b]!;
  return table;
})();

export function mulawRms(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (end <= start) return 0;
  let sum = 0;
  for (let i = start; i < end; i++) sum += SQUARES[bytes[i]!]!;
  return Math.sqrt(sum / (end - start));
}

export function isVoiced(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  return mulawRms(bytes, start, end) >= VOICED_RMS;
}

export type TCallerUtterance = {
  label: string; // the text, or the WAV path
  frames: Uint8Array[]; // 160 bytes each; starts and ends with speech (silence around it trimmed)
  payloads: string[]; // base64 of each frame
  isVoiced: boolean[];
  durationMs: number;
};

export const SILENCE_FRAME: Uint8Array = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);
export const SILENCE_PAYLOAD: string = Buffer.from(SILENCE_FRAME).toString("base64");

export function utteranceFromMulaw(label: string, mulaw: Uint8Array): TCallerUtterance {
  const all: Uint8Array[] = [];
  for (let offset = 0; offset < mulaw.length; offset += FRAME_BYTES) {
    const frame = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);
    frame.set(mulaw.subarray(offset, Math.min(mulaw.length, offset + FRAME_BYTES)));
    all.push(frame);
  }
  const voiced = all.map((frame) => isVoiced(frame));
  const first = voiced.indexOf(true);
  const last = voiced.lastIndexOf(true);
  if (first < 0) throw new Error(`Caller audio "${label}" is silent: nothing to say`);
  const frames = all.slice(first, last + 1);
  return {
    label,
    frames,
    payloads: frames.map((frame) => Buffer.from(frame).toString("base64")),
    isVoiced: voiced.slice(first, last + 1),
    durationMs: frames.length * 20,
  };
}

export function pcmToMulaw8k(audio: TPcmAudio): Uint8Array {
  const samples = audio.sampleRate === MULAW_SAMPLE_RATE ? audio.samples : resample(audio.samples, audio.sampleRate, MULAW_SAMPLE_RATE);
  return encodeMulaw(samples);
}

export type TCallerVoiceOptions = {
  voice?: string; // eSpeak voice id, e.g. "en-us" or "en-us+f3"
  language?: string;
  wordsPerMinute?: number;
};

// Same text, same audio: synthesized once per process.
export class CallerVoice {
  private readonly voice: string;
  private readonly language: string;
  private readonly wordsPerMinute: number;
  private readonly tts = new Map<number, ReturnType<typeof createEspeakTts>>();
  private readonly cache = new Map<string, Promise<TCallerUtterance>>();

  constructor(options: TCallerVoiceOptions = {}) {
    this.voice = options.voice ?? "en-us";
    this.language = options.language ?? "en-US";
    this.wordsPerMinute = options.wordsPerMinute ?? 160;
  }

  // At the voice's own rate unless `wordsPerMinute` is given for this line.
  say(text: string, wordsPerMinute = this.wordsPerMinute): Promise<TCallerUtterance> {
    const trimmed = text.trim();
    if (!trimmed) return Promise.reject(new Error("Cannot say an empty line"));
    return this.cached(`say:${wordsPerMinute}:${trimmed}`, async () => {
      let tts = this.tts.get(wordsPerMinute);
      if (!tts) this.tts.set(wordsPerMinute, (tts = createEspeakTts({ rateWpm: wordsPerMinute })));
      const chunks: Uint8Array[] = [];
      const signal = AbortSignal.timeout(30_000);
      for await (const chunk of tts.synthesize(trimmed, { voice: this.voice, language: this.language, signal })) chunks.push(chunk);
      return utteranceFromMulaw(trimmed, Buffer.concat(chunks));
    });
  }

  wav(path: string): Promise<TCallerUtterance> {
    return this.cached(`wav:${path}`, async () => {
      let bytes: Buffer;
      try {
        bytes = await readFile(path);
      } catch (error) {
        throw new Error(`Cannot read caller audio ${path}: ${(error as Error).message}`);
      }
      return utteranceFromMulaw(path, pcmToMulaw8k(parseWav(bytes)));
    });
  }

  private cached(key: string, make: () => Promise<TCallerUtterance>): Promise<TCallerUtterance> {
    let entry = this.cache.get(key);
    if (!entry) {
      entry = make();
      // A failure is not cached: the next call retries.
      entry.catch(() => this.cache.delete(key));
      this.cache.set(key, entry);
    }
    return entry;
  }
}

// A mu-law track that grows as the call goes on; unwritten stretches are silence.
export class MulawTrack {
  private data = new Uint8Array(8000 * 30).fill(MULAW_SILENCE);
  length = 0;

  write(offsetSamples: number, bytes: Uint8Array): void {
    const offset = Math.max(0, Math.round(offsetSamples));
    const end = offset + bytes.length;
    if (end > this.data.length) {
      const grown = new Uint8Array(Math.max(end, this.data.length * 2)).fill(MULAW_SILENCE);
      grown.set(this.data);
      this.data = grown;
    }
    this.data.set(bytes, offset);
    this.length = Math.max(this.length, end);
  }

  bytes(length = this.length): Uint8Array {
    if (length <= this.data.length) return this.data.slice(0, length);
    const out = new Uint8Array(length).fill(MULAW_SILENCE);
    out.set(this.data);
    return out;
  }
}

// Left: caller, right: agent, PCM16 at 8 kHz (plays everywhere, unlike mu-law WAV).
export function encodeStereoWav(left: Uint8Array, right: Uint8Array): Buffer {
  const frames = Math.max(left.length, right.length);
  const dataBytes = frames * 4;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write("RIFF", 0);
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write("WAVE", 8);
  buf.write("fmt ", 12);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(2, 22);
  buf.writeUInt32LE(MULAW_SAMPLE_RATE, 24);
  buf.writeUInt32LE(MULAW_SAMPLE_RATE * 4, 28);
  buf.writeUInt16LE(4, 32);
  buf.writeUInt16LE(16, 34);
  buf.write("data", 36);
  buf.writeUInt32LE(dataBytes, 40);
  const table = MULAW_DECODE_TABLE;
  for (let i = 0; i < frames; i++) {
    buf.writeInt16LE(table[left[i] ?? MULAW_SILENCE]!, 44 + i * 4);
    buf.writeInt16LE(table[right[i] ?? MULAW_SILENCE]!, 46 + i * 4);
  }
  return buf;
}
