import { OverlapJudge, type TOverlapAction, type TOverlapKind } from "./backchannel";
import type { TCompleteness } from "./completeness";
import { TurnEndpointer, type TEndpointAction, type TEndpointingSettings } from "./endpointing";
import { checkPreemption } from "./preemption";

// The turn-taking policy of one call: the endpointer (when the caller's turn is over), the preemption check
// (whether a reply started early still answers the final words) and the overlap judge (what speech over the
// agent was) behind one event-in, actions-out surface, so the call session only maps its events to calls here
// and the returned actions to its providers. Pure: no timers, no I/O; times are the session's clock in ms.
//
// Agent states: "idle" (listening), "thinking" (a reply is being prepared, nothing audible yet), "speaking".

export type TTurnPolicyConfig = {
  language: string;
  // The agent's settings (lib/agents/config.ts).
  endpointingSilenceMs: number; // the ceiling
  interruptionMinSpeechMs: number; // "agent speaking" barge-in
  thinkingInterruptionMinSpeechMs: number | null; // "agent thinking" barge-in; null keeps the reply
  shouldResumeAfterBackchannel: boolean;
  backchannelPhrases: readonly string[];
  // The recognizer's endpointing parameter, if its speech_final should count (ms).
  sttEndpointingMs?: number;
  // Overrides for tests and tuning.
  endpointing?: Partial<TEndpointingSettings>;
};

export type TTurnPolicyAction =
  // Ask the recognizer for its final now (Deepgram Finalize).
  | { type: "finalize" }
  // Start generating a reply to `text` now, without playing anything: it may be discarded.
  | { type: "start-speculative"; text: string }
  // Abort the speculative generation (and any TTS of it); nothing of it is kept.
  | { type: "discard-speculative"; reason: "caller-went-on" | "words-differ" }
  // The caller's turn is over: play the speculative reply if `useSpeculative`, else generate one for `text`.
  | { type: "reply"; text: string; completeness: TCompleteness; useSpeculative: boolean }
  // The caller went on before the reply was audible: abort it and listen; the turn's words are kept.
  | { type: "drop-reply" }
  // Speech over the agent: stop its audio at once (Twilio `clear`), keep what was heard, wait for the verdict.
  | { type: "clear" }
  // It was a backchannel or noise: say the interrupted sentence again from its start (see resumePoint()).
  | { type: "resume"; kind: Exclude<TOverlapKind, "interruption">; words: string }
  // It was a real interruption: abandon the interrupted reply and listen; the caller's words begin the next turn.
  | { type: "yield-floor"; words: string };

type TAgentState = "idle" | "thinking" | "speaking";

// A frame that changes nothing returns this (frozen): the per-frame path allocates nothing.
const NO_ACTIONS = Object.freeze([]) as unknown as TTurnPolicyAction[];

// Gaps this short inside the caller's sound (between the syllables of "uh-huh") do not end a stretch of speech for
// barge-in, which counts the stretch's time from its onset (as the fixed policy's VAD did): the agent stops
// interruptionMinSpeechMs after the caller's first sound, not after that much voiced time, which the pauses
// between the words of "how much is that" would stretch by a frame or three.
const SPEECH_GAP_MS = 100;

export class TurnPolicy {
  private readonly endpointer: TurnEndpointer;
  private agent: TAgentState = "idle";
  private isInterruptible = true;
  private speculative: string | null = null;
  private judge: OverlapJudge | null = null;
  private speechRunMs = 0;
  private speechGapMs = 0;
  private speechOnsetMs: number | null = null;

  constructor(private readonly config: TTurnPolicyConfig) {
    this.endpointer = new TurnEndpointer(
      {
        ceilingMs: config.endpointingSilenceMs,
        thinkingMinSpeechMs: config.thinkingInterruptionMinSpeechMs,
        sttEndpointingMs: config.sttEndpointingMs,
        ...config.endpointing,
      },
      { language: config.language },
    );
  }

  get agentState(): TAgentState {
    return this.agent;
  }

  get callerText(): string {
    return this.endpointer.text;
  }

