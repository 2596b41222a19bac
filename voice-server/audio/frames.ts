import { FRAME_BYTES, MULAW_SILENCE } from "@/lib/audio/mulaw";

function padFrame(partial: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);
  frame.set(partial);
  return frame;
}

// Full frames are views into `bytes` (no copy); only a short tail is copied and padded with silence.
export function splitFrames(bytes: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let offset = 0;
  for (; offset + FRAME_BYTES <= bytes.length; offset += FRAME_BYTES) {
    frames.push(bytes.subarray(offset, offset + FRAME_BYTES));
  }
  if (offset < bytes.length) frames.push(padFrame(bytes.subarray(offset)));
  return frames;
}

// Re-cuts a stream of arbitrarily sized chunks into 20 ms frames. Emitted frames are fresh copies, so callers
// may keep them after pushing more data.
export class FrameChunker {
  private readonly pending = new Uint8Array(FRAME_BYTES);
  private filled = 0;

  get pendingBytes(): number {
    return this.filled;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let offset = 0;
    if (this.filled > 0) {
      const take = Math.min(FRAME_BYTES - this.filled, chunk.length);
      this.pending.set(chunk.subarray(0, take), this.filled);
      this.filled += take;
      offset = take;
      if (this.filled < FRAME_BYTES) return frames;
      frames.push(this.pending.slice());
      this.filled = 0;
    }
    for (; offset + FRAME_BYTES <= chunk.length; offset += FRAME_BYTES) {
      frames.push(chunk.slice(offset, offset + FRAME_BYTES));
    }
    if (offset < chunk.length) {
      this.pending.set(chunk.subarray(offset));
      this.filled = chunk.length - offset;
    }
    return frames;
  }

  // The partial frame left over, padded with silence; undefined when nothing is pending.
  flush(): Uint8Array | undefined {
    if (this.filled === 0) return undefined;
    const frame = padFrame(this.pending.subarray(0, this.filled));
    this.filled = 0;
    return frame;
  }

  reset(): void {
    this.filled = 0;
  }
}

export async function* toFrames(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const chunker = new FrameChunker();
  for await (const chunk of chunks) yield* chunker.push(chunk);
  const tail = chunker.flush();
  if (tail) yield tail;
}

// The most recent `capacity` bytes of a stream in one preallocated ring: a call keeps seconds of audio without an
// object per frame for the garbage collector to carry. Positions count every byte ever pushed. The ring can come
// from a pool and go back to it with release(), after which the history is empty and ignores pushes.
export class AudioHistory {
  private ring: Uint8Array;
  private written = 0;

  constructor(capacityOrRing: number | Uint8Array) {
    this.ring = typeof capacityOrRing === "number" ? new Uint8Array(capacityOrRing) : capacityOrRing;
  }

  // Hands the ring back (e.g. to its pool); the history keeps nothing from then on.
  release(): Uint8Array {
    const ring = this.ring;
    this.ring = new Uint8Array(0);
    this.written = 0;
    return ring;
  }

  get position(): number {
    return this.written;
  }

  push(audio: Uint8Array): void {
    const capacity = this.ring.length;
    if (capacity === 0) return;
    const bytes = audio.length > capacity ? audio.subarray(audio.length - capacity) : audio;
    this.written += audio.length - bytes.length;
    const at = this.written % capacity;
    const first = Math.min(bytes.length, capacity - at);
    this.ring.set(bytes.subarray(0, first), at);
    if (first < bytes.length) this.ring.set(bytes.subarray(first), 0);
    this.written += bytes.length;
  }

  // A copy of the stream from position `from` (or the oldest byte still kept) to now.
  since(from: number): Uint8Array {
    const capacity = this.ring.length;
    if (capacity === 0) return new Uint8Array(0);
    const start = Math.max(0, from, this.written - capacity);
    const out = new Uint8Array(Math.max(0, this.written - start));
    const at = start % capacity;
    const first = Math.min(out.length, capacity - at);
    out.set(this.ring.subarray(at, at + first));
    if (first < out.length) out.set(this.ring.subarray(0, out.length - first), first);
    return out;
  }
}
