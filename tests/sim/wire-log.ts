import { FRAME_BYTES } from "@/lib/audio/mulaw";
import type { TSimDbRecord } from "./call-record";
import { isVoiced } from "./caller-audio";
import type { SimScheduler } from "./sim-scheduler";
import type { TParsedTwiml, TTwimlVerb } from "./twiml";

// What a simulated call saw at the wire, and the latencies measured there (not the server's own numbers): the
// caller's lines with voice-to-voice and barge-in times, the agent's speech as the caller heard it, marks and
// clears, the pacing of the agent's audio, protocol errors.

const BYTES_PER_MS = 8;
// A gap in agent audio shorter than this, not at a mark, is the agent running late mid-sentence; longer ones
// are the end of what it had to say.
const LATE_GAP_WINDOW_MS = 1000;
// Agent speech separated by less than this is one stretch of speech in the transcript (unless a `clear` came in
// between: speech after a clear always starts a stretch of its own, so a resumed sentence shows as one).
const AGENT_SPEECH_MERGE_MS = 500;

export type TSimTurn = {
  index: number;
  text: string;
  // The line was started by `interruptAfterMs`, i.e. meant to talk over the agent.
  isInterruption: boolean;
  // Milliseconds from the start of the stream, at the wire: the first and last voiced frame sent.
  startMs: number | null;
  endMs: number | null;
  // Agent audio was queued or playing when the caller started: the line barges in.
  wasAgentTalking: boolean;
  // End of the caller's speech -> first voiced agent audio received after it.
  voiceToVoiceMs: number | null;
  agentReplyAtMs: number | null;
  // Onset of the caller's speech -> `clear` received.
  clearAtMs: number | null;
  bargeInMs: number | null;
  // Voiced agent audio arrived after the clear while this line was still being spoken.
  hasAgentAudioAfterClear: boolean;
};

export type TSimClear = { atMs: number; droppedMs: number; marksEchoed: string[] };
export type TSimMark = { name: string; receivedAtMs: number; echoedAtMs: number | null; wasCleared: boolean };
// isSimulatorStall: this process itself had just stalled for at least that long, so the gap may be ours.
export type TSimLateFrame = { atMs: number; lateByMs: number; isSimulatorStall: boolean };

export type TSimPacing = {
  agentMessages: number;
  agentAudioMs: number;
  // Between consecutive agent media messages of one stretch of audio (back-to-back sends excluded).
  interArrivalMs: number[];
  // |inter-arrival - duration of the previous message|, same samples.
  jitterMs: number[];
  // The playout buffer ran dry mid-segment (no mark at its tail) and audio came later: the caller heard a gap.
  lateFrames: TSimLateFrame[];
  // The buffer ran dry at a mark (between sentences) and the next audio followed within a second.
  segmentGapsMs: number[];
};

export type TSimEnd = {
  // server: it closed the socket; redirected: it replaced the call's TwiML through the REST API (transfer);
  // twiml: the webhook answered without a stream (unknown number, closed, over the limit).
  by: "caller" | "server" | "redirected" | "twiml" | "timeout" | "aborted" | "error";
  atMs: number;
  code: number | null;
  reason: string;
  description: string;
  // What Twilio would do next: the <Connect action> answer, or the verbs after <Connect>.
  nextTwiml: TTwimlVerb[] | null;
};

export type TSimCallResult = {
  label: string;
  callSid: string;
  streamSid: string | null;
  accountSid: string;
  from: string;
  to: string;
  twiml: TParsedTwiml;
  parameters: Record<string, string>;
  callId: string | null;
  teamId: string | null;
  // `start` sent -> first voiced agent audio received.
  greetingMs: number | null;
  turns: TSimTurn[];
  clears: TSimClear[];
  marks: TSimMark[];
  agentSpeech: { startMs: number; endMs: number }[];
  pacing: TSimPacing;
  dtmfSent: string[];
  end: TSimEnd;
  durationMs: number;
  statusCallback: { status: number } | { error: string } | null;
  notes: string[];
  protocolErrors: string[];
  audio: { caller: Uint8Array; agent: Uint8Array } | null;
  record: TSimDbRecord | null;
};

