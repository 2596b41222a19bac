import type { TAgentSnapshot } from "@/lib/agents/config";
import { SpeechDetector, type TVad } from "@/voice-server/vad/vad";
import { CallerAudio, type TCallerAudioDeps } from "./caller-audio";
import type { TCallLine } from "./call-line";
import { errorKind } from "./call-record";
import type { PolicyTurns } from "./policy-turns";
import type { ProviderRoute } from "./provider-fallback";
import { sttPhrasesFor, sttVocabularyFor } from "./stt-phrases";
import { SttInput } from "./stt-turn";
import { fixedTurnPolicy } from "./turn-policy";

// The caller's side of a live call, put together once the call is known: the VAD sized by the agent's turn
// settings, the recognizer (unless the caller only types) with the adaptive policy started on it when it streams,
// and CallerAudio routing each frame to both. A recognizer that fails over to the offline engine leaves the
// adaptive policy (the offline engine decodes whole turns: fixed endpointing from there on).

export type TCallerInputDeps = Omit<TCallerAudioDeps, "detector" | "policy" | "stt"> &
  Pick<TCallLine, "record"> & {
  vad: TVad;
  snapshot: TAgentSnapshot;
  // false: the caller only types (a text-mode test call), so no recognizer is opened.
  isVoice: boolean;
  route: ProviderRoute;
  timeouts: { sttFinalMs: number; offlineSttFinalMs?: number };
  turns: PolicyTurns;
  sendInterim(text: string): void;
};

export function openCallerInput(deps: TCallerInputDeps): { audio: CallerAudio; stt: SttInput | null } {
  const { snapshot, record, turns } = deps;
  const policy = fixedTurnPolicy(snapshot.config);
  const detector = new SpeechDetector(deps.vad, { minSpeechMs: policy.minSpeechMs, endSilenceMs: policy.endpointingSilenceMs });
  let audio: CallerAudio | null = null;
  const stt = deps.isVoice
    ? new SttInput({
        ...deps.route.stt,
        language: snapshot.config.language,
        phrases: sttPhrasesFor(snapshot),
        vocabulary: sttVocabularyFor(snapshot),
        finalTimeoutMs: deps.timeouts.sttFinalMs,
        offlineFinalTimeoutMs: deps.timeouts.offlineSttFinalMs,
        isLive: () => deps.status.state === "live",
        onInterim: (text) => deps.sendInterim(text),
        onResult: (event, turn) => turns.result(event, turn, audio?.isPolicyDeaf ?? deps.isProtectedLinePlaying()),
        onError: (kind, error, data) => record.error("stt", kind === "timeout" ? "timeout" : errorKind(error), error, data),
        onFallback: (from, to) => {
          record.event("status", "stt_fallback_offline", { from, to });
          turns.leave();
        },
      })
    : null;
  if (stt) {
    if (stt.isStreaming) turns.start(stt);
    void stt.open();
  }
  audio = new CallerAudio({ ...deps, detector, policy, stt });
  return { audio, stt };
}
