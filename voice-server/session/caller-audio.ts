import { FRAME_MS } from "@/lib/audio/mulaw";
import type { TMulaw } from "@/voice-server/providers/types";
import type { SpeechDetector, TSpeechEvent } from "@/voice-server/vad/vad";
import type { TCallLine } from "./call-line";
import type { PolicyTurns } from "./policy-turns";
import type { SttInput } from "./stt-turn";
import type { TTurnPolicy } from "./turn-policy";

// The caller's audio, frame by frame (50 a second per call: nothing here allocates per frame): to the recording,
// the recognizer and the VAD; the VAD's reading to the adaptive policy when it runs; and the caller's speech as
// the VAD hears it start and end. Without the adaptive policy, speech that lasts over the agent cuts it off here,
// as the fixed policy says.

// The caller's speech in progress. isOverProtectedLine: it began while a line the caller may not interrupt was
// playing (the disclosure).
export type TCallerSpeech = { startStreamMs: number; onsetAt: number; hasBargedIn: boolean; isOverProtectedLine: boolean };

export type TSpeechEnd = Extract<TSpeechEvent, { type: "speech-end" }>;

export type TCallerAudioDeps = Pick<TCallLine, "status" | "clock" | "player" | "recorder" | "silence" | "isProtectedLinePlaying"> & {
  detector: SpeechDetector;
  policy: TTurnPolicy;
  stt: SttInput | null;
  turns: PolicyTurns;
  // The VAD heard the caller's speech end (after the endpointing silence).
  speechEnded(speech: TCallerSpeech | null, event: TSpeechEnd): void;
};

export class CallerAudio {
  private frames = 0;
  private current: TCallerSpeech | null = null;

  constructor(private readonly deps: TCallerAudioDeps) {}

  get speech(): TCallerSpeech | null {
    return this.current;
  }

  // Speech over the disclosure is not the policy's: it is dropped or, outlasting the line, taken whole.
  get isPolicyDeaf(): boolean {
    return this.deps.isProtectedLinePlaying() || !!this.current?.isOverProtectedLine;
  }

  // The speech in progress, taken at the hang-up (its turn is finished there, not by the VAD).
  takeSpeech(): TCallerSpeech | null {
    const speech = this.current;
    this.current = null;
    return speech;
  }

  push(audio: TMulaw, timestampMs: number | null): void {
    const { detector } = this.deps;
    const at = timestampMs ?? this.frames * FRAME_MS;
    this.frames++;
    this.deps.recorder()?.caller(audio, at);
    this.deps.stt?.push(audio);
    // The VAD wants whole 10/20/30 ms frames; Twilio sends 20 ms, anything else is split or skipped.
    let event: TSpeechEvent | null = null;
    if (audio.length === 160) {
      event = detector.push(audio);
      this.feedPolicy(detector);
    } else {
      for (let offset = 0; offset + 160 <= audio.length; offset += 160) {
        event = detector.push(audio.subarray(offset, offset + 160)) ?? event;
        this.feedPolicy(detector);
      }
    }
    if (event?.type === "speech-start") this.onSpeechStart(event);
    else if (event?.type === "speech-end") this.onSpeechEnd(event);
    if (!this.deps.turns.taker) this.checkBargeIn(detector);
  }

  private feedPolicy(detector: SpeechDetector): void {
    const taker = this.deps.turns.taker;
    if (taker && !this.isPolicyDeaf) taker.frame(detector.isVoicedFrame, detector.timeMs, FRAME_MS, detector.onsetLeadMs);
  }

  private onSpeechStart(event: Extract<TSpeechEvent, { type: "speech-start" }>): void {
    const onsetAt = this.deps.clock.now() - (event.atMs - event.startMs);
    this.current = { startStreamMs: event.startMs, onsetAt, hasBargedIn: false, isOverProtectedLine: this.deps.isProtectedLinePlaying() };
    this.deps.stt?.speechStarted(event.atMs - event.startMs);
    this.deps.silence.heardCaller();
  }

  private checkBargeIn(detector: SpeechDetector): void {
    const speech = this.current;
    if (!speech || speech.hasBargedIn || !detector.isSpeaking) return;
    const { player, status } = this.deps;
    // The floor as the fixed policy sees it: the last line before hanging up cannot be cut either.
    const floor = { state: player.state, isUninterruptible: status.isEnding || (player.current?.isUninterruptible ?? false) };
    if (!this.deps.policy.shouldBargeIn({ speechMs: detector.timeMs - speech.startStreamMs, floor })) return;
    speech.hasBargedIn = true;
    player.interrupt("caller", speech.onsetAt);
  }

  private onSpeechEnd(event: TSpeechEnd): void {
    const speech = this.current;
    this.current = null;
    this.deps.stt?.speechEnded();
    this.deps.speechEnded(speech, event);
  }
}
