import { assessCompleteness, type TCompleteness } from "./completeness";

// Adaptive endpointing: how much silence ends the caller's turn depends on what the caller said.
//
// - Finalize early. After `finalizeAfterMs` (100 ms) of silence following new speech, ask the recognizer for its
//   final (Deepgram's Finalize may be sent at any time; recognition goes on after it). Interim results lag the
//   audio (the model of tests/fakes/deepgram.ts: each carries the words spoken up to 250 ms before it), so the
//   final is the first transcript that holds the turn's last word. Finalize costs nothing but a message.
// - Judge the words. A complete question or sentence ends the turn as soon as its final is in; an "unsure" reading
//   waits part of the agent's endpointing setting; a mid-thought reading (trailing "and", a number being
//   dictated, an open "I'd like to book") waits the whole setting. The setting stays the ceiling: no turn waits
//   longer than it once its words are final.
// - The recognizer's own signals feed in: a speech_final says its endpointer heard silence, an UtteranceEnd
//   (word gap >= utterance_end_ms, which survives noise that keeps a VAD busy) ends the turn outright.
// - Speculate, never commit early. When the interim words read as complete at a pause, the policy offers them
//   for a preemptive generation ("preempt"); the session checks it against the final with preemption.ts. If the
//   caller starts again after the turn ended but before the agent's audio, the reply is dropped ("drop-reply")
//   and the words so far stay in the turn, so the next end of turn answers all of it.
//
// Pure and clock-free: the session passes times (ms, any monotonic clock) and acts on the returned actions.

export type TEndpointingSettings = {
  // The agent's endpointingSilenceMs: the most silence any turn waits for.
  ceilingMs: number;
  // Silence after new speech before Finalize is sent.
  finalizeAfterMs?: number;
  // Silence that ends a complete-reading turn (its final must be in as well).
  completeAfterMs?: number;
  // Silence that ends an "unsure" turn. Default: 60% of the ceiling.
  unsureAfterMs?: number;
  // A Finalize unanswered this long no longer holds the turn: it ends on the words it has.
  finalTimeoutMs?: number;
  // The recognizer's endpointing (the `endpointing` query parameter): what a speech_final vouches for.
  sttEndpointingMs?: number;
  // Caller speech (voiced ms) after the turn ended, before the agent's audio, that drops the pending reply.
  // Null: the agent keeps its reply ("agent thinking" barge-in off).
  thinkingMinSpeechMs?: number | null;
};

export type TEndpointingContext = { language: string; agentQuestion?: string | null };

export type TEndpointAction =
  | { type: "finalize" }
  | { type: "preempt"; text: string; completeness: TCompleteness }
  | { type: "cancel-preempt" }
  | {
      type: "end-of-turn";
      text: string;
      completeness: TCompleteness;
      silenceMs: number;
      cause: "silence" | "utterance-end" | "final-timeout";
    }
  | { type: "drop-reply" };

type TResolved = Required<Omit<TEndpointingSettings, "thinkingMinSpeechMs">> & { thinkingMinSpeechMs: number | null };

export const ENDPOINTING_DEFAULTS = {
  finalizeAfterMs: 100,
  completeAfterMs: 100,
  finalTimeoutMs: 1000,
  thinkingMinSpeechMs: 60,
} as const;

export function resolveEndpointingSettings(settings: TEndpointingSettings): TResolved {
  const ceilingMs = Math.max(1, Math.round(settings.ceilingMs));
  const finalizeAfterMs = Math.min(ceilingMs, settings.finalizeAfterMs ?? ENDPOINTING_DEFAULTS.finalizeAfterMs);
  const completeAfterMs = Math.min(ceilingMs, settings.completeAfterMs ?? ENDPOINTING_DEFAULTS.completeAfterMs);
  const unsureAfterMs = clamp(settings.unsureAfterMs ?? Math.round(ceilingMs * 0.6), completeAfterMs, ceilingMs);
  return {
    ceilingMs,
    finalizeAfterMs,
    completeAfterMs,
    unsureAfterMs,
    finalTimeoutMs: settings.finalTimeoutMs ?? ENDPOINTING_DEFAULTS.finalTimeoutMs,
    sttEndpointingMs: settings.sttEndpointingMs ?? 0,
    thinkingMinSpeechMs: settings.thinkingMinSpeechMs === undefined ? ENDPOINTING_DEFAULTS.thinkingMinSpeechMs : settings.thinkingMinSpeechMs,
  };
}

