import { assessCompleteness, type TCompleteness } from "./completeness";

// Adaptive endpointing: how much silence ends the caller's turn depends on what the caller said.
//
// - Finalize early. After `finalizeAfterMs` (60 ms) of silence following new speech, ask the recognizer for its
//   final (Deepgram's Finalize may be sent at any time; recognition goes on after it). Interim results lag the
//   audio (the model of tests/fakes/deepgram.ts: each carries the words spoken up to 250 ms before it), so the
//   final is the first transcript that holds the turn's last word. Finalize costs nothing but a message.
// - Judge the words. Three readings, three waits (silence after the caller's last voiced frame):
//     complete    (a question, a sentence, a whole phone number)      as soon as its final is in (>= completeAfterMs)
//     unsure      (a one-word answer to a data question)              the agent's endpointing setting
//     mid-thought (a trailing "and" / "um" / "my number is", an open "I'd like to book", a number, date or email
//                 address being dictated, "sure" after the agent asked for data)
//                                                                     the setting plus 600 ms (midThoughtWaitMs)
//   Why mid-thought turns wait past the setting: callers pause 400-900 ms between the groups of a number or before
//   the rest of a request, and nothing else can keep the agent from talking over them when its reply is quick (a
//   cached line, a fast model). The setting plus 600 ms outlasts such a pause at a 300 ms setting even if the reply
//   were instant; with a real reply's ~450 ms (LLM first token + TTS first byte) the caller has over a second, and
//   going on drops the reply unheard (below). 600 ms is the most any turn waits beyond the setting: a caller would
//   rather wait that long on a dictated number than be cut off. Turns that read complete or unsure never wait
//   longer than the setting.
// - Drop, never talk over. If the caller starts again after the turn ended but before the agent's audio, the reply
//   is dropped ("drop-reply") and the words so far stay in the turn, so the next end of turn answers all of it.
//   The VAD confirms speech on its second voiced frame (40 ms); that frame carries both, so with the 40 ms default
//   the reply is dropped on the first confirmed frame: a caller who resumes 50 ms before the reply would be heard
//   is still caught.
// - The recognizer's own signals feed in: a speech_final says its endpointer heard silence, an UtteranceEnd
//   (word gap >= utterance_end_ms, which survives noise that keeps a VAD busy) ends the turn outright.
// - Speculate, never commit early. When the interim words read as complete at a pause, the policy offers them
//   for a preemptive generation ("preempt"); the session checks it against the final with preemption.ts.
//
// Pure and clock-free: the session passes times (ms, any monotonic clock) and acts on the returned actions.

export type TEndpointingSettings = {
  // The agent's endpointingSilenceMs: the most silence a turn that reads complete or unsure waits for.
  ceilingMs: number;
  // Silence after new speech before Finalize is sent.
  finalizeAfterMs?: number;
  // Silence that ends a complete-reading turn (its final must be in as well).
  completeAfterMs?: number;
  // Silence that ends an "unsure" turn. Default: the ceiling.
  unsureAfterMs?: number;
  // Silence that ends a mid-thought turn. Default: midThoughtWaitMs(ceilingMs).
  midThoughtAfterMs?: number;
  // A Finalize unanswered this long no longer holds the turn: it ends on the words it has.
  finalTimeoutMs?: number;
  // The recognizer's endpointing (the `endpointing` query parameter): what a speech_final vouches for.
  sttEndpointingMs?: number;
  // Caller speech (voiced ms, the VAD's confirmation frames included) after the turn ended, before the agent's
  // audio, that drops the pending reply. Null: the agent keeps its reply ("agent thinking" barge-in off).
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
  finalizeAfterMs: 60,
  completeAfterMs: 100,
  finalTimeoutMs: 1000,
  thinkingMinSpeechMs: 40,
} as const;

// What a mid-thought turn waits beyond the agent's setting: the longest natural pause inside a turn (the issue's
// 400-900 ms, less the setting's own 300 ms at the shortest settings in use) with no help from the reply's latency.
export const MID_THOUGHT_EXTRA_MS = 600;

// The silence a mid-thought turn waits for, from the agent's endpointing setting: 300 -> 900, 500 -> 1100.
export function midThoughtWaitMs(ceilingMs: number): number {
  return Math.max(1, Math.round(ceilingMs)) + MID_THOUGHT_EXTRA_MS;
}

