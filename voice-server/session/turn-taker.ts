import type { TAgentConfig } from "@/lib/agents/config";
import type { TSttEvent } from "@/voice-server/providers/types";
import type { TCompleteness } from "@/voice-server/turn-taking/completeness";
import type { TOverlapKind } from "@/voice-server/turn-taking/backchannel";
import { TurnPolicy, type TTurnPolicyAction, type TTurnPolicyConfig } from "@/voice-server/turn-taking/turn-policy";
import { CONFIRM_FRAMES } from "@/voice-server/vad/vad";
import type { TClock } from "./pacer";

// The live call's side of the turn-taking policy (voice-server/turn-taking/turn-policy.ts): feeds it the caller's
// frames (as the VAD judged them) and the recognizer's results on the session clock, asks the recognizer for its
// finals when the policy says so (one finalize in flight at a time, the rest queued, so every Finalize the policy
// counts gets its own answer), keeps when the caller's turn started and ended, and hands every other decision to
// the session as one call each. It never touches audio or the conversation itself.

export type TTurnTakerStt = {
  // Asks the engine for the words so far; resolves once answered (or timed out, or the engine is gone).
  endTurn(): { finalTranscript(): Promise<string> };
  readonly isFinalizing: boolean;
};

// A caller turn the policy ended: its words and where its speech was (stream ms) and ended (session clock).
export type TPolicyTurn = {
  text: string;
  completeness: TCompleteness;
  useSpeculative: boolean;
  speechStartStreamMs: number;
  speechEndStreamMs: number;
  speechEndAt: number;
};

export type TTurnTakerHandlers = {
  // Start generating a reply to `text` without playing anything (it may be discarded).
  startSpeculative(text: string): void;
  discardSpeculative(reason: "caller-went-on" | "words-differ"): void;
  reply(turn: TPolicyTurn): void;
  // The caller went on before the reply was audible: abort it; `words` (the turn so far) stay in the turn.
  dropReply(words: string): void;
  // Caller sound over the agent: stop its audio now. `onsetAt`: when the sound began (session clock).
  clear(onsetAt: number): void;
  resume(kind: Exclude<TOverlapKind, "interruption">, words: string, onsetAt: number): void;
  yieldFloor(words: string, onsetAt: number): void;
};

// The policy's settings from the agent's (the endpointing silence is the ceiling) and the recognizer's endpointing.
export function turnPolicyConfigFor(config: TAgentConfig, sttEndpointingMs?: number): TTurnPolicyConfig {
  return {
    language: config.language,
    endpointingSilenceMs: config.endpointingSilenceMs,
    interruptionMinSpeechMs: config.interruptionMinSpeechMs,
    thinkingInterruptionMinSpeechMs: config.thinkingInterruptionMinSpeechMs,
    shouldResumeAfterBackchannel: config.shouldResumeAfterBackchannel,
    backchannelPhrases: config.backchannelPhrases,
    sttEndpointingMs,
  };
}

export class TurnTaker {
  readonly policy: TurnPolicy;
  private silentMs = Number.POSITIVE_INFINITY;
  private runOnsetAt: number | null = null;
  private overlapOnsetAt: number | null = null;
  private lastVoicedAt: number | null = null;
  private lastVoicedStreamMs = 0;
  private turnStartStreamMs: number | null = null;
  // Where the turn the last reply answered began: a dropped reply's turn goes on from there.
  private repliedTurnStartStreamMs: number | null = null;
  private queuedFinalizes = 0;
  private isClosed = false;
  finalizesSent = 0;

  constructor(
    config: TTurnPolicyConfig,
    private readonly deps: { clock: TClock; stt: TTurnTakerStt; handlers: TTurnTakerHandlers },
  ) {
    this.policy = new TurnPolicy(config);
  }

  // The caller's words in the turn not yet answered (finals and the latest interim).
  get callerText(): string {
    return this.policy.callerText;
  }

