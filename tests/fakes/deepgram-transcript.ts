import { mulawRms } from "./faults";

// What the fake Deepgram hears, and when it says so. It cannot recognise words, so it detects speech by energy
// in the mu-law audio and answers each caller turn with the next scripted transcript.
//
// The timing model (documented in bench/results/voice.md; the turn-taking measurements depend on it):
// - A turn starts with the first voiced audio and takes one transcript (SpeechStarted if vad_events=true).
//   "|" in a transcript marks where the caller pauses: "five five five | two one two" is said in two stretches
//   of speech, each stretch getting its own words. Without "|" the whole transcript is one stretch.
// - Words are spoken at `msPerWord` of voiced audio each; the last word of a stretch is complete when the stretch
//   ends (`stretchEndMs` of silence), or at a Finalize, which flushes the stretch in progress. Speech after a
//   pause of `minPauseMs` (250) or more starts the next stretch; shorter gaps are gaps between words.
// - Interims (interim_results=true): every `interimIntervalMs` (250) of audio from the turn's start (on the
//   first 20 ms window at or after each tick), an interim result carrying every
//   word spoken up to `interimLagMs` (250) earlier that no final has carried yet; none when that is empty or
//   unchanged since the last one.
// - Finalize (may come at any time): `finalLatencyMs` (150) later, is_final + from_finalize with every word
//   spoken so far and not yet final ("" if none). Recognition goes on after it: the turn continues with its next
//   stretch, and only a turn whose words are all final ends, so the next speech takes the next transcript.
//   A Finalize that completes the turn less than minPauseMs into a silence (a listener's VAD took a gap inside
//   or between words for the end of speech) ends it only once the silence reaches minPauseMs: speech before
//   then is the rest of that turn. Each pause counts once (for the first speech after it).
// - After `endpointing` ms of silence: is_final + speech_final with the words spoken so far; UtteranceEnd after
//   utterance_end_ms of silence.
// Time is measured in received audio (8 bytes per ms), so tests may send audio faster than real time.

// Read on every window, so a test may change them on a running fake (FakeDeepgram's fields).
export type TTranscriptTiming = {
  speechRmsThreshold: number;
  minSpeechMs: number;
  minEndpointingMs: number;
  msPerWord: number;
  interimIntervalMs: number;
  interimLagMs: number;
  stretchEndMs: number;
  minPauseMs: number;
};

// What the model decides to say. Interims and SpeechStarted go out at once; finals and UtteranceEnd after the
// final latency, in order (the connection's job).
export type TTranscriptEvents = {
  speechStarted(atMs: number): void;
  interim(text: string, startMs: number, endMs: number): void;
  final(text: string, startMs: number, endMs: number, flags: { isSpeechFinal: boolean; isFromFinalize: boolean }, onSent?: () => void): void;
  utteranceEnd(lastWordEndMs: number): void;
};

type TTurn = {
  index: number;
  words: string[]; // every word of the transcript, as punctuated there
  stretchEnds: number[]; // flat index after the last word of each stretch
  stretch: number; // the stretch being spoken, or last spoken
  isStretchOpen: boolean;
  stretchVoicedMs: number;
  spokenAtMs: number[]; // when each word spoken so far was complete (audio ms)
  delivered: number; // words already carried by a final
  startMs: number;
  nextInterimAtMs: number; // on a grid of interimIntervalMs from the turn's start
  lastInterimText: string;
};

const WINDOW_BYTES = 160; // 20 ms at 8 kHz mu-law

export function parseTranscript(text: string): { words: string[]; stretchEnds: number[] } {
  const words: string[] = [];
  const stretchEnds: number[] = [];
  for (const stretch of text.split("|")) {
    const stretchWords = stretch.trim() ? stretch.trim().split(/\s+/) : [];
    if (stretchWords.length === 0) continue;
    words.push(...stretchWords);
    stretchEnds.push(words.length);
  }
  return { words, stretchEnds };
}

// One stream's recognition: fed the audio as it arrives, it tells `events` what Deepgram would send.
export class TranscriptModel {
  private readonly isInterim: boolean;
  private readonly hasVadEvents: boolean;
  private readonly endpointingMs: number | null;
  private readonly utteranceEndMs: number | null;
  private carry: Buffer = Buffer.alloc(0);
  private audioMsReceived = 0;
  private voicedRunMs = 0;
  private silenceRunMs = 0;
  private pauseBeforeMs = 0;
  private isInSpeech = false;
  private segmentStartMs = 0;
  private lastVoiceMs = 0;
  private turn: TTurn | null = null;
  // The turn's words are all final but a Finalize cut its last stretch short: it ends at the next real pause.
  private isTurnHeld = false;
  private turnCount = 0;
  private isUtteranceEndPending = false;