// The silence a turn with this reading needs before it is over.
export function silenceNeededMs(completeness: TCompleteness, settings: TEndpointingSettings): number {
  const s = resolveEndpointingSettings(settings);
  if (completeness.state === "complete") return s.completeAfterMs;
  if (completeness.state === "unsure") return s.unsureAfterMs;
  return s.ceilingMs;
}

type TPhase = "listening" | "ended" | "committed";

export class TurnEndpointer {
  private readonly s: TResolved;
  private context: TEndpointingContext;
  private phase: TPhase = "listening";
  private finals: string[] = [];
  private interimText = "";
  private lastVoiceAtMs: number | null = null;
  private voicedRunMs = 0;
  private lastFrameAtMs: number | null = null;
  // New speech since the last Finalize: another Finalize is due at the next pause.
  private hasUnfinalizedSpeech = false;
  private finalizeSentAtMs: number | null = null;
  private pendingFinals = 0;
  private sttSaysSilence = false;
  private preemptedText: string | null = null;

  constructor(settings: TEndpointingSettings, context: TEndpointingContext) {
    this.s = resolveEndpointingSettings(settings);
    this.context = context;
  }

  get settings(): TResolved {
    return this.s;
  }

  // Every word heard in this turn: the finals so far and the latest interim after them.
  get text(): string {
    return [...this.finals, this.interimText].filter(Boolean).join(" ");
  }

  get isTurnOver(): boolean {
    return this.phase !== "listening";
  }

  // The agent's new question (its last line) before the next turn.
  setAgentQuestion(agentQuestion: string | null): void {
    this.context = { ...this.context, agentQuestion };
  }

  // A caller audio frame (frameMs long) judged by the VAD; `nowMs` is its end.
  frame(nowMs: number, isVoiced: boolean, frameMs = 20): TEndpointAction[] {
    const actions: TEndpointAction[] = [];
    this.lastFrameAtMs = nowMs;
    if (isVoiced) {
      this.voicedRunMs += frameMs;
      this.lastVoiceAtMs = nowMs;
      this.hasUnfinalizedSpeech = true;
      this.sttSaysSilence = false;
      if (this.preemptedText !== null && this.phase === "listening") {
        this.preemptedText = null;
        actions.push({ type: "cancel-preempt" });
      }
      if (this.phase === "ended" && this.s.thinkingMinSpeechMs !== null && this.voicedRunMs >= this.s.thinkingMinSpeechMs) {
        // The caller went on before hearing the reply: drop it, keep the words, listen on.
        this.phase = "listening";
        this.preemptedText = null;
        actions.push({ type: "drop-reply" });
      }
      return actions;
    }
    this.voicedRunMs = 0;
    return this.tick(nowMs);
  }

  // Re-evaluate at `nowMs` (the session may call it on a timer when no audio arrives).
  tick(nowMs: number): TEndpointAction[] {
    if (this.phase !== "listening" || this.lastVoiceAtMs === null) return [];
    const actions: TEndpointAction[] = [];
    const silenceMs = this.silenceAt(nowMs);
    if (this.hasUnfinalizedSpeech && silenceMs >= this.s.finalizeAfterMs) {
      this.hasUnfinalizedSpeech = false;
      this.finalizeSentAtMs = nowMs;
      this.pendingFinals++;
      actions.push({ type: "finalize" });
    }
    this.maybeEnd(nowMs, actions);
    return actions;
  }

  interim(text: string, nowMs: number): TEndpointAction[] {
    if (this.phase === "committed") return [];
    this.interimText = text.trim();
    if (this.phase !== "listening") return [];
    const actions: TEndpointAction[] = [];
    if (this.lastVoiceAtMs !== null && this.silenceAt(nowMs) >= this.s.finalizeAfterMs) this.maybePreempt(actions);
    return actions;
  }

