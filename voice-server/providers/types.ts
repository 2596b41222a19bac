import type { TAgentSnapshot } from "@/lib/agents/config";

// Contracts between the call loop (voice-server/session) and the speech/LLM vendors. Every stage has a cloud
// implementation and an offline one; the session only ever sees these types. Audio is always G.711 mu-law,
// 8 kHz, mono, as raw bytes (Twilio's wire format), so no stage resamples unless its vendor needs it.

export type TMulaw = Uint8Array;

// ---- Speech to text -------------------------------------------------------------------------------------
// The session runs its own VAD and endpointing. It pushes every caller frame, and calls `finalize()` when it
// wants the words so far; the provider then emits a `final` with `isFromFinalize: true` (possibly empty text)
// carrying every word not yet in a final. Interim results are optional; an interim carries the words heard since
// the last final. `isUnrecognized: true` on a finalize's final means the caller did speak but no usable words came
// out (text is empty): the session should ask again rather than wait.
// Engines that hear the end of speech themselves say so: a `final` with `isSpeechFinal: true` (its words, maybe
// none, are followed by the engine's endpointing silence; Deepgram's speech_final) and `utterance-end` (a word gap
// of the engine's utterance_end_ms; Deepgram's UtteranceEnd). A turn-taking policy may use them; none is required.
export type TSttEvent =
  | { type: "interim"; text: string }
  | { type: "final"; text: string; isFromFinalize: boolean; isUnrecognized?: boolean; isSpeechFinal?: boolean }
  | { type: "utterance-end" }
  | { type: "error"; error: Error; isFatal: boolean };

export type TSttOptions = {
  language: string;
  // Phrases the caller is likely to say (knowledge questions, department names, intents). Cloud engines use
  // them as key terms; the offline engine builds its grammar from them.
  phrases: string[];
  // The agent's own terms by what they name, and its knowledge as written: the offline engine's language model
  // fills them into its generic patterns ("do you take <insurer>", "how much is <service>"), so a term is heard in
  // sentences nobody listed. Cloud engines ignore it (the phrases carry the same terms as key terms).
  vocabulary?: TSttVocabulary;
  signal: AbortSignal;
};

export type TSttVocabulary = {
  insurers: string[]; // "Delta Dental", "Cigna"
  services: string[]; // "teeth whitening", "cleaning"
  places: string[]; // "Larkspur Avenue", "the post office"
  departments: string[]; // "Billing", "Front Desk"
  business: string[]; // the business's own name
  facts: string[]; // knowledge answers and documents, sentence by sentence
};

export type TSttStream = {
  push(audio: TMulaw): void;
  finalize(): void;
  events: AsyncIterable<TSttEvent>;
  close(): Promise<void>;
};

export type TSttProvider = {
  name: string;
  open(options: TSttOptions): Promise<TSttStream>;
  // A streaming engine: finalize() may be called at any pause and recognition goes on after it (each answer carries
  // only the words since the previous final), so the session can ask early and often; interims come as the caller
  // speaks. `endpointingMs`: the silence its isSpeechFinal finals vouch for. Absent: finalize() once per turn.
  streaming?: { endpointingMs: number };
};

// ---- LLM ------------------------------------------------------------------------------------------------
export type TToolCall = {
  id: string;
  name: string;
  args: Record<string, unknown>;
  // Opaque token some LLMs (Gemini 2.5+/3) attach to a call; it must be sent back unchanged with the history.
  thoughtSignature?: string;
};

export type TChatMessage =
  | { role: "caller"; text: string }
  | { role: "agent"; text: string }
  | { role: "agent-tool-call"; call: TToolCall }
  | { role: "tool-result"; call: TToolCall; result: Record<string, unknown> }
  // Something that happened on the line rather than words spoken: DTMF digits, silence, a tool failure.
  | { role: "event"; text: string };

export type TToolSpec = {
  name: string;
  description: string;
  // JSON Schema (type: object) of the arguments.
  parameters: Record<string, unknown>;
};

export type TLlmRequest = {
  system: string; // fully assembled instructions (see lib/agents/assemble-instructions.ts)
  agent: TAgentSnapshot; // for engines that reason over structure (the offline one)
  messages: TChatMessage[];
  tools: TToolSpec[];
  signal: AbortSignal;
};

export type TLlmEvent =
  | { type: "text"; text: string }
  | { type: "tool-call"; call: TToolCall }
  // knowledgeIds: knowledge entries the reply was grounded on, so the session can count their use.
  | { type: "done"; inputTokens?: number; outputTokens?: number; knowledgeIds?: string[] };

export type TLlmProvider = {
  name: string;
  // Throws on failure (after the provider's own retry budget); throws AbortError when the signal aborts.
  stream(request: TLlmRequest): AsyncIterable<TLlmEvent>;
};

// ---- Text to speech -------------------------------------------------------------------------------------
export type TVoice = { id: string; name: string; language: string; gender?: string };

export type TTtsOptions = { voice: string; language: string; signal: AbortSignal };

export type TTtsProvider = {
  name: string;
  // Yields mu-law 8 kHz chunks of any size as soon as they are available.
  synthesize(text: string, options: TTtsOptions): AsyncIterable<TMulaw>;
  voices(): Promise<TVoice[]>;
};

// A provider call that failed in a way worth telling apart on the call record.
export class ProviderError extends Error {
  constructor(
    readonly stage: "stt" | "llm" | "tts",
    readonly kind: "timeout" | "rate_limited" | "unavailable" | "bad_response" | "auth",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ProviderError";
  }
}
