import type { TVoiceEnv } from "@/voice-server/env";
import { createGeminiLlm } from "./llm/gemini";
import { createOfflineLlm } from "./llm/offline";
import type { TVoiceProviders } from "./registry";
import { createDeepgramStt } from "./stt/deepgram";
import { createPocketsphinxStt } from "./stt/pocketsphinx";
import { createEspeakTts } from "./tts/espeak";
import { createSmallestTts } from "./tts/smallest";

// A cloud engine for each stage whose key is set, the offline engine otherwise. The offline engines are always
// built: they are what a call falls back to when a cloud stage fails for good.
export function createProviders(env: Pick<TVoiceEnv, "deepgram" | "gemini" | "smallest">): TVoiceProviders {
  const offline = { stt: createPocketsphinxStt(), llm: createOfflineLlm(), tts: createEspeakTts() };
  return {
    stt: env.deepgram ? createDeepgramStt(env.deepgram) : offline.stt,
    llm: env.gemini ? createGeminiLlm(env.gemini) : offline.llm,
    tts: env.smallest ? createSmallestTts(env.smallest) : offline.tts,
    offline,
  };
}
