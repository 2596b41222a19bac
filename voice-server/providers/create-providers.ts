import type { TVoiceEnv } from "@/voice-server/env";
import type { TLogger } from "@/voice-server/observability/log";
import { createGeminiLlm } from "./llm/gemini";
import { createOfflineLlm } from "./llm/offline";
import type { TVoiceProviders } from "./registry";
import { createDeepgramStt } from "./stt/deepgram";
import { createOfflineStt } from "./stt/offline-stt";
import { createEspeakTts } from "./tts/espeak";
import { createSmallestTts } from "./tts/smallest";

// A cloud engine for each stage whose key is set, the offline engine otherwise. The offline engines are always
// built: they are what a call falls back to when a cloud stage fails for good.
export function createProviders(
  env: Pick<TVoiceEnv, "deepgram" | "gemini" | "smallest" | "offlineStt">,
  log?: Pick<TLogger, "warn">,
): TVoiceProviders {
  const stt = createOfflineStt({ ...env.offlineStt, log });
  const offline = { stt, llm: createOfflineLlm(), tts: createEspeakTts() };
  return {
    stt: env.deepgram ? createDeepgramStt(env.deepgram) : offline.stt,
    llm: env.gemini ? createGeminiLlm(env.gemini) : offline.llm,
    tts: env.smallest ? createSmallestTts(env.smallest) : offline.tts,
    offline,
  };
}
