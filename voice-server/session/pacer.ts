import { ArrayPool } from "@/voice-server/audio/array-pool";
import { FRAME_BYTES, FRAME_MS, MULAW_SILENCE } from "@/lib/audio/mulaw";

// Outbound audio pacing. One FramePacer per process drives every call's PacedOutput from a single timer, so the
// cost per call is a queue and a few comparisons per tick, not a timer of its own. Each output schedules its
// 20 ms frames on a monotonic clock (never from how late a tick fired) and keeps between `leadMs - batchMs`
// and `leadMs` of audio queued at the far end (Twilio buffers what it is sent; `clear` empties that buffer, so
// the lead costs nothing on barge-in, and marks still say what the caller heard). The lead rides over a stalled
// event loop; topping it up only once it has fallen by `batchMs` sends several frames per message, which at
// hundreds of calls saves most of the per-message cost (JSON, base64, a syscall each).
export type TClock = { now(): number };

export const monotonicClock: TClock = { now: () => performance.now() };

type TTag = { generation: number; segment: number };

// Audio items hold whole frames back to back, as many as one chunk of synthesized audio had (not an object per
// frame: replies wait here for seconds, and hundreds of calls' worth of small objects would all reach the old
// generation); `offset` is how much of it was sent. Their bytes are copies in blocks the pacer reuses: the chunks
// they come from are views into Buffer's shared 64 KiB slabs, and a reply waiting here for seconds kept its slabs
// alive into the old generation, megabytes of ArrayBuffers per second at hundreds of calls (see ArrayPool).
const BLOCK_BYTES = 100 * FRAME_BYTES;

type TItem = { kind: "audio"; audio: Uint8Array; offset: number; tag: TTag } | { kind: "mark"; name: string; tag: TTag };

export type TPacedSink = {
  // Whole 20 ms frames of one segment, back to back. `playAtMs` is when the first starts playing at the far
  // end, on the pacer's clock. `audio` is only valid during the call (the pacer reuses its memory): copy what you keep.
  sendAudio(audio: Uint8Array, tag: TTag, playAtMs: number): void;
  sendMark(name: string, tag: TTag): void;
};

export type TPacerOptions = {
  clock?: TClock;
  tickMs?: number;
  leadMs?: number;
  batchMs?: number;
  onLateFrame?: (lateByMs: number) => void;
};

export class FramePacer {
  readonly clock: TClock;
  readonly tickMs: number;
  readonly leadMs: number;
  readonly batchMs: number;
  private readonly busy = new Set<PacedOutput>();
  /** @internal */
  readonly blocks = new ArrayPool<Uint8Array>(BLOCK_BYTES, (length) => new Uint8Array(length));
  private timer: NodeJS.Timeout | null = null;
  private readonly onLateFrame?: (lateByMs: number) => void;

  constructor(options: TPacerOptions = {}) {
    this.clock = options.clock ?? monotonicClock;
    this.tickMs = options.tickMs ?? 10;
    this.leadMs = options.leadMs ?? 200;
    this.batchMs = Math.min(options.batchMs ?? 60, this.leadMs);
    this.onLateFrame = options.onLateFrame;
  }

  createOutput(sink: TPacedSink): PacedOutput {
    return new PacedOutput(this, sink);
  }

  get activeOutputs(): number {
    return this.busy.size;
  }

  /** @internal */
  wake(output: PacedOutput): void {
    this.busy.add(output);
    if (!this.timer) this.timer = setInterval(() => this.tick(), this.tickMs);
  }

