import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { mulawToWav } from "@/voice-server/audio/wav";
import { createEspeakTts } from "@/voice-server/providers/tts/espeak";
import { createSmallestTts } from "@/voice-server/providers/tts/smallest";
import { ProviderError, type TTtsProvider, type TVoice } from "@/voice-server/providers/types";
import { DEFAULT_VOICE } from "./options";
import { log } from "@/lib/observability/log";

// The same TTS the voice server speaks with (Smallest.AI when a key is configured, offline eSpeak otherwise),
// so the voice picker lists real voices and the preview sounds like a call.

export const PREVIEW_MAX_CHARS = 300;
export const DEFAULT_PREVIEW_TEXT = "Hi, thanks for calling. This is how I will sound on the phone.";
const PREVIEW_TIMEOUT_MS = 20_000;

let cached: TTtsProvider | undefined;

export function ttsForWeb(): TTtsProvider {
  if (cached) return cached;
  const e = env();
  cached = e.SMALLEST_API_KEY
    ? createSmallestTts({ apiKey: e.SMALLEST_API_KEY, baseUrl: e.SMALLEST_BASE_URL, model: e.SMALLEST_MODEL })
    : createEspeakTts();
  return cached;
}

export async function listVoicesForWeb(provider = ttsForWeb()): Promise<{ provider: string; voices: TVoice[] }> {
  try {
    const voices = await provider.voices();
    return {
      provider: provider.name,
      voices: [{ id: DEFAULT_VOICE, name: "Default for the language", language: "" }, ...voices],
    };
  } catch (error) {
    throw asAppError(error, "Could not load the list of voices");
  }
}

// A short sample as a WAV file (16-bit PCM at 8 kHz: exactly the phone's bandwidth, playable by any browser).
export async function previewVoice(
  input: { voice: string; language: string; text?: string },
  provider = ttsForWeb(),
): Promise<Buffer> {
  const text = (input.text?.trim() || DEFAULT_PREVIEW_TEXT).slice(0, PREVIEW_MAX_CHARS);
  const signal = AbortSignal.timeout(PREVIEW_TIMEOUT_MS);
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of provider.synthesize(text, { voice: input.voice, language: input.language, signal })) {
      chunks.push(chunk);
    }
  } catch (error) {
    throw asAppError(error, "Could not make the voice sample");
  }
  if (signal.aborted) throw new AppError("upstream", "The voice sample took too long. Try again.");
  const total = chunks.reduce((n, c) => n + c.length, 0);
  if (total === 0) throw new AppError("upstream", "The voice engine returned no audio. Try a different voice.");
  const mulaw = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    mulaw.set(c, offset);
    offset += c.length;
  }
  return mulawToWav(mulaw);
}

function asAppError(error: unknown, what: string): AppError {
  if (error instanceof ProviderError) {
    const why = {
      auth: "the voice provider rejected our credentials",
      rate_limited: "the voice provider is busy",
      timeout: "the voice provider did not answer in time",
      unavailable: "the voice provider is unavailable",
      bad_response: "the voice provider sent something unexpected",
    }[error.kind];
    log.error(what, { error });
    return new AppError("upstream", `${what}: ${why}. Try again in a moment.`);
  }
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return new AppError("upstream", `${what}: the voice provider did not answer in time.`);
  }
  throw error;
}