  constructor(
    private readonly timing: TTranscriptTiming,
    query: URLSearchParams,
    // The transcript of the stream's turn `turnIndex` (from 0).
    private readonly nextTranscript: (turnIndex: number) => string,
    private readonly events: TTranscriptEvents,
  ) {
    this.isInterim = query.get("interim_results") === "true";
    this.hasVadEvents = query.get("vad_events") === "true";
    const endpointing = query.get("endpointing");
    // Deepgram's default endpointing is 10 ms; "false" disables it.
    this.endpointingMs =
      endpointing === "false"
        ? null
        : Math.max(timing.minEndpointingMs, endpointing === null || endpointing === "true" ? 10 : Number(endpointing));
    const utteranceEnd = query.get("utterance_end_ms");
    this.utteranceEndMs = utteranceEnd !== null && this.isInterim ? Number(utteranceEnd) : null;
  }

  // Audio received so far, in ms.
  get audioMs(): number {
    return this.audioMsReceived;
  }

  onAudio(chunk: Buffer): void {
    let audio = chunk;
    if (this.carry.length > 0) {
      audio = Buffer.concat([this.carry, chunk]);
      this.carry = Buffer.alloc(0);
    }
    let offset = 0;
    for (; offset + WINDOW_BYTES <= audio.length; offset += WINDOW_BYTES) {
      this.onWindow(mulawRms(audio, offset, offset + WINDOW_BYTES) >= this.timing.speechRmsThreshold);
    }
    if (offset < audio.length) this.carry = Buffer.from(audio.subarray(offset));
  }

  // Finalize: the stretch in progress counts as said and every word spoken so far becomes final.
  finalize(onSent?: () => void): void {
    this.flush(true, onSent);
  }

  // CloseStream: every word of the turn in progress, spoken or not, becomes final.
  closeStream(): void {
    if (this.turn && this.turn.delivered < this.turn.words.length) this.flush(false);
  }

  private onWindow(isVoiced: boolean): void {
    this.audioMsReceived += 20;
    if (isVoiced) {
      if (this.silenceRunMs > 0) this.pauseBeforeMs = this.silenceRunMs;
      this.voicedRunMs += 20;
      this.silenceRunMs = 0;
      this.lastVoiceMs = this.audioMsReceived;
      if (!this.isInSpeech && this.voicedRunMs >= this.timing.minSpeechMs) this.startSegment();
      if (this.turn && this.voicedRunMs >= this.timing.minSpeechMs) this.maybeNextStretch(this.turn);
      if (this.isInSpeech && this.turn) {
        this.turn.stretchVoicedMs += 20;
        this.speakByRate(this.turn);
      }
      if (this.turn) this.maybeSendInterim(this.turn);
      return;
    }
    this.voicedRunMs = 0;
    this.silenceRunMs += 20;
    if (this.isTurnHeld && this.silenceRunMs >= this.timing.minPauseMs) {
      this.isTurnHeld = false;
      if (this.isTurnDone()) this.turn = null;
    }
    if (this.turn?.isStretchOpen && this.silenceRunMs >= this.timing.stretchEndMs) this.endStretch(this.turn, this.lastVoiceMs);
    if (this.turn) this.maybeSendInterim(this.turn);
    if (this.isInSpeech && this.endpointingMs !== null && this.silenceRunMs >= this.endpointingMs) {
      this.isInSpeech = false;
      this.deliverSpoken({ isSpeechFinal: true, isFromFinalize: false });
      if (this.utteranceEndMs === null && this.isTurnDone()) this.turn = null;
    }
    if (this.isUtteranceEndPending && this.utteranceEndMs !== null && this.silenceRunMs >= this.utteranceEndMs) {
      this.isUtteranceEndPending = false;
      if (this.isInSpeech) {
        // endpointing=false: the segment is still open, so it becomes final now.
        this.isInSpeech = false;
        this.deliverSpoken({ isSpeechFinal: false, isFromFinalize: false });
      }
      this.events.utteranceEnd(this.lastVoiceMs);
      if (this.isTurnDone()) this.turn = null;
    }
  }

  private startSegment(): void {
    this.isInSpeech = true;
    this.segmentStartMs = this.audioMsReceived - this.voicedRunMs;
    this.isUtteranceEndPending = this.utteranceEndMs !== null;
    if (!this.turn) {
      this.isTurnHeld = false;
      const index = this.turnCount++;
      const { words, stretchEnds } = parseTranscript(this.nextTranscript(index).trim());
      this.turn = {
        index,
        words,
        stretchEnds,
        stretch: 0,
        isStretchOpen: true,
        stretchVoicedMs: this.voicedRunMs - 20,
        spokenAtMs: [],
        delivered: 0,
        startMs: this.segmentStartMs,
        nextInterimAtMs: this.segmentStartMs + this.timing.interimIntervalMs,
        lastInterimText: "",
      };
    }
    if (this.hasVadEvents) this.events.speechStarted(this.segmentStartMs);
  }

