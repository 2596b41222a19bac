import { describe, expect, it } from "vitest";
import { decodeMulaw } from "@/lib/audio/mulaw";
import { createEspeakTts, splitSentences, voiceCandidates, warmUpEspeak } from "./espeak";

const tts = createEspeakTts();

async function collect(text: string, voice = "en-us", language = "en-US", signal = new AbortController().signal) {
  const chunks: Uint8Array[] = [];
  for await (const chunk of tts.synthesize(text, { voice, language, signal })) chunks.push(chunk);
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    bytes.set(c, o);
    o += c.length;
  }
  return { chunks, bytes, durationMs: bytes.length / 8 };
}

function rms(bytes: Uint8Array): number {
  const pcm = decodeMulaw(bytes);
  let sum = 0;
  for (const s of pcm) sum += s * s;
  return Math.sqrt(sum / Math.max(1, pcm.length));
}

describe("offline eSpeak TTS", () => {
  it("speaks a sentence as audible 8 kHz mu-law of plausible length", async () => {
    await warmUpEspeak();
    const { bytes, durationMs } = await collect("Thank you for calling. How can I help you today?");
    // Ten words at 160 wpm: about three seconds plus pauses.
    expect(durationMs).toBeGreaterThan(2000);
    expect(durationMs).toBeLessThan(6000);
    expect(rms(bytes)).toBeGreaterThan(1000);
  });

  it("streams: a longer reply arrives in many chunks", async () => {
    const { chunks, durationMs } = await collect(
      "Our opening hours are Monday to Friday, nine to five. On Saturdays we open at ten. We are closed on Sundays.",
    );
    expect(chunks.length).toBeGreaterThan(10);
    expect(durationMs).toBeGreaterThan(5000);
  });

  it("yields nothing for empty or punctuation-only text", async () => {
    expect((await collect("   ")).bytes.length).toBe(0);
    expect((await collect("...")).bytes.length).toBe(0);
  });

  it("stops yielding when aborted, and the engine keeps working afterwards", async () => {
    const controller = new AbortController();
    const text = "This is a long answer. ".repeat(20);
    let received = 0;
    for await (const chunk of tts.synthesize(text, { voice: "en-us", language: "en-US", signal: controller.signal })) {
      received += chunk.length;
      if (received > 4000) controller.abort();
    }
    // Twenty sentences would be well over 20 seconds (160 000 bytes); we stopped after about half a second.
    expect(received).toBeLessThan(8000);
    const after = await collect("Still here.");
    expect(after.durationMs).toBeGreaterThan(500);
  });

  it("serves concurrent calls without mixing them up", async () => {
    const [short, long] = await Promise.all([
      collect("Yes."),
      collect("I will transfer you to our billing department now, please hold the line."),
    ]);
    expect(short.durationMs).toBeLessThan(1500);
    expect(long.durationMs).toBeGreaterThan(3000);
  });

  it("accepts every listed voice and falls back for unknown ones", async () => {
    const voices = await tts.voices();
    expect(voices.length).toBeGreaterThanOrEqual(8);
    for (const voice of voices) {
      const { durationMs } = await collect("Hello.", voice.id, voice.language);
      expect(tts.lastVoiceUsed, voice.id).toBe(voice.id);
      expect(durationMs).toBeGreaterThan(200);
    }
    await collect("Bonjour.", "no-such-voice", "fr-FR");
    expect(tts.lastVoiceUsed).toBe("fr");
    await collect("Hello.", "zz-unknown", "zz");
    expect(tts.lastVoiceUsed).toBe("en-us");
  });

  it("female variant sounds different from the male default", async () => {
    const male = await collect("Good morning.", "en-us", "en-US");
    const female = await collect("Good morning.", "en-us+f3", "en-US");
    expect(female.bytes).not.toEqual(male.bytes);
  });
});

describe("text helpers", () => {
  it("orders voice candidates from the requested id to the language default", () => {
    expect(voiceCandidates("en-us+f3", "en-US")).toEqual(["en-us+f3", "en-us"]);
    expect(voiceCandidates("bogus", "en-GB")).toEqual(["bogus", "en-gb-x-rp", "en-us"]);
    expect(voiceCandidates("", "es_MX")).toEqual(["es-419", "es", "en-us"]);
    expect(voiceCandidates("x;rm -rf", "de")).toEqual(["de", "en-us"]);
  });

  it("splits into sentences and breaks very long ones at commas", () => {
    expect(splitSentences("Hi there! How are you? Fine.")).toEqual(["Hi there!", "How are you?", "Fine."]);
    expect(splitSentences("Tom & Jerry <b>bold</b>")).toEqual(["Tom and Jerry b bold /b"]);
    const long = Array.from({ length: 30 }, (_, i) => `clause number ${i}`).join(", ");
    const parts = splitSentences(long, 100);
    expect(parts.length).toBeGreaterThan(4);
    expect(parts.every((p) => p.length <= 100)).toBe(true);
    expect(parts.join(" ")).toBe(long);
  });
});