  // Caller sound over the agent is being judged: `clear` went out, resume or yield-floor has not.
  get isOverlapPending(): boolean {
    return this.judge !== null;
  }

  // The reply to the last turn ended without a sound reaching the caller (the model said nothing, or the call
  // moved on): the turn is settled all the same, and the next caller speech starts a new one.
  replyEndedSilently(): void {
    if (this.agent !== "thinking") return;
    this.agentAudioStarted();
    this.agentAudioEnded();
  }

  // Each caller frame, as the VAD judged it. `voicedMs`: the speech the frame stands for (more than frameMs on the
  // first frame of a run the VAD confirmed late; see TurnTaker).
  frame(nowMs: number, isVoiced: boolean, frameMs = 20, voicedMs = frameMs): TTurnPolicyAction[] {
    // The stretch's length is counted in audio (frames), not on the clock between their arrivals: frames reach
    // the server with a few ms of jitter, so `nowMs - onset` measured 199.x ms on the frame that ends 200 ms of
    // audio about half the time, and barge-in waited a frame (20 ms) more than the fixed policy's VAD, which
    // counts stream time.
    if (isVoiced) {
      if (this.speechOnsetMs === null) {
        this.speechOnsetMs = nowMs - voicedMs;
        this.speechRunMs = voicedMs;
      } else this.speechRunMs += frameMs;
      this.speechGapMs = 0;
    } else if (this.speechOnsetMs !== null) {
      this.speechGapMs += frameMs;
      this.speechRunMs += frameMs;
      if (this.speechGapMs > SPEECH_GAP_MS) {
        this.speechRunMs = 0;
        this.speechOnsetMs = null;
      }
    }
    if (this.agent === "speaking") return this.frameOverAgent(nowMs, isVoiced, frameMs, voicedMs);
    return this.fromEndpointer(this.endpointer.frame(nowMs, isVoiced, frameMs, voicedMs));
  }

  tick(nowMs: number): TTurnPolicyAction[] {
    if (this.judge) return this.withJudge(this.endpointer.tick(nowMs), this.judge.tick(nowMs));
    if (this.agent === "speaking") return NO_ACTIONS;
    return this.fromEndpointer(this.endpointer.tick(nowMs));
  }

  interim(text: string, nowMs: number): TTurnPolicyAction[] {
    const actions: TTurnPolicyAction[] = [];
    if (this.judge) actions.push(...this.fromJudge(this.judge.interim(text, nowMs)));
    // While the agent speaks, words go to the endpointer too, so a real interruption keeps them.
    actions.push(...this.fromEndpointer(this.endpointer.interim(text, nowMs)));
    return actions;
  }

  final(text: string, flags: { isSpeechFinal?: boolean; isFromFinalize?: boolean }, nowMs: number): TTurnPolicyAction[] {
    const actions: TTurnPolicyAction[] = [];
    if (this.judge) actions.push(...this.fromJudge(this.judge.final(text, flags, nowMs)));
    if (this.agent !== "speaking") actions.push(...this.fromEndpointer(this.endpointer.final(text, flags, nowMs)));
    else this.endpointer.final(text, flags, nowMs);
    return actions;
  }

  utteranceEnd(nowMs: number): TTurnPolicyAction[] {
    if (this.agent === "speaking") return NO_ACTIONS;
    return this.fromEndpointer(this.endpointer.utteranceEnd(nowMs));
  }

  // The agent's line before the caller's next turn (its question), for reading the caller's answer.
  agentSaid(text: string): void {
    this.endpointer.setAgentQuestion(text);
  }

  // The first audio of a reply (or of any agent line) reached the caller. `isInterruptible: false` for lines that
  // must be heard whole (the greeting, the disclosure).
  agentAudioStarted(options: { isInterruptible?: boolean } = {}): void {
    this.agent = "speaking";
    this.isInterruptible = options.isInterruptible ?? true;
    this.speculative = null;
    this.endpointer.agentAudioStarted();
  }

  // The agent's audio finished playing (its last mark came back), or was abandoned.
  agentAudioEnded(): void {
    this.agent = "idle";
    this.judge = null;
    this.endpointer.beginNextTurn();
  }