  // One caller frame that ended now, as SpeechDetector.isVoicedFrame judged it; `streamMs`: its end on the
  // stream's timeline. That reading turns true on the VAD's CONFIRM_FRAMES-th speech frame in a row, so the first
  // voiced frame of a run stands for that many frames of speech, and for `onsetLeadMs` more when an unvoiced
  // consonant the VAD does not call speech began it (SpeechDetector.onsetLeadMs): the policy counts the run
  // (barge-in, "agent thinking") from the sound's true onset, not a syllable late.
  frame(isVoiced: boolean, streamMs: number, frameMs = 20, onsetLeadMs = 0): void {
    if (this.isClosed) return;
    const now = this.deps.clock.now();
    let voicedMs = frameMs;
    if (isVoiced) {
      if (this.silentMs > 0) voicedMs = CONFIRM_FRAMES * frameMs + onsetLeadMs;
      // As the policy counts a stretch of speech: gaps of up to 100 ms between syllables do not start a new one.
      if (this.silentMs > 100) this.runOnsetAt = now - voicedMs;
      this.silentMs = 0;
      this.lastVoicedAt = now;
      this.lastVoicedStreamMs = streamMs;
      this.turnStartStreamMs ??= Math.max(0, streamMs - voicedMs);
    } else {
      this.silentMs += frameMs;
    }
    this.apply(this.policy.frame(now, isVoiced, frameMs, voicedMs));
  }

  result(event: Extract<TSttEvent, { type: "interim" | "final" | "utterance-end" }>): void {
    if (this.isClosed) return;
    const now = this.deps.clock.now();
    if (event.type === "interim") this.apply(this.policy.interim(event.text, now));
    else if (event.type === "final") {
      this.apply(this.policy.final(event.text, { isSpeechFinal: event.isSpeechFinal, isFromFinalize: event.isFromFinalize }, now));
    } else this.apply(this.policy.utteranceEnd(now));
  }

  // The first audio of an agent line went out; `isInterruptible: false` for lines that must be heard whole.
  agentAudioStarted(isInterruptible: boolean): void {
    this.policy.agentAudioStarted({ isInterruptible });
    this.turnStartStreamMs = null;
  }

  // The agent stopped with no barge-in of the policy's own behind it (played out, a keypress, the call moved on).
  agentQuiet(): void {
    const policy = this.policy;
    if (policy.isOverlapPending) return;
    if (policy.agentState === "speaking") {
      policy.agentAudioEnded();
      // Sound under the agent's speech (too short to barge in) does not start the caller's next turn.
      if (this.silentMs > 0) this.turnStartStreamMs = null;
    } else if (policy.agentState === "thinking") {
      policy.replyEndedSilently();
      this.turnStartStreamMs = null;
    }
  }

  // The agent's last line (what the caller answers next).
  agentSaid(text: string): void {
    this.policy.agentSaid(text);
  }

  close(): void {
    this.isClosed = true;
  }

  private finalize(): void {
    if (this.deps.stt.isFinalizing) {
      this.queuedFinalizes++;
      return;
    }
    this.sendFinalize();
  }

  private sendFinalize(): void {
    this.finalizesSent++;
    void this.deps.stt
      .endTurn()
      .finalTranscript()
      .then(() => {
        if (this.queuedFinalizes === 0 || this.isClosed) return;
        this.queuedFinalizes--;
        this.sendFinalize();
      });
  }

  private apply(actions: readonly TTurnPolicyAction[]): void {
    const handlers = this.deps.handlers;
    // Indexed: called on every frame, nearly always with no actions.
    for (let i = 0; i < actions.length; i++) {
      const action = actions[i]!;
      switch (action.type) {
        case "finalize":
          this.finalize();
          break;
        case "start-speculative":
          handlers.startSpeculative(action.text);
          break;
        case "discard-speculative":
          handlers.discardSpeculative(action.reason);
          break;
        case "reply": {
          const endAt = this.lastVoicedAt ?? this.deps.clock.now();
          const endMs = this.lastVoicedStreamMs;
          const turn: TPolicyTurn = {
            text: action.text,
            completeness: action.completeness,
            useSpeculative: action.useSpeculative,
            speechStartStreamMs: Math.min(this.turnStartStreamMs ?? endMs, endMs),
            speechEndStreamMs: endMs,
            speechEndAt: endAt,
          };
          this.repliedTurnStartStreamMs = turn.speechStartStreamMs;
          this.turnStartStreamMs = null;
          handlers.reply(turn);
          break;
        }
        case "drop-reply":
          if (this.repliedTurnStartStreamMs !== null) this.turnStartStreamMs = this.repliedTurnStartStreamMs;
          handlers.dropReply(this.policy.callerText);
          break;
        case "clear":
          this.overlapOnsetAt = this.runOnsetAt ?? this.deps.clock.now();
          handlers.clear(this.overlapOnsetAt);
          break;
        case "resume":
          this.turnStartStreamMs = null;
          handlers.resume(action.kind, action.words, this.overlapOnsetAt ?? this.deps.clock.now());
          break;
        case "yield-floor":
          handlers.yieldFloor(action.words, this.overlapOnsetAt ?? this.deps.clock.now());
          break;
      }
    }
  }
}
