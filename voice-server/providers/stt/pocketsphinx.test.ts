import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ZAgentSnapshot } from "@/lib/agents/config";
import { findTemplate } from "@/lib/agents/templates";
import { splitFrames } from "@/voice-server/audio/frames";
import { MULAW_SILENCE } from "@/lib/audio/mulaw";
import { createEspeakTts } from "@/voice-server/providers/tts/espeak";
import type { TSttEvent, TSttOptions, TSttProvider, TSttStream } from "@/voice-server/providers/types";
import { sttPhrasesFor } from "@/voice-server/session/stt-phrases";
import {
  chooseHypothesis,
  createPocketsphinxStt,
  parseHypotheses,
  parseHypseg,
  prepareForRecognizer,
  trimToSpeech,
  unpackModelFile,
} from "./pocketsphinx";
import { TELEPHONE_MEANS, TELEPHONE_SENDUMP, TELEPHONE_VARIANCES } from "./telephone-model";

const tts = createEspeakTts();
// The production default: the grammar and the language model, chosen between per turn.
const stt = createPocketsphinxStt();
// The grammar alone, for what it must hear word for word (the phrases it was built from).
const grammarStt = createPocketsphinxStt({ search: "grammar" });

// Close every stream even when an assertion fails, so no temp dir or child process outlives a test.
const opened: TSttStream[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((stream) => stream.close()));
});

async function open(provider: TSttProvider, options: Partial<TSttOptions> = {}): Promise<TSttStream> {
  const stream = await provider.open({
    language: "en-US",
    phrases: PHRASES,
    signal: new AbortController().signal,
    ...options,
  });
  opened.push(stream);
  return stream;
}

const PHRASES = [
  "Do you accept Delta Dental insurance?",
  "Where are you located?",
  "Is there parking near the office?",
  "Billing",
  "Dr. Patel",
  "I'd like to speak to someone",
];