  /** @internal */
  sleep(output: PacedOutput): void {
    this.busy.delete(output);
    if (this.busy.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** @internal */
  reportLate(lateByMs: number): void {
    this.onLateFrame?.(lateByMs);
  }

  tick(): void {
    const now = this.clock.now();
    for (const output of this.busy) output.pump(now);
  }

  stop(): void {
    for (const output of [...this.busy]) output.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

export class PacedOutput {
  private readonly queue: TItem[] = [];
  private head = 0;
  // Blocks holding the queued audio, oldest first; the last one is filled from `blockUsed` on.
  private readonly blocks: Uint8Array[] = [];
  private blockUsed = BLOCK_BYTES;
  // Play time of the next frame; behind `now` means the far end has run dry.
  private nextPlayAtMs = 0;
  private partial: Uint8Array | null = null;
  private partialTag: TTag | null = null;
  private isClosed = false;
  private queuedFrames = 0;

  constructor(
    private readonly pacer: FramePacer,
    private readonly sink: TPacedSink,
  ) {}

  // Audio of any size. A short tail waits for more audio of the same segment; `endSegment` pads it.
  enqueueAudio(audio: Uint8Array, tag: TTag): void {
    if (this.isClosed || audio.length === 0) return;
    let offset = 0;
    if (this.partial && this.partialTag && sameTag(this.partialTag, tag)) {
      const need = FRAME_BYTES - this.partial.length;
      const joined = new Uint8Array(Math.min(FRAME_BYTES, this.partial.length + audio.length));
      joined.set(this.partial);
      joined.set(audio.subarray(0, need), this.partial.length);
      offset = Math.min(need, audio.length);
      if (joined.length < FRAME_BYTES) {
        this.partial = joined;
        return;
      }
      this.pushAudio(joined, tag);
      this.partial = null;
    } else if (this.partial) {
      this.flushPartial();
    }
    const whole = Math.floor((audio.length - offset) / FRAME_BYTES) * FRAME_BYTES;
    if (whole > 0) this.pushAudio(audio.subarray(offset, offset + whole), tag);
    offset += whole;
    if (offset < audio.length) {
      this.partial = audio.slice(offset);
      this.partialTag = tag;
    }
    this.kick();
  }

  // Ends a segment: pads its last partial frame and queues a mark that the far end echoes once it has played.
  endSegment(markName: string, tag: TTag): void {
    if (this.isClosed) return;
    this.flushPartial();
    this.queue.push({ kind: "mark", name: markName, tag });
    this.kick();
  }

  // Drops everything not yet sent; call together with the transport's clear. Returns the frames dropped.
  clear(): number {
    const dropped = this.queuedFrames;
    this.queue.length = 0;
    this.head = 0;
    this.releaseBlocks(this.blocks.length);
    this.queuedFrames = 0;
    this.partial = null;
    this.partialTag = null;
    this.hadBacklog = false;
    // The far end drops its buffer too (Twilio `clear`), so the next audio plays right away.
    this.nextPlayAtMs = 0;
    this.pacer.sleep(this);
    return dropped;
  }

  close(): void {
    this.clear();
    this.isClosed = true;
  }

  get isIdle(): boolean {
    return this.head >= this.queue.length && this.partial === null;
  }

  get pendingFrames(): number {
    return this.queuedFrames;
  }

  // When the audio sent so far finishes playing, on the pacer clock.
  get playoutEndsAtMs(): number {
    return this.nextPlayAtMs;
  }

  /** @internal */
  pump(now: number): void {
    if (this.head < this.queue.length && this.nextPlayAtMs < now) {
      // Frames were waiting and yet the far end ran dry: the process stalled past the lead.
      if (this.hadBacklog) this.pacer.reportLate(now - this.nextPlayAtMs);
      this.nextPlayAtMs = now;
    }
    const canTopUp = this.nextPlayAtMs - now <= this.pacer.leadMs - this.pacer.batchMs;
    const horizon = now + this.pacer.leadMs;
    while (this.head < this.queue.length) {
      const item = this.queue[this.head] as TItem;
      if (item.kind === "mark") {
        this.head++;
        this.sink.sendMark(item.name, item.tag);
        continue;
      }
      if (!canTopUp || this.nextPlayAtMs > horizon) break;
      // Frames up to the horizon, from consecutive items of this segment: one message.
      const frames = Math.floor((horizon - this.nextPlayAtMs) / FRAME_MS) + 1;
      const audio = this.take(frames, item.tag);
      const count = audio.length / FRAME_BYTES;
      this.sink.sendAudio(audio, item.tag, this.nextPlayAtMs);
      this.queuedFrames -= count;
      this.nextPlayAtMs += count * FRAME_MS;
    }
    this.hadBacklog = this.head < this.queue.length;
    if (!this.hadBacklog) {
      this.queue.length = 0;
      this.head = 0;
      this.pacer.sleep(this);
    }
    this.releaseSentBlocks();
  }

  private hadBacklog = false;

  // Up to `frames` frames of `tag` from the head of the queue: a view when they sit in one item, else a copy.
  private take(frames: number, tag: TTag): Uint8Array {
    const first = this.queue[this.head] as Extract<TItem, { kind: "audio" }>;
    const wanted = frames * FRAME_BYTES;
    if (first.audio.length - first.offset >= wanted) {
      const audio = first.audio.subarray(first.offset, first.offset + wanted);
      first.offset += wanted;
      if (first.offset === first.audio.length) this.head++;
      return audio;
    }
    const parts: Uint8Array[] = [];
    let bytes = 0;
    while (bytes < wanted && this.head < this.queue.length) {
      const item = this.queue[this.head] as TItem;
      if (item.kind !== "audio" || !sameTag(item.tag, tag)) break;
      const n = Math.min(wanted - bytes, item.audio.length - item.offset);
      parts.push(item.audio.subarray(item.offset, item.offset + n));
      item.offset += n;
      bytes += n;
      if (item.offset === item.audio.length) this.head++;
    }
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(bytes);
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  // Copies `audio` (whole frames) into the blocks: one item per block it lands in.
  private pushAudio(audio: Uint8Array, tag: TTag): void {
    this.queuedFrames += audio.length / FRAME_BYTES;
    for (let offset = 0; offset < audio.length; ) {
      if (this.blockUsed === BLOCK_BYTES) {
        this.blocks.push(this.pacer.blocks.take());
        this.blockUsed = 0;
      }
      const block = this.blocks[this.blocks.length - 1]!;
      const n = Math.min(audio.length - offset, BLOCK_BYTES - this.blockUsed);
      block.set(audio.subarray(offset, offset + n), this.blockUsed);
      this.queue.push({ kind: "audio", audio: block.subarray(this.blockUsed, this.blockUsed + n), offset: 0, tag });
      this.blockUsed += n;
      offset += n;
    }
  }

  // Blocks before the one the next unsent item is in go back to the pool (all of them once nothing is queued). Items
  // fill blocks in queue order, so everything in those blocks has been sent; the sink copied it before returning.
  private releaseSentBlocks(): void {
    let sentBlocks = this.head >= this.queue.length ? this.blocks.length : 0;
    for (let i = this.head; i < this.queue.length; i++) {
      const item = this.queue[i]!;
      if (item.kind !== "audio") continue;
      sentBlocks = this.blocks.findIndex((block) => block.buffer === item.audio.buffer);
      break;
    }
    if (sentBlocks > 0) this.releaseBlocks(sentBlocks);
  }

  private releaseBlocks(count: number): void {
    for (const block of this.blocks.splice(0, count)) this.pacer.blocks.give(block);
    if (this.blocks.length === 0) this.blockUsed = BLOCK_BYTES;
  }

  private flushPartial(): void {
    if (!this.partial || !this.partialTag) return;
    const frame = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);
    frame.set(this.partial);
    this.pushAudio(frame, this.partialTag);
    this.partial = null;
    this.partialTag = null;
  }

  // New audio goes out at once rather than on the next tick: that tick would add up to tickMs of latency.
  private kick(): void {
    if (this.head >= this.queue.length) return;
    this.pacer.wake(this);
    this.pump(this.pacer.clock.now());
  }
}

function sameTag(a: TTag, b: TTag): boolean {
  return a.generation === b.generation && a.segment === b.segment;
}