export function resolveEndpointingSettings(settings: TEndpointingSettings): TResolved {
  const ceilingMs = Math.max(1, Math.round(settings.ceilingMs));
  const finalizeAfterMs = Math.min(ceilingMs, settings.finalizeAfterMs ?? ENDPOINTING_DEFAULTS.finalizeAfterMs);
  const completeAfterMs = Math.min(ceilingMs, settings.completeAfterMs ?? ENDPOINTING_DEFAULTS.completeAfterMs);
  const unsureAfterMs = clamp(settings.unsureAfterMs ?? ceilingMs, completeAfterMs, ceilingMs);
  const midThoughtAfterMs = Math.max(unsureAfterMs, settings.midThoughtAfterMs ?? midThoughtWaitMs(ceilingMs));
  return {
    ceilingMs,
    finalizeAfterMs,
    completeAfterMs,
    unsureAfterMs,
    midThoughtAfterMs,
    finalTimeoutMs: settings.finalTimeoutMs ?? ENDPOINTING_DEFAULTS.finalTimeoutMs,
    sttEndpointingMs: settings.sttEndpointingMs ?? 0,
    thinkingMinSpeechMs: settings.thinkingMinSpeechMs === undefined ? ENDPOINTING_DEFAULTS.thinkingMinSpeechMs : settings.thinkingMinSpeechMs,
  };
}

// The silence a turn with this reading needs before it is over.
export function silenceNeededMs(completeness: TCompleteness, settings: TEndpointingSettings): number {
  return neededMs(completeness, resolveEndpointingSettings(settings));
}

function neededMs(completeness: TCompleteness, s: TResolved): number {
  if (completeness.state === "complete") return s.completeAfterMs;
  if (completeness.state === "unsure") return s.unsureAfterMs;
  return s.midThoughtAfterMs;
}

type TPhase = "listening" | "ended" | "committed";

// Returned when a frame changes nothing: the per-frame path allocates nothing (frozen, so a caller that pushed
// into it would fail loudly instead of sharing its actions with every other call).
const NO_ACTIONS = Object.freeze([]) as unknown as TEndpointAction[];
const FINALIZE: TEndpointAction = Object.freeze({ type: "finalize" });
const CANCEL_PREEMPT: TEndpointAction = Object.freeze({ type: "cancel-preempt" });
const DROP_REPLY: TEndpointAction = Object.freeze({ type: "drop-reply" });

