import { FRAME_MS, MULAW_DECODE_TABLE, MULAW_SAMPLE_RATE } from "@/lib/audio/mulaw";

// WebRTC VAD (libfvad) compiled to WASM. One module per process; every call gets its own fvad instance
// inside the module's shared heap.
type TFvadModule = {
  HEAP16: Int16Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  _fvad_new(): number;
  _fvad_free(handle: number): void;
  _fvad_reset(handle: number): void;
  _fvad_set_mode(handle: number, mode: number): number;
  _fvad_set_sample_rate(handle: number, rate: number): number;
  _fvad_process(handle: number, ptr: number, samples: number): number;
};

// libfvad accepts 10, 20 and 30 ms frames.
const MAX_FRAME_SAMPLES = (MULAW_SAMPLE_RATE * 30) / 1000;
const VALID_FRAME_SAMPLES = new Set([80, 160, 240]);

let modulePromise: Promise<TFvadModule> | undefined;

export function loadVadModule(): Promise<TFvadModule> {
  modulePromise ??= (async () => {
    // @ts-expect-error -- the package ships no type declarations
    const imported = await import("@echogarden/fvad-wasm");
    return (await imported.default()) as TFvadModule;
  })().catch((error: unknown) => {
    modulePromise = undefined;
    throw new Error("Could not load the WebRTC VAD (@echogarden/fvad-wasm)", { cause: error });
  });
  return modulePromise;
}

export type TVadMode = 0 | 1 | 2 | 3;

export type TVad = {
  // Is this mu-law frame (10, 20 or 30 ms at 8 kHz) speech?
  process(frame: Uint8Array): boolean;
  // Mean square (int16) of the frame process() last saw: its loudness, from the same decoding pass.
  readonly lastMeanSquare: number;
  reset(): void;
  close(): void;
};

// Mode 3 is the most aggressive about calling noise "not speech", which suits phone lines.
export async function createVad(options: { mode?: TVadMode } = {}): Promise<TVad> {
  const m = await loadVadModule();
  const handle = m._fvad_new();
  if (!handle) throw new Error("fvad_new failed (out of memory?)");
  const ptr = m._malloc(MAX_FRAME_SAMPLES * 2);
  if (!ptr) {
    m._fvad_free(handle);
    throw new Error("VAD buffer allocation failed");
  }
  if (m._fvad_set_mode(handle, options.mode ?? 3) !== 0 || m._fvad_set_sample_rate(handle, MULAW_SAMPLE_RATE) !== 0) {
    m._fvad_free(handle);
    m._free(ptr);
    throw new Error(`Invalid VAD configuration (mode ${options.mode})`);
  }
  const base = ptr >> 1;
  const table = MULAW_DECODE_TABLE;
  let isClosed = false;
  let lastMeanSquare = 0;

  return {
    get lastMeanSquare() {
      return lastMeanSquare;
    },
    process(frame) {
      if (isClosed) throw new Error("VAD used after close()");
      const n = frame.length;
      if (!VALID_FRAME_SAMPLES.has(n)) throw new RangeError(`VAD frame must be 80, 160 or 240 bytes, got ${n}`);
      // Read HEAP16 every time: the view is replaced if the WASM memory ever grows.
      const heap = m.HEAP16;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const v = table[frame[i]!]!;
        heap[base + i] = v;
        sum += v * v;
      }
      lastMeanSquare = sum / n;
      const result = m._fvad_process(handle, ptr, n);
      if (result < 0) throw new Error("fvad_process rejected the frame");
      return result === 1;
    },
    reset() {
      if (!isClosed) m._fvad_reset(handle);
    },
    close() {
      if (isClosed) return;
      isClosed = true;
      m._fvad_free(handle);
      m._free(ptr);
    },
  };
}

// ---- Turn detection on top of per-frame decisions ---------------------------------------------------------

export type TSpeechDetectorConfig = {
  // Speech must add up to this long before it counts as started (barge-in threshold).
  minSpeechMs: number;
  // Silence after speech that ends the utterance.
  endSilenceMs: number;
  // While speech is still only a candidate, gaps up to this long (between syllables) do not discard it.
  maxGapMs?: number;
  // Frame length assumed by pushDecision(); push() takes it from the frame itself.
  frameMs?: number;
};

// Offsets are ms since the first frame pushed into the detector.
export type TSpeechEvent =
  | { type: "speech-start"; startMs: number; atMs: number }
  | { type: "speech-end"; startMs: number; endMs: number; atMs: number };

// A lone speech frame is never a word; this many in a row are needed to start or to keep speech going. Exported:
// isVoicedFrame turns true on the last of them, so its first voiced frame stands for this many frames of speech.
export const CONFIRM_FRAMES = 2;

// The WebRTC VAD keeps saying "speech" for up to ~100 ms after the talker stops (its hangover), which would add
// that much to every reply. A frame only counts as speech when it is also clearly louder than the line's noise
// floor, so the end of speech is dated from the last frame with sound in it.
// Mean square (int16) below which a frame is silence whatever the noise floor: RMS 60, about -55 dBFS.
const MIN_SPEECH_POWER = 60 * 60;
// Speech must be this many times the noise floor's mean square (6 dB above it).
const NOISE_MARGIN = 4;
// The floor follows quieter frames at once and louder non-speech frames slowly (about 10 s to adapt), except
// over the first second of non-speech, when it learns the line quickly.
const FLOOR_RISE = 0.002;
const FLOOR_RISE_LEARNING = 0.1;
const FLOOR_LEARNING_FRAMES = 50;
// The WebRTC VAD does not call unvoiced consonants speech ("s" of "sorry", "h" of "hold on"), so a word that starts
// with one is confirmed up to a syllable late. Loud frames right before the confirmed speech, up to this long, are
// taken as its start (onsetLeadMs).
const MAX_ONSET_LEAD_MS = 160;

