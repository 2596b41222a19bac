import type { TVoiceProviders } from "@/voice-server/providers/registry";
import { ProviderError, type TLlmProvider, type TMulaw } from "@/voice-server/providers/types";

// Which engine serves each stage of one call, and what happens when one fails. One place for the rules:
// - STT: the primary engine; when it fails mid-call, the offline engine (SttInput replays the turn into it).
// - LLM: the primary model; after it fails (and no department took the call) the rest of the call runs on the
//   offline engine, which still answers from knowledge and takes messages with no network.
// - TTS: per sentence, the primary engine, one retry, then the offline voice.

export class ProviderRoute {
  private llmProvider: TLlmProvider;

  constructor(
    private readonly providers: TVoiceProviders,
    private readonly ttsFirstByteMs: number,
  ) {
    this.llmProvider = providers.llm;
  }

  get stt() {
    return { primary: this.providers.stt, offline: this.providers.offline.stt };
  }

  get llm(): TLlmProvider {
    return this.llmProvider;
  }

  get isLlmOffline(): boolean {
    return this.llmProvider === this.providers.offline.llm;
  }

  get isLlmFallback(): boolean {
    return this.llmProvider !== this.providers.llm;
  }

  // The rest of the call runs on the offline LLM.
  fallBackLlm(): TLlmProvider {
    this.llmProvider = this.providers.offline.llm;
    return this.llmProvider;
  }

  get ttsName(): string {
    return this.providers.tts.name;
  }

  // Primary TTS, one retry, then the offline engine for this sentence. `used.provider` names the engine whose
  // audio came out (cached lines keep only the primary engine's audio).
  async *synthesize(
    text: string,
    options: { voice: string; language: string; signal: AbortSignal; used: { provider: string } },
    onError: (provider: string, error: unknown) => void,
  ): AsyncGenerator<TMulaw> {
    const { signal, used } = options;
    const primary = this.providers.tts;
    const offline = this.providers.offline.tts;
    const attempts = primary === offline ? [primary, primary] : [primary, primary, offline];
    let lastError: unknown;
    for (const provider of attempts) {
      if (signal.aborted) return;
      const controller = new AbortController();
      const onAbort = () => controller.abort(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      const timer = setTimeout(
        () => controller.abort(new ProviderError("tts", "timeout", `no audio within ${this.ttsFirstByteMs} ms`)),
        this.ttsFirstByteMs,
      );
      let hasAudio = false;
      try {
        for await (const chunk of provider.synthesize(text, { voice: options.voice, language: options.language, signal: controller.signal })) {
          if (!hasAudio) {
            hasAudio = true;
            used.provider = provider.name;
            clearTimeout(timer);
          }
          yield chunk;
        }
        return;
      } catch (error) {
        if (signal.aborted) return;
        lastError = controller.signal.reason instanceof ProviderError ? controller.signal.reason : error;
        onError(provider.name, lastError);
        if (hasAudio) return;
      } finally {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
      }
    }
    throw lastError ?? new Error("TTS failed");
  }
}