  // The caller goes on after a real pause: the next stretch of the same turn.
  private maybeNextStretch(turn: TTurn): void {
    // Each pause counts once, at the first confirmed speech after it: a pause the open stretch absorbed must not
    // later move a stretch that a Finalize flushed on to the next one.
    const pauseMs = this.pauseBeforeMs;
    this.pauseBeforeMs = 0;
    if (turn.isStretchOpen || pauseMs < this.timing.minPauseMs) return;
    if (turn.stretch >= turn.stretchEnds.length - 1) return;
    turn.stretch++;
    turn.isStretchOpen = true;
    turn.stretchVoicedMs = this.voicedRunMs - 20;
  }

  // Words of the open stretch are complete every msPerWord of its voiced audio, all but its last word.
  private speakByRate(turn: TTurn): void {
    if (!turn.isStretchOpen) return;
    const end = turn.stretchEnds[turn.stretch] ?? 0;
    const start = turn.stretch === 0 ? 0 : (turn.stretchEnds[turn.stretch - 1] ?? 0);
    const byRate = start + Math.floor(turn.stretchVoicedMs / this.timing.msPerWord);
    const target = Math.min(end - 1, byRate);
    while (turn.spokenAtMs.length < target) turn.spokenAtMs.push(this.audioMsReceived);
  }

  private endStretch(turn: TTurn, atMs: number): void {
    if (!turn.isStretchOpen) return;
    turn.isStretchOpen = false;
    const end = turn.stretchEnds[turn.stretch] ?? 0;
    while (turn.spokenAtMs.length < end) turn.spokenAtMs.push(atMs);
  }

  private isTurnDone(): boolean {
    const turn = this.turn;
    return !turn || (!turn.isStretchOpen && turn.delivered >= turn.words.length);
  }

  private maybeSendInterim(turn: TTurn): void {
    if (!this.isInterim) return;
    if (this.audioMsReceived < turn.nextInterimAtMs) return;
    while (turn.nextInterimAtMs <= this.audioMsReceived) turn.nextInterimAtMs += this.timing.interimIntervalMs;
    const cutoffMs = this.audioMsReceived - this.timing.interimLagMs;
    let count = turn.delivered;
    while (count < turn.spokenAtMs.length && turn.spokenAtMs[count]! <= cutoffMs) count++;
    const text = turn.words.slice(turn.delivered, count).join(" ");
    if (!text || text === turn.lastInterimText) return;
    turn.lastInterimText = text;
    this.events.interim(text, turn.startMs, this.audioMsReceived);
  }

  // A final with every word spoken and not yet final.
  private deliverSpoken(flags: { isSpeechFinal: boolean; isFromFinalize: boolean }, onSent?: () => void, isEverything = false): void {
    const turn = this.turn;
    let text = "";
    if (turn) {
      const upTo = isEverything ? turn.words.length : turn.spokenAtMs.length;
      text = turn.words.slice(turn.delivered, upTo).join(" ");
      turn.delivered = Math.max(turn.delivered, upTo);
      turn.lastInterimText = "";
    }
    const startMs = turn ? turn.startMs : this.segmentStartMs;
    const endMs = Math.max(startMs, this.isInSpeech ? this.audioMsReceived : this.lastVoiceMs);
    this.events.final(text, startMs, endMs, flags, onSent);
  }

  private flush(isFromFinalize: boolean, onSent?: () => void): void {
    // Finalize flushes the audio received: the stretch in progress counts as said.
    if (this.turn) this.endStretch(this.turn, this.audioMsReceived);
    this.deliverSpoken({ isSpeechFinal: false, isFromFinalize }, onSent, !isFromFinalize);
    this.isInSpeech = false;
    this.voicedRunMs = 0;
    this.isUtteranceEndPending = false;
    if (!this.isTurnDone()) return;
    // A Finalize inside the caller's speech (their VAD took a gap inside a word, or between words, for silence;
    // the fake's energy detector may have too) leaves the turn open to the caller's next real pause: the rest of
    // that speech (the tail of its last word) is still this turn, and must not take the next transcript.
    if (this.silenceRunMs >= this.timing.minPauseMs) this.turn = null;
    else this.isTurnHeld = true;
  }
}