// The playout queue as it was just before an agent media message was appended to it.
type TPlayoutState = { tailEndAt: number; lastAppended: "none" | "audio" | "mark" };

// Times are the scheduler's clock (performance.now()); what is recorded is in ms from `t0`, the `start` message.
export class WireLog {
  t0 = 0;
  greetingMs: number | null = null;
  readonly turns: TSimTurn[] = [];
  readonly clears: TSimClear[] = [];
  readonly marks: TSimMark[] = [];
  readonly agentSpeech: { startMs: number; endMs: number }[] = [];
  readonly pacing: TSimPacing = {
    agentMessages: 0,
    agentAudioMs: 0,
    interArrivalMs: [],
    jitterMs: [],
    lateFrames: [],
    segmentGapsMs: [],
  };
  readonly dtmfSent: string[] = [];
  readonly notes: string[] = [];
  readonly protocolErrors: string[] = [];

  agentVoiceEndsAt = -Infinity; // when the last voiced agent audio received so far finishes playing
  lastAgentVoiceAt = -Infinity; // receipt time of the last voiced agent audio
  lastAgentVoiceStartAt = -Infinity; // play time of the first voiced byte of that audio
  // The caller's last speech or keypress: what the agent's next words answer.
  lastCallerActionAt = -Infinity;
  private lastClearAt = -Infinity;
  private lastMediaAt = -1;
  private lastMediaDurationMs = 0;

  constructor(private readonly scheduler: SimScheduler) {}

  ms(at: number): number {
    return Math.round(at - this.t0);
  }

  callerLine(text: string, isInterruption: boolean): TSimTurn {
    const turn: TSimTurn = {
      index: this.turns.length,
      text,
      isInterruption,
      startMs: null,
      endMs: null,
      wasAgentTalking: false,
      voiceToVoiceMs: null,
      agentReplyAtMs: null,
      clearAtMs: null,
      bargeInMs: null,
      hasAgentAudioAfterClear: false,
    };
    this.turns.push(turn);
    return turn;
  }

  // A voiced frame of the caller's line went out; `playoutEndsAt` is when the agent audio queued so far ends.
  callerVoice(turn: TSimTurn, now: number, playoutEndsAt: number): void {
    if (turn.startMs === null) {
      turn.startMs = this.ms(now);
      turn.wasAgentTalking = playoutEndsAt > now || this.agentVoiceEndsAt > now;
    }
    turn.endMs = this.ms(now);
  }

  // An agent media message arrived, before it joins the playout queue: pacing.
  agentMedia(durationMs: number, now: number, playout: TPlayoutState): void {
    const isQueueEmpty = playout.tailEndAt <= now;
    const pacing = this.pacing;
    pacing.agentMessages++;
    pacing.agentAudioMs += durationMs;
    if (this.lastMediaAt >= 0 && this.lastClearAt < this.lastMediaAt) {
      const gapToTail = now - playout.tailEndAt;
      if (isQueueEmpty && gapToTail < LATE_GAP_WINDOW_MS) {
        if (playout.lastAppended === "audio") {
          pacing.lateFrames.push({
            atMs: this.ms(now),
            lateByMs: Math.round(gapToTail * 10) / 10,
            isSimulatorStall: this.scheduler.recentStallMs(now) >= gapToTail,
          });
        }
        else if (playout.lastAppended === "mark") pacing.segmentGapsMs.push(Math.round(gapToTail));
      }
      const gap = now - this.lastMediaAt;
      if (!isQueueEmpty && gap >= 2) {
        pacing.interArrivalMs.push(Math.round(gap * 10) / 10);
        pacing.jitterMs.push(Math.round(Math.abs(gap - this.lastMediaDurationMs) * 10) / 10);
      }
    }
    this.lastMediaAt = now;
    this.lastMediaDurationMs = durationMs;
  }