  // A final result (is_final). `isFromFinalize` answers one of our Finalize messages.
  final(text: string, flags: { isSpeechFinal?: boolean; isFromFinalize?: boolean }, nowMs: number): TEndpointAction[] {
    if (this.phase === "committed") return [];
    const words = text.trim();
    if (words) this.finals.push(words);
    this.interimText = "";
    if (flags.isFromFinalize && this.pendingFinals > 0) this.pendingFinals--;
    if (flags.isSpeechFinal) {
      // The recognizer heard its endpointing silence after these words: nothing spoken is left unfinalized.
      this.sttSaysSilence = true;
      this.hasUnfinalizedSpeech = false;
    }
    if (this.phase !== "listening") return [];
    const actions: TEndpointAction[] = [];
    this.maybeEnd(nowMs, actions);
    return actions;
  }

  // Deepgram's UtteranceEnd: a word gap of utterance_end_ms. Ends a turn that has words, whatever they read as.
  utteranceEnd(nowMs: number): TEndpointAction[] {
    if (this.phase !== "listening" || !this.text) return [];
    return [this.endTurn(nowMs, "utterance-end")];
  }

  // The agent's reply is audible: this turn is settled; the next caller speech starts a new one.
  agentAudioStarted(): void {
    this.reset();
    this.phase = "committed";
  }

  // Start a fresh turn (after the reply played, or when the session discards the turn).
  reset(): void {
    this.phase = "listening";
    this.finals = [];
    this.interimText = "";
    this.lastVoiceAtMs = null;
    this.voicedRunMs = 0;
    this.hasUnfinalizedSpeech = false;
    this.finalizeSentAtMs = null;
    this.pendingFinals = 0;
    this.sttSaysSilence = false;
    this.preemptedText = null;
  }

  // After agentAudioStarted(), caller speech belongs to the next turn (or to the barge-in logic).
  beginNextTurn(): void {
    if (this.phase === "committed") this.phase = "listening";
  }

  private silenceAt(nowMs: number): number {
    if (this.lastVoiceAtMs === null) return 0;
    const measured = nowMs - this.lastVoiceAtMs;
    return this.sttSaysSilence ? Math.max(measured, this.s.sttEndpointingMs) : measured;
  }

  private assess(): TCompleteness {
    return assessCompleteness({ text: this.text, language: this.context.language, agentQuestion: this.context.agentQuestion });
  }

  // Only on an interim heard during the pause: it holds words of the latest speech (perhaps not all of them;
  // the final decides). The finals alone would not: they predate the speech that made the pause.
  private maybePreempt(actions: TEndpointAction[]): void {
    const text = this.text;
    if (!this.interimText || text === this.preemptedText) return;
    const completeness = this.assess();
    if (completeness.state !== "complete") return;
    this.preemptedText = text;
    actions.push({ type: "preempt", text, completeness });
  }

  private maybeEnd(nowMs: number, actions: TEndpointAction[]): void {
    if (this.phase !== "listening" || this.lastVoiceAtMs === null) return;
    const silenceMs = this.silenceAt(nowMs);
    if (this.pendingFinals > 0 || this.hasUnfinalizedSpeech) {
      // The words are not all in. Wait for the final, unless it is overdue.
      const isOverdue = this.finalizeSentAtMs !== null && this.pendingFinals > 0 && nowMs - this.finalizeSentAtMs >= this.s.finalTimeoutMs;
      if (!isOverdue || silenceMs < this.s.ceilingMs || !this.text) return;
      actions.push(this.endTurn(nowMs, "final-timeout"));
      return;
    }
    if (!this.text) return;
    const completeness = this.assess();
    if (silenceMs >= silenceNeededMs(completeness, this.s)) actions.push(this.endTurn(nowMs, "silence", completeness));
  }

  private endTurn(nowMs: number, cause: "silence" | "utterance-end" | "final-timeout", completeness = this.assess()): TEndpointAction {
    this.phase = "ended";
    this.voicedRunMs = 0;
    return { type: "end-of-turn", text: this.text, completeness, silenceMs: this.silenceAt(nowMs), cause };
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