// What a phone call carries: eSpeak at 8 kHz mu-law, with a little line silence around it.
async function speak(text: string, voice = "en-us"): Promise<Uint8Array> {
  const parts: Uint8Array[] = [new Uint8Array(1600).fill(MULAW_SILENCE)];
  for await (const chunk of tts.synthesize(text, { voice, language: "en-US", signal: new AbortController().signal })) {
    parts.push(chunk);
  }
  parts.push(new Uint8Array(1600).fill(MULAW_SILENCE));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

async function nextEvent(stream: TSttStream): Promise<TSttEvent> {
  const { value, done } = await stream.events[Symbol.asyncIterator]().next();
  if (done) throw new Error("events ended");
  return value;
}

async function recognize(stream: TSttStream, text: string, voice?: string): Promise<TSttEvent> {
  for (const frame of splitFrames(await speak(text, voice))) stream.push(frame);
  stream.finalize();
  return nextEvent(stream);
}

describe("offline pocketsphinx STT", () => {
  it("recognises common call intents and the agent's own phrases from phone audio", async () => {
    const stream = await open(grammarStt);
    const cases = [
      "what are your opening hours",
      "i would like to speak to a human",
      "do you accept delta dental insurance",
      "transfer me to billing",
      "is there parking near the office",
      "goodbye",
    ];
    for (const text of cases) {
      expect(await recognize(stream, text)).toEqual({ type: "final", text, isFromFinalize: true });
    }
    await stream.close();
  });

  it("understands a female voice and a spoken phone number", async () => {
    const stream = await open(grammarStt, { phrases: [] });
    expect(await recognize(stream, "can i leave a message", "en-us+f3")).toMatchObject({
      text: "can i leave a message",
    });
    expect(await recognize(stream, "my number is five five five one two three four")).toMatchObject({
      text: "my number is five five five one two three four",
    });
    await stream.close();
  });

  it("emits finals in turn order, and an empty final for a turn without audio", async () => {
    const stream = await open(grammarStt);
    for (const frame of splitFrames(await speak("yes please"))) stream.push(frame);
    stream.finalize();
    stream.finalize();
    for (const frame of splitFrames(await speak("where are you located"))) stream.push(frame);
    stream.finalize();
    const events: TSttEvent[] = [];
    for await (const event of stream.events) {
      events.push(event);
      if (events.length === 3) break;
    }
    expect(events).toEqual([
      { type: "final", text: "yes please", isFromFinalize: true },
      { type: "final", text: "", isFromFinalize: true },
      { type: "final", text: "where are you located", isFromFinalize: true },
    ]);
    await stream.close();
  });

  it("ends its events on abort, even with a recognition in flight", async () => {
    const controller = new AbortController();
    const stream = await open(stt, { signal: controller.signal });
    for (const frame of splitFrames(await speak("what are your opening hours"))) stream.push(frame);
    stream.finalize();
    controller.abort();
    const events: TSttEvent[] = [];
    for await (const event of stream.events) events.push(event);
    expect(events).toEqual([]);
    await stream.close();
    stream.push(new Uint8Array(160));
    stream.finalize();
  });

  it("reports a failed recognition as a non-fatal error and still ends the turn", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "stt-dict-"));
    const dictPath = path.join(dir, "tiny.dict");
    writeFileSync(dictPath, "hello HH AH L OW\n");
    try {
      const broken = createPocketsphinxStt({ dictPath, search: "grammar" });
      const stream = await open(broken, { phrases: [] });
      for (const frame of splitFrames(await speak("hello"))) stream.push(frame);
      stream.finalize();
      const error = await nextEvent(stream);
      expect(error).toMatchObject({ type: "error", isFatal: false });
      expect(error.type === "error" && error.error.message).toMatch(/missing in the dictionary/);
      // The caller spoke and nothing usable came out: the final says so.
      expect(await nextEvent(stream)).toEqual({ type: "final", text: "", isFromFinalize: true, isUnrecognized: true });
      await stream.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gives up on a recognition that takes too long", async () => {
    const slow = createPocketsphinxStt({ timeoutMs: 1 });
    const stream = await open(slow, { phrases: [] });
    for (const frame of splitFrames(await speak("hello"))) stream.push(frame);
    stream.finalize();
    const error = await nextEvent(stream);
    expect(error.type === "error" && error.error).toMatchObject({ name: "ProviderError", kind: "timeout" });
    await stream.close();
  });

  it("hears a short question the same however long the silence before it in the turn", async () => {
    // A browser test call's first turn as the server recorded it (Chromium's fake microphone, eSpeak with faint
    // noise): 2.9 s of the greeting's silence, then "Is there parking?". Decoded with all of that silence it
    // came out as "it's mary martin", with 0.4 s of it right.
    const turn = readFileSync(path.join(process.cwd(), "tests/fixtures/stt/is-there-parking-after-greeting.ulaw"));
    const content = findTemplate("receptionist")!.build({ teamName: "Harbor Vet Clinic", timeZone: "America/New_York" });
    const snapshot = ZAgentSnapshot.parse({
      agentName: "Front desk",
      teamName: "Harbor Vet Clinic",
      config: content.config,
      knowledge: content.knowledge.map((k, i) => ({ id: `k${i}`, ...k })),
      departments: content.departments.map((d, i) => ({ id: `d${i}`, ...d })),
    });
    const heard: string[] = [];
    for (const leadMs of [2900, 2000, 1000, 400]) {
      const stream = await open(stt, { phrases: sttPhrasesFor(snapshot) });
      stream.push(new Uint8Array(turn.subarray((2900 - leadMs) * 8)));
      stream.finalize();
      const event = await nextEvent(stream);
      heard.push(event.type === "final" ? event.text : event.type);
    }
    expect(heard).toEqual(Array(4).fill("is there parking"));
  });

  it("says which packages to install when pocketsphinx is missing", async () => {
    const missing = createPocketsphinxStt({ binary: "pocketsphinx_batch_not_installed" });
    await expect(
      missing.open({ language: "en-US", phrases: [], signal: new AbortController().signal }),
    ).rejects.toThrow(/apt-get install -y pocketsphinx pocketsphinx-en-us/);
  });

  it("refuses languages it has no model for", async () => {
    await expect(stt.open({ language: "fr-FR", phrases: [], signal: new AbortController().signal })).rejects.toThrow(
      /only has an English model/,
    );
  });
});