  // The same audio, queued to play from `startAt`: the agent's speech and the caller turn it answers.
  agentAudioQueued(bytes: Buffer, startAt: number, now: number, speakingTurn: TSimTurn | null): void {
    let firstVoiced = -1;
    let lastVoiced = -1;
    for (let offset = 0; offset < bytes.length; offset += FRAME_BYTES) {
      const stop = Math.min(bytes.length, offset + FRAME_BYTES);
      if (isVoiced(bytes, offset, stop)) {
        if (firstVoiced < 0) firstVoiced = offset;
        lastVoiced = stop;
      }
    }
    if (firstVoiced < 0) return;
    const voiceStartAt = startAt + firstVoiced / BYTES_PER_MS;
    const voiceEndAt = startAt + lastVoiced / BYTES_PER_MS;
    if (this.lastAgentVoiceAt <= this.lastCallerActionAt || this.lastAgentVoiceAt < this.lastClearAt) this.lastAgentVoiceStartAt = voiceStartAt;
    this.lastAgentVoiceAt = now;
    this.agentVoiceEndsAt = Math.max(this.agentVoiceEndsAt, voiceEndAt);
    this.greetingMs ??= this.ms(now);
    const last = this.agentSpeech[this.agentSpeech.length - 1];
    const isAfterClear = this.lastClearAt >= 0 && this.ms(this.lastClearAt) >= (last?.endMs ?? Infinity);
    if (last && !isAfterClear && this.ms(voiceStartAt) - last.endMs < AGENT_SPEECH_MERGE_MS) last.endMs = this.ms(voiceEndAt);
    else this.agentSpeech.push({ startMs: this.ms(voiceStartAt), endMs: this.ms(voiceEndAt) });

    const turn = this.turns[this.turns.length - 1];
    if (!turn) return;
    const isSpeaking = speakingTurn === turn;
    if (isSpeaking && turn.clearAtMs !== null) turn.hasAgentAudioAfterClear = true;
    if (!isSpeaking && turn.endMs !== null && turn.voiceToVoiceMs === null) {
      turn.agentReplyAtMs = this.ms(now);
      turn.voiceToVoiceMs = Math.round((now - this.t0 - turn.endMs) * 10) / 10;
    }
  }

  // The server sent `clear`: the playout queue dropped `droppedMs` of audio and echoed `marksEchoed`.
  cleared(now: number, droppedMs: number, marksEchoed: string[], speakingTurn: TSimTurn | null): void {
    this.agentVoiceEndsAt = Math.min(this.agentVoiceEndsAt, now);
    const last = this.agentSpeech[this.agentSpeech.length - 1];
    if (last && last.endMs > this.ms(now)) last.endMs = Math.max(last.startMs, this.ms(now));
    this.lastClearAt = now;
    this.clears.push({ atMs: this.ms(now), droppedMs: Math.round(droppedMs), marksEchoed });
    // A clear answers the caller's latest line if it is being spoken or has just ended.
    const turn = this.turns[this.turns.length - 1];
    if (turn && turn.startMs !== null && turn.clearAtMs === null) {
      const isRecent = speakingTurn === turn || (turn.endMs !== null && this.ms(now) - turn.endMs < 2000);
      if (isRecent) {
        turn.clearAtMs = this.ms(now);
        turn.bargeInMs = Math.round((now - this.t0 - turn.startMs) * 10) / 10;
      }
    }
  }
}

// The conversation as the simulator heard it, for when there is no database to read: caller lines from the
// script, agent speech as stretches of audio.
export function wireTranscript(result: TSimCallResult): { atMs: number; speaker: "caller" | "agent"; text: string }[] {
  const lines: { atMs: number; speaker: "caller" | "agent"; text: string }[] = [];
  for (const turn of result.turns) {
    if (turn.startMs === null) continue;
    const tags = [turn.isInterruption || turn.wasAgentTalking ? "over the agent" : "", turn.clearAtMs !== null ? "agent cleared" : ""]
      .filter(Boolean)
      .join(", ");
    lines.push({ atMs: turn.startMs, speaker: "caller", text: `${turn.text}${tags ? ` (${tags})` : ""}` });
  }
  for (const speech of result.agentSpeech) {
    lines.push({ atMs: speech.startMs, speaker: "agent", text: `[${((speech.endMs - speech.startMs) / 1000).toFixed(1)} s of speech]` });
  }
  return lines.sort((a, b) => a.atMs - b.atMs);
}