export class TurnEndpointer {
  private readonly s: TResolved;
  private context: TEndpointingContext;
  private phase: TPhase = "listening";
  private finals: string[] = [];
  private interimText = "";
  // The turn's text and its reading, kept until the words (or the agent's question) change: the silence after a
  // turn is read every frame.
  private textCache: string | null = null;
  private assessed: TCompleteness | null = null;
  private assessedText = "";
  private lastVoiceAtMs: number | null = null;
  private voicedRunMs = 0;
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
    this.textCache ??= [...this.finals, this.interimText].filter(Boolean).join(" ");
    return this.textCache;
  }

  get isTurnOver(): boolean {
    return this.phase !== "listening";
  }

  // The agent's new question (its last line) before the next turn.
  setAgentQuestion(agentQuestion: string | null): void {
    this.context = { ...this.context, agentQuestion };
    this.assessed = null;
  }

  // A caller audio frame (frameMs long) judged by the VAD; `nowMs` is its end. `voicedMs`: the speech this frame
  // stands for, more than frameMs on the first frame of a run a VAD confirms a few frames late (TurnTaker).
  frame(nowMs: number, isVoiced: boolean, frameMs = 20, voicedMs = frameMs): TEndpointAction[] {
    if (!isVoiced) {
      this.voicedRunMs = 0;
      return this.tick(nowMs);
    }
    this.voicedRunMs += voicedMs;
    this.lastVoiceAtMs = nowMs;
    this.hasUnfinalizedSpeech = true;
    this.sttSaysSilence = false;
    const isCancel = this.preemptedText !== null && this.phase === "listening";
    if (isCancel) this.preemptedText = null;
    const isDrop = this.phase === "ended" && this.s.thinkingMinSpeechMs !== null && this.voicedRunMs >= this.s.thinkingMinSpeechMs;
    if (isDrop) {
      // The caller went on before hearing the reply: drop it, keep the words, listen on.
      this.phase = "listening";
      this.preemptedText = null;
    }
    if (isCancel) return isDrop ? [CANCEL_PREEMPT, DROP_REPLY] : [CANCEL_PREEMPT];
    return isDrop ? [DROP_REPLY] : NO_ACTIONS;
  }

  // Re-evaluate at `nowMs` (the session may call it on a timer when no audio arrives).
  tick(nowMs: number): TEndpointAction[] {
    if (this.phase !== "listening" || this.lastVoiceAtMs === null) return NO_ACTIONS;
    let isFinalize = false;
    if (this.hasUnfinalizedSpeech && this.silenceAt(nowMs) >= this.s.finalizeAfterMs) {
      this.hasUnfinalizedSpeech = false;
      this.finalizeSentAtMs = nowMs;
      this.pendingFinals++;
      isFinalize = true;
    }
    const end = this.endIfOver(nowMs);
    if (!end) return isFinalize ? [FINALIZE] : NO_ACTIONS;
    return isFinalize ? [FINALIZE, end] : [end];
  }

  interim(text: string, nowMs: number): TEndpointAction[] {
    if (this.phase === "committed") return NO_ACTIONS;
    this.setInterim(text.trim());
    if (this.phase !== "listening") return NO_ACTIONS;
    if (this.lastVoiceAtMs === null || this.silenceAt(nowMs) < this.s.finalizeAfterMs) return NO_ACTIONS;
    const preempt = this.preemptIfComplete();
    return preempt ? [preempt] : NO_ACTIONS;
  }

  // A final result (is_final). `isFromFinalize` answers one of our Finalize messages.
  final(text: string, flags: { isSpeechFinal?: boolean; isFromFinalize?: boolean }, nowMs: number): TEndpointAction[] {
    if (this.phase === "committed") return NO_ACTIONS;
    const words = text.trim();
    if (words) this.finals.push(words);
    this.setInterim("");
    this.textCache = null;
    if (flags.isFromFinalize && this.pendingFinals > 0) this.pendingFinals--;
    if (flags.isSpeechFinal) {
      // The recognizer heard its endpointing silence after these words: nothing spoken is left unfinalized.
      this.sttSaysSilence = true;
      this.hasUnfinalizedSpeech = false;
    }
    if (this.phase !== "listening") return NO_ACTIONS;
    const end = this.endIfOver(nowMs);
    return end ? [end] : NO_ACTIONS;
  }

  // Deepgram's UtteranceEnd: a word gap of utterance_end_ms. Ends a turn that has words, whatever they read as.
  utteranceEnd(nowMs: number): TEndpointAction[] {
    if (this.phase !== "listening" || !this.text) return NO_ACTIONS;
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
    this.textCache = null;
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

  private setInterim(text: string): void {
    if (text === this.interimText) return;
    this.interimText = text;
    this.textCache = null;
  }

  private silenceAt(nowMs: number): number {
    if (this.lastVoiceAtMs === null) return 0;
    const measured = nowMs - this.lastVoiceAtMs;
    return this.sttSaysSilence ? Math.max(measured, this.s.sttEndpointingMs) : measured;
  }

  private assess(): TCompleteness {
    const text = this.text;
    if (this.assessed && this.assessedText === text) return this.assessed;
    this.assessedText = text;
    this.assessed = assessCompleteness({ text, language: this.context.language, agentQuestion: this.context.agentQuestion });
    return this.assessed;
  }

  // Only on an interim heard during the pause: it holds words of the latest speech (perhaps not all of them;
  // the final decides). The finals alone would not: they predate the speech that made the pause.
  private preemptIfComplete(): TEndpointAction | null {
    const text = this.text;
    if (!this.interimText || text === this.preemptedText) return null;
    const completeness = this.assess();
    if (completeness.state !== "complete") return null;
    this.preemptedText = text;
    return { type: "preempt", text, completeness };
  }

  // The end of the turn, if the silence so far is enough for its words.
  private endIfOver(nowMs: number): TEndpointAction | null {
    if (this.phase !== "listening" || this.lastVoiceAtMs === null) return null;
    const silenceMs = this.silenceAt(nowMs);
    if (this.pendingFinals > 0 || this.hasUnfinalizedSpeech) {
      // The words are not all in. Wait for the final, unless it is overdue.
      const isOverdue = this.finalizeSentAtMs !== null && this.pendingFinals > 0 && nowMs - this.finalizeSentAtMs >= this.s.finalTimeoutMs;
      if (!isOverdue || silenceMs < this.s.ceilingMs || !this.text) return null;
      return this.endTurn(nowMs, "final-timeout");
    }
    if (!this.text) return null;
    const completeness = this.assess();
    return silenceMs >= neededMs(completeness, this.s) ? this.endTurn(nowMs, "silence", completeness) : null;
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