describe("recogniser input", () => {
  it("upsamples to 16 kHz, pads, and adds faint deterministic noise", () => {
    const silence = new Uint8Array(8000).fill(MULAW_SILENCE);
    const a = prepareForRecognizer(silence, 1);
    expect(a.length).toBe(16000 + 2 * 4800);
    expect(Math.max(...a)).toBeGreaterThan(20);
    expect(Math.max(...a.map(Math.abs))).toBeLessThanOrEqual(164);
    expect(prepareForRecognizer(silence, 1)).toEqual(a);
    expect(prepareForRecognizer(silence, 2)).not.toEqual(a);
  });

  it("keeps only the voiced stretch of a turn, with 300 ms of what surrounds it", () => {
    const turn = new Uint8Array(8000 * 3).fill(MULAW_SILENCE);
    turn.fill(0x10, 16000, 16800); // 100 ms of loud audio 2 s in
    const voiced = trimToSpeech(turn);
    expect(voiced.length).toBe(800 + 2 * 2400);
    expect(voiced.byteOffset).toBe(16000 - 2400);
    const silence = new Uint8Array(8000).fill(MULAW_SILENCE);
    expect(trimToSpeech(silence)).toBe(silence);
  });

  it("joins hypotheses and strips alternate-pronunciation marks", () => {
    expect(parseHypotheses("hello there (turn-1 -4708)\n")).toBe("hello there");
    expect(parseHypotheses("read(2) that (turn-2 -100)\n (turn-3 0)\n")).toBe("read that");
    expect(parseHypotheses("")).toBe("");
  });

  it("reads words and scores from -hypseg output, without fillers or alternate-pronunciation marks", () => {
    const line = "seg-1 S 0 T -5200 A -5000 L -200 0 -300 0 <sil> 12 -2000 -90 read(2) 40 -2700 -110 that 95\n";
    expect(parseHypseg(line)).toEqual({ text: "read that", ascr: -5000, lscr: -200, frames: 95 });
    expect(parseHypseg("seg-2 S 0 T 0 A 0 L 0 0\n")).toEqual({ text: "", ascr: 0, lscr: 0, frames: 0 });
    expect(parseHypseg("")).toEqual({ text: "", ascr: 0, lscr: 0, frames: 0 });
  });

  it("takes the grammar's words when the language model heard 65% of them, the language model's otherwise", () => {
    expect(chooseHypothesis("do you take the insurer", "do you take it late are the")).toBe("do you take the insurer");
    expect(chooseHypothesis("one two one one one three eight", "what do you charge for a cleaning")).toBe(
      "what do you charge for a cleaning",
    );
    expect(chooseHypothesis("i'd like to leave a voicemail for human", "i'd like miller come appointment")).toBe(
      "i'd like miller come appointment",
    );
    // Two thirds of the grammar's words heard: the caller said the listed phrase, the language model slipped.
    expect(chooseHypothesis("let me talk to your manager", "let me know what are your manager")).toBe(
      "let me talk to your manager",
    );
    expect(chooseHypothesis("", "please how much")).toBe("please how much");
    expect(chooseHypothesis("sure thing", "")).toBe("sure thing");
    // A number both heard stays the grammar's (it holds exactly seven or ten digits).
    expect(chooseHypothesis("five five five one two three four", "five five five one two three four five")).toBe(
      "five five five one two three four",
    );
  });

  it("takes the language model's words when they hold much more than the grammar's phrase (a name, then a number)", () => {
    // As decoded from eSpeak phone audio of "It's Kevin Park, four one five, five five five, zero one nine nine".
    const nameAndNumber = "it's kevin part four one five five five five zero one nine nine";
    expect(chooseHypothesis("it's kevin garcia", nameAndNumber)).toBe(nameAndNumber);
    const said = "my name is kevin park and my number is four one three five";
    expect(chooseHypothesis("my name is kevin martin", said)).toBe(said);
    // Two words more than the phrase is a slip, not more speech.
    expect(chooseHypothesis("what are your hours", "what are your hours on a")).toBe("what are your hours");
  });
});

// A Sphinx-3 Gaussian parameter file: text header up to "endhdr\n", a byte-order word, the codebook, stream and
// density counts, each stream's length, the number of values, the values, a checksum.
function readGaussians(file: Buffer) {
  const at = file.indexOf("endhdr\n") + 7;
  expect(file.readUInt32LE(at)).toBe(0x11223344);
  const [codebooks, streams, densities] = [1, 2, 3].map((i) => file.readUInt32LE(at + 4 * i));
  const lengths = Array.from({ length: streams! }, (_, i) => file.readUInt32LE(at + 16 + 4 * i));
  const count = file.readUInt32LE(at + 16 + 4 * streams!);
  const values = new Float32Array(file.buffer.slice(file.byteOffset + at + 20 + 4 * streams!, file.byteOffset + at + 20 + 4 * streams! + 4 * count));
  return { codebooks, streams, densities, lengths, values };
}

// pocketsphinx's quantised mixture weights: length-prefixed header strings up to an empty one, the codeword and
// senone counts, then one byte per stream, codeword and senone.
function readSendump(file: Buffer) {
  let at = 0;
  for (let length = file.readUInt32LE(at); length > 0; length = file.readUInt32LE(at)) at += 4 + length;
  const [codewords, senones] = [file.readUInt32LE(at + 4), file.readUInt32LE(at + 8)];
  return { codewords, senones, bytes: file.length - (at + 12) };
}

describe("adapted acoustic model", () => {
  it("unpacks to means, variances and mixture weights of the US English model's shape", () => {
    const means = readGaussians(unpackModelFile(TELEPHONE_MEANS));
    const variances = readGaussians(unpackModelFile(TELEPHONE_VARIANCES));
    for (const g of [means, variances]) {
      // 42 phone codebooks, 3 streams of 13 (cepstra, deltas, double deltas), 128 Gaussians each.
      expect([g.codebooks, g.streams, g.densities, g.lengths]).toEqual([42, 3, 128, [13, 13, 13]]);
      expect(g.values.length).toBe(42 * 128 * 39);
      expect(g.values.every(Number.isFinite)).toBe(true);
    }
    expect(variances.values.every((v) => v > 0)).toBe(true);
    // 5126 senones, each a mixture over its phone's 128 Gaussians in each of the 3 streams.
    expect(readSendump(unpackModelFile(TELEPHONE_SENDUMP))).toEqual({ codewords: 128, senones: 5126, bytes: 3 * 128 * 5126 });
  });
});