export class SpeechDetector {
  private readonly minSpeechMs: number;
  private readonly endSilenceMs: number;
  private readonly maxGapMs: number;
  private readonly frameMs: number;
  private nowMs = 0;
  private isInSpeech = false;
  private run = 0; // consecutive speech frames
  // Consecutive frames clearly louder than the line's noise floor, whatever the VAD said of them.
  private loudRun = 0;
  // Candidate (not yet started) speech.
  private candidateStartMs = -1;
  private candidateSpeechMs = 0;
  private candidateLastSpeechEndMs = 0;
  // Started speech.
  private speechStartMs = 0;
  private confirmedEndMs = 0;
  // Mean square of the line's background noise, from frames the VAD called non-speech.
  private noiseFloor = 0;
  private noiseFrames = 0;

  constructor(
    private readonly vad: TVad | null,
    config: TSpeechDetectorConfig,
  ) {
    this.frameMs = config.frameMs ?? FRAME_MS;
    this.minSpeechMs = Math.max(config.minSpeechMs, CONFIRM_FRAMES * this.frameMs);
    this.endSilenceMs = Math.max(config.endSilenceMs, this.frameMs);
    this.maxGapMs = config.maxGapMs ?? 100;
  }

  get isSpeaking(): boolean {
    return this.isInSpeech;
  }

  // The last frame was speech, and so was the one before it (a lone speech frame is never a word): the per-frame
  // reading a turn-taking policy wants, without the end-of-speech hangover of isSpeaking.
  get isVoicedFrame(): boolean {
    return this.run >= CONFIRM_FRAMES;
  }

  get timeMs(): number {
    return this.nowMs;
  }

  // How long before the current run of speech frames the sound began: loud frames the VAD did not call speech,
  // contiguous with the run (an unvoiced consonant), at most MAX_ONSET_LEAD_MS. 0 without a VAD (pushDecision).
  get onsetLeadMs(): number {
    if (this.run === 0) return 0;
    return Math.min(MAX_ONSET_LEAD_MS, Math.max(0, this.loudRun - this.run) * this.frameMs);
  }

  push(frame: Uint8Array): TSpeechEvent | null {
    if (!this.vad) throw new Error("SpeechDetector was created without a VAD; use pushDecision()");
    const isVadSpeech = this.vad.process(frame);
    const power = this.vad.lastMeanSquare;
    if (!isVadSpeech) {
      const rise = this.noiseFrames++ < FLOOR_LEARNING_FRAMES ? FLOOR_RISE_LEARNING : FLOOR_RISE;
      this.noiseFloor = power < this.noiseFloor ? power : this.noiseFloor + (power - this.noiseFloor) * rise;
    }
    const isLoud = power >= MIN_SPEECH_POWER && power >= this.noiseFloor * NOISE_MARGIN;
    this.loudRun = isLoud ? this.loudRun + 1 : 0;
    return this.pushDecision(isVadSpeech && isLoud, (frame.length * 1000) / MULAW_SAMPLE_RATE);
  }

  // For callers that already have the VAD decision (or tests): one frame of the given length.
  pushDecision(isSpeech: boolean, frameMs = this.frameMs): TSpeechEvent | null {
    const frameStartMs = this.nowMs;
    const frameEndMs = (this.nowMs += frameMs);
    this.run = isSpeech ? this.run + 1 : 0;

    if (!this.isInSpeech) {
      if (isSpeech) {
        if (this.candidateStartMs < 0) {
          this.candidateStartMs = frameStartMs;
          this.candidateSpeechMs = 0;
        }
        this.candidateSpeechMs += frameMs;
        this.candidateLastSpeechEndMs = frameEndMs;
        if (this.candidateSpeechMs >= this.minSpeechMs && this.run >= CONFIRM_FRAMES) {
          this.isInSpeech = true;
          this.speechStartMs = this.candidateStartMs;
          this.confirmedEndMs = frameEndMs;
          this.candidateStartMs = -1;
          return { type: "speech-start", startMs: this.speechStartMs, atMs: frameEndMs };
        }
      } else if (this.candidateStartMs >= 0 && frameEndMs - this.candidateLastSpeechEndMs > this.maxGapMs) {
        this.candidateStartMs = -1;
      }
      return null;
    }

    if (isSpeech) {
      // Contiguous with confirmed speech, or a short burst after a gap: either way the talker is still going.
      if (this.run >= CONFIRM_FRAMES || this.confirmedEndMs === frameStartMs) this.confirmedEndMs = frameEndMs;
      return null;
    }
    if (frameEndMs - this.confirmedEndMs >= this.endSilenceMs) {
      this.isInSpeech = false;
      return { type: "speech-end", startMs: this.speechStartMs, endMs: this.confirmedEndMs, atMs: frameEndMs };
    }
    return null;
  }

  // Forget any speech in progress; the clock keeps running and the VAD keeps its noise estimate.
  reset(): void {
    this.isInSpeech = false;
    this.run = 0;
    this.candidateStartMs = -1;
  }
}
