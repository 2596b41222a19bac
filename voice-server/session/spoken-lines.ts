import type { TAgentConfig, TAgentSnapshot } from "@/lib/agents/config";
import type { TTtsProvider } from "@/voice-server/providers/types";
import type { AudioCache } from "./audio-cache";
import { consentPromptFor } from "./recording-consent";
import { TextChunker } from "./text-chunker";

// Lines the agent says word for word, and the cache their audio lives in. The greeting must start within
// 300 ms of the stream's start, so its audio is synthesized before the stream exists: when the call webhook
// admits a call (Twilio opens the stream hundreds of ms later) and at startup for published agents.

export const LINES = {
  apology: "I'm sorry, I'm having some trouble on my end.",
  stillThere: "Are you still there?",
  silenceGoodbye: "It seems we got disconnected. Thank you for calling. Goodbye.",
  maxDuration: "We've reached the time limit for this call. Thank you for calling. Goodbye.",
  didNotCatch: "Sorry, I didn't catch that. Could you say it again?",
  // The second caller turn in a row with no usable words: an offer that works without being understood well.
  hardToHearOffer: "I'm having trouble hearing you. I can take a message, or connect you to someone.",
  hardToHearMessage: "I'm having trouble hearing you. I can take a message so someone can call you back.",
  cannotHear: "I'm sorry, I'm having trouble hearing you right now. Please call back a little later. Goodbye.",
  fatal: "I'm sorry, I'm having technical trouble. Please call back a little later. Goodbye.",
  goodbye: "Thank you for calling. Goodbye.",
  afterHoursOffer: "I can take a message so someone can call you back.",
};

// The greeting (or after-hours message) and the disclosure line, as one opening; with "ask for consent", how to
// answer follows when the disclosure does not say it.
export function openingLine(config: TAgentConfig, isAfterHours: boolean): string {
  const opening = isAfterHours
    ? `${config.businessHours.afterHoursMessage.trim()} ${config.businessHours.afterHours === "take_message" ? LINES.afterHoursOffer : ""}`
    : config.greeting;
  return [opening.trim(), config.disclosure.trim(), consentPromptFor(config)].filter(Boolean).join(" ");
}

// The pieces a fixed line is synthesized in (one mark each), the same cut every time so the cache hits.
export function linePieces(text: string): string[] {
  const chunker = new TextChunker();
  return [...chunker.push(text), ...chunker.flush()];
}

export function lineCacheKey(input: { agentVersionId: string | null; tts: string; config: TAgentConfig; text: string }): string {
  return [input.agentVersionId ?? "-", input.tts, input.config.voice, input.config.language, input.text].join("|");
}

// Synthesizes the opening of this agent version into the cache (no-op for pieces already there). Failures are
// left for the call itself, which retries and falls back to the offline voice.
export async function warmOpening(
  cache: AudioCache,
  tts: TTtsProvider,
  input: { agentVersionId: string; snapshot: TAgentSnapshot; isAfterHours: boolean },
): Promise<void> {
  const config = input.snapshot.config;
  await Promise.all(
    linePieces(openingLine(config, input.isAfterHours)).map(async (text) => {
      const key = lineCacheKey({ agentVersionId: input.agentVersionId, tts: tts.name, config, text });
      if (cache.has(key)) return;
      const produce = () => tts.synthesize(text, { voice: config.voice, language: config.language, signal: AbortSignal.timeout(30_000) });
      try {
        for await (const chunk of cache.stream(key, produce)) void chunk;
      } catch {
        // the call synthesizes it itself
      }
    }),
  );
}