  private frameOverAgent(nowMs: number, isVoiced: boolean, frameMs: number, voicedMs: number): TTurnPolicyAction[] {
    if (this.judge) return this.withJudge(this.endpointer.frame(nowMs, isVoiced, frameMs, voicedMs), this.judge.frame(nowMs, isVoiced, frameMs));
    if (!isVoiced || !this.isInterruptible || this.speechRunMs < this.config.interruptionMinSpeechMs) return NO_ACTIONS;
    const onsetMs = this.speechOnsetMs ?? nowMs;
    this.judge = new OverlapJudge(
      { language: this.config.language, extraPhrases: this.config.backchannelPhrases, shouldResume: this.config.shouldResumeAfterBackchannel },
      onsetMs,
    );
    this.endpointer.beginNextTurn();
    this.endpointer.reset();
    // Replay the speech so far into both, at the onset, so their clocks start with the caller's sound.
    const out: TTurnPolicyAction[] = [{ type: "clear" }];
    // A run longer than a backchannel can be (speech that began under a line the caller could not interrupt)
    // gets its verdict inside the replay: the judge is gone from then on, and the endpointer hears the rest.
    for (let t = onsetMs + frameMs; t <= nowMs; t += frameMs) {
      this.endpointer.frame(t, true, frameMs);
      if (this.judge) out.push(...this.fromJudge(this.judge.frame(t, true, frameMs)));
    }
    return out;
  }

  // While the judge decides, the endpointer hears the same audio, so a real interruption is a turn already under
  // way. Only its Finalizes go out (an extra one costs an empty final), so its count of answers it waits for stays
  // true; the judge's verdict decides the rest.
  private withJudge(own: TEndpointAction[], judged: TOverlapAction[]): TTurnPolicyAction[] {
    if (own.length === 0 && judged.length === 0) return NO_ACTIONS;
    return [...this.fromEndpointer(own.filter((a) => a.type === "finalize")), ...this.fromJudge(judged)];
  }

  private fromJudge(actions: TOverlapAction[]): TTurnPolicyAction[] {
    if (actions.length === 0) return NO_ACTIONS;
    const out: TTurnPolicyAction[] = [];
    for (const action of actions) {
      if (action.type === "finalize") {
        out.push({ type: "finalize" });
        continue;
      }
      this.judge = null;
      if (action.action === "resume" && action.kind !== "interruption") {
        // A backchannel is not a turn: forget its words; the agent carries on speaking.
        this.endpointer.reset();
        this.endpointer.agentAudioStarted();
        out.push({ type: "resume", kind: action.kind, words: action.text });
      } else {
        this.agent = "idle";
        out.push({ type: "yield-floor", words: action.text });
      }
    }
    return out;
  }

  private fromEndpointer(actions: TEndpointAction[]): TTurnPolicyAction[] {
    if (actions.length === 0) return NO_ACTIONS;
    const out: TTurnPolicyAction[] = [];
    for (const action of actions) {
      switch (action.type) {
        case "finalize":
          out.push({ type: "finalize" });
          break;
        case "preempt":
          if (this.agent !== "idle") break;
          if (this.speculative !== null) out.push({ type: "discard-speculative", reason: "words-differ" });
          this.speculative = action.text;
          out.push({ type: "start-speculative", text: action.text });
          break;
        case "cancel-preempt":
          if (this.speculative !== null) out.push({ type: "discard-speculative", reason: "caller-went-on" });
          this.speculative = null;
          break;
        case "end-of-turn": {
          const speculative = this.speculative;
          this.speculative = null;
          const useSpeculative = speculative !== null && checkPreemption(speculative, action.text, this.config.language).isValid;
          if (speculative !== null && !useSpeculative) out.push({ type: "discard-speculative", reason: "words-differ" });
          this.agent = "thinking";
          out.push({ type: "reply", text: action.text, completeness: action.completeness, useSpeculative });
          break;
        }
        case "drop-reply":
          this.agent = "idle";
          out.push({ type: "drop-reply" });
          break;
      }
    }
    return out;
  }
}
