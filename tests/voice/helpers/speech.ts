import { createEspeakTts } from "@/voice-server/providers/tts/espeak";

const tts = createEspeakTts();
const cache = new Map<string, Uint8Array>();

// A caller's line as telephone audio (espeak-ng, mu-law 8 kHz): real speech, so the server's VAD hears it.
export async function speech(text: string): Promise<Uint8Array> {
  const hit = cache.get(text);
  if (hit) return hit;
  const chunks: Uint8Array[] = [];
  for await (const chunk of tts.synthesize(text, { voice: "default", language: "en-US", signal: new AbortController().signal })) {
    chunks.push(chunk);
  }
  const audio = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    audio.set(c, offset);
    offset += c.length;
  }
  cache.set(text, audio);
  return audio;
}
