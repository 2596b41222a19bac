import { decodeMulaw, MULAW_SAMPLE_RATE } from "@/lib/audio/mulaw";
import type { TMulaw, TSttEvent, TSttStream } from "@/voice-server/providers/types";

// What the offline recognizers share: a turn's audio is buffered as the call pushes it, long turns are cut at the
// caller's pauses into segments decoded while the caller goes on speaking, and finals come out in turn order. Each
// engine supplies decode() for one segment.

// Shared by every stream of an engine in the process, so a burst of turns cannot start more decoders than there
// are cores.
export class Slots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async acquire(signal: AbortSignal): Promise<() => void> {
    if (this.active >= this.size) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const i = this.waiting.indexOf(go);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal.reason);
        };
        const go = () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        };
        this.waiting.push(go);
        signal.addEventListener("abort", onAbort, { once: true });
      });
    } else {
      this.active++;
    }
    let isReleased = false;
    return () => {
      if (isReleased) return;
      isReleased = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }
}

export class EventQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: ((result: IteratorResult<T>) => void) | undefined;
  private isEnded = false;

  push(item: T): void {
    if (this.isEnded) return;
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  end(): void {
    this.isEnded = true;
    this.waiter?.({ value: undefined, done: true });
    this.waiter = undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.items.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.isEnded) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiter = resolve));
      },
      return: () => {
        this.end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

// Segments are at least minSegmentMs long (a turn shorter than that is decoded whole, which recognises best: a
// phone number said in groups, "five five five, one two three, ...", takes 5-6 s and cut at its pauses lost its
// last group) and at most maxSegmentMs (then cut at the quietest moment near the end), so the final never decodes
// more than that.
export type TSegmenting = { minSegmentMs: number; maxSegmentMs: number };

const FRAME = 160; // 20 ms at 8 kHz
const PAUSE_FRAMES = 12; // 240 ms of quiet: between phrases, longer than the gaps inside words
const LEAD_KEEP_MS = 1000; // audio kept before the first voiced frame of a turn
export const VOICED_FRAMES_FOR_SPEECH = 5; // 100 ms of voice: the caller said something

function frameRms(pcm: Int16Array, start: number): number {
  let sum = 0;
  for (let i = start; i < start + FRAME; i++) sum += pcm[i]! * pcm[i]!;
  return Math.sqrt(sum / FRAME);
}

export abstract class SegmentingStream implements TSttStream {
  readonly events = new EventQueue<TSttEvent>();
  // The current segment of the current turn.
  private buffer = new Uint8Array(MULAW_SAMPLE_RATE * 4);
  private length = 0;
  private scanned = 0; // bytes of the buffer already measured for voice
  private quietRun = 0; // quiet frames at the end of the buffer
  private voicedInSegment = 0;
  private voicedInTurn = 0;
  // Line noise level, tracked over the whole call (the session pushes every frame, silence included).
  private floor = 0;
  private segments: Promise<string>[] = [];
  private turns: Promise<void> = Promise.resolve();
  protected readonly closing = new AbortController();
  private closed: Promise<void> | undefined;

  constructor(
    private readonly segmenting: TSegmenting,
    signal: AbortSignal,
  ) {
    // Closed once the subclass's constructor has run too, since onClose() may use its fields.
    if (signal.aborted) {
      this.closing.abort();
      queueMicrotask(() => void this.close());
    } else {
      signal.addEventListener("abort", () => void this.close(), { once: true });
    }
  }

  // Words heard in one segment. `voicedFrames`: how many of its 20 ms frames held voice (0 for line noise only).
  protected abstract decode(segment: Uint8Array, voicedFrames: number): Promise<string>;

  // Stops decoders in flight when the stream closes.
  protected onClose(): void {}

  push(audio: TMulaw): void {
    if (this.closing.signal.aborted || audio.length === 0) return;
    if (this.length + audio.length > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + audio.length));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(audio, this.length);
    this.length += audio.length;
    this.scan();
  }

  private threshold(): number {
    // As trimToSpeech: well above the line's noise and above what a quiet line carries.
    return Math.max(this.floor * 8, 100);
  }

  private scan(): void {
    const { minSegmentMs, maxSegmentMs } = this.segmenting;
    while (this.scanned + FRAME <= this.length) {
      const rms = frameRms(decodeMulaw(this.buffer.subarray(this.scanned, this.scanned + FRAME)), 0);
      this.scanned += FRAME;
      // The floor follows quiet frames down at once and louder ones up slowly, so speech never becomes "noise".
      this.floor = this.floor === 0 || rms < this.floor ? rms : this.floor + (rms - this.floor) * 0.002;
      if (rms >= this.threshold()) {
        this.voicedInSegment++;
        this.voicedInTurn++;
        this.quietRun = 0;
      } else {
        this.quietRun++;
      }
      const ms = (this.length * 1000) / MULAW_SAMPLE_RATE;
      if (this.voicedInSegment === 0) {
        // Nothing said yet in this segment: keep only the last second of line noise before it.
        const keep = (LEAD_KEEP_MS * MULAW_SAMPLE_RATE) / 1000;
        if (this.scanned > keep * 2) this.drop(this.scanned - keep);
        continue;
      }
      if (ms >= minSegmentMs && this.quietRun >= PAUSE_FRAMES && this.voicedInSegment >= VOICED_FRAMES_FOR_SPEECH) {
        this.cut(this.scanned - Math.floor(this.quietRun / 2) * FRAME);
      } else if (ms >= maxSegmentMs) {
        this.cut(this.quietestCut());
      }
    }
  }

  // Where to cut a segment that ran long without a pause: the quietest 100 ms of its last two seconds.
  private quietestCut(): number {
    const pcm = decodeMulaw(this.buffer.subarray(0, this.scanned));
    const frames = Math.floor(pcm.length / FRAME);
    const from = Math.max(1, frames - 100);
    let best = frames;
    let bestEnergy = Infinity;
    for (let f = from; f + 5 <= frames; f++) {
      let energy = 0;
      for (let k = 0; k < 5; k++) energy += frameRms(pcm, (f + k) * FRAME);
      if (energy < bestEnergy) {
        bestEnergy = energy;
        best = f + 2;
      }
    }
    return best * FRAME;
  }

  private drop(bytes: number): void {
    this.buffer.copyWithin(0, bytes, this.length);
    this.length -= bytes;
    this.scanned -= bytes;
  }

  // Sends buffer[0, at) off to be decoded now, while the caller goes on.
  private cut(at: number): void {
    const segment = this.buffer.slice(0, at);
    const voiced = this.voicedInSegment;
    this.drop(at);
    this.voicedInSegment = 0;
    this.quietRun = 0;
    this.segments.push(this.decode(segment, voiced));
  }

  finalize(): void {
    if (this.closing.signal.aborted) return;
    if (this.voicedInSegment > 0 || this.segments.length === 0) {
      this.segments.push(this.decode(this.buffer.slice(0, this.length), this.voicedInSegment));
    }
    this.length = 0;
    this.scanned = 0;
    this.quietRun = 0;
    this.voicedInSegment = 0;
    const hadSpeech = this.voicedInTurn >= VOICED_FRAMES_FOR_SPEECH;
    this.voicedInTurn = 0;
    const segments = this.segments;
    this.segments = [];
    // Finals come out in turn order, each once all its segments are decoded.
    this.turns = this.turns.then(async () => {
      const texts: string[] = [];
      let failure: Error | undefined;
      for (const segment of segments) {
        try {
          texts.push(await segment);
        } catch (error) {
          failure ??= error instanceof Error ? error : new Error(String(error));
        }
      }
      if (this.closing.signal.aborted) return;
      if (failure) this.events.push({ type: "error", error: failure, isFatal: false });
      const text = texts.filter(Boolean).join(" ");
      // Speech with no usable words says so, so the session can ask again instead of waiting in silence.
      this.events.push(
        hadSpeech && !text ? { type: "final", text, isFromFinalize: true, isUnrecognized: true } : { type: "final", text, isFromFinalize: true },
      );
    });
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing.abort();
      this.onClose();
      this.events.end();
      await this.turns;
      await Promise.allSettled(this.segments);
    })();
    return this.closed;
  }
}
