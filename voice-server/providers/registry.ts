import type { TLlmProvider, TSttProvider, TTtsProvider } from "./types";

// The providers a voice server runs with: the primary engine of each stage (cloud when its key is set) and the
// offline engines the session falls back to when a cloud stage fails for good.
export type TVoiceProviders = {
  stt: TSttProvider;
  llm: TLlmProvider;
  tts: TTtsProvider;
  offline: { stt: TSttProvider; llm: TLlmProvider; tts: TTtsProvider };
};

export function providerNames(providers: TVoiceProviders): { stt: string; llm: string; tts: string } {
  return { stt: providers.stt.name, llm: providers.llm.name, tts: providers.tts.name };
}
