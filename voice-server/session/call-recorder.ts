import { writeSync } from "node:fs";
import { mkdir, open, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { recordingKey } from "@/lib/recordings/store";
import { CALL_WAV_CHANNELS, CALL_WAV_HEADER_BYTES, callWavHeader } from "@/lib/recordings/wav-header";
import { ArrayPool } from "@/voice-server/audio/array-pool";
import { FRAME_MS, MULAW_DECODE_TABLE, MULAW_SAMPLE_RATE } from "@/lib/audio/mulaw";

// Both sides of a call as a stereo 16-bit WAV (left: caller, right: agent), time-aligned in 20 ms slots on the
// stream's clock. Only a few seconds live in memory, in one preallocated ring (no object per frame, so nothing
// for the garbage collector to promote at hundreds of calls), and the header sizes are patched at the end. The
// ring keeps the frames' mu-law bytes, half the size of their PCM, and they are decoded only as they are written. Agent
// frames that were sent but then cleared by a barge-in are erased, so the file holds what the caller heard.
// Slots stay in the ring for a while so late frames still land in place, but the file does not wait for them:
// every second of stream time, the slots changed since the last write go to the page cache in one positional
// write straight from the ring (a slot changed again later is written again). A process killed mid-call so
// loses at most the last second of audio; crash recovery repairs the header (lib/recordings/salvage-recordings).

const CHANNELS = CALL_WAV_CHANNELS;
const HEADER_BYTES = CALL_WAV_HEADER_BYTES;
const SLOT_SAMPLES = (MULAW_SAMPLE_RATE * FRAME_MS) / 1000;
const SLOT_VALUES = SLOT_SAMPLES * CHANNELS;
// Slots kept in memory behind the newest one; late frames within this window still land in place.
const WINDOW_SLOTS = 100;
const RING_SLOTS = 2 * WINDOW_SLOTS + 2;
// How far the stream moves on between two writes of what changed: 1 s.
const SYNC_SLOTS = 1000 / FRAME_MS;
const SLOT_BYTES = SLOT_VALUES * 2;
// 65 KB each, for the life of a call: reused across calls (see ArrayPool).
const RECORDER_RINGS = new ArrayPool(RING_SLOTS * SLOT_VALUES, (length) => new Uint8Array(length));
// The ring holds each mu-law byte complemented, so that 0 (what a fresh or cleared ring holds) is silence, as
// in PCM: the wire's byte for zero amplitude is 0xff.
const STORED_DECODE_TABLE = MULAW_DECODE_TABLE.map((_, stored) => MULAW_DECODE_TABLE[stored ^ 0xff]!);
// PCM of the slots being written: writes are synchronous, so one buffer serves every call in the process.
const PCM_SCRATCH = new Int16Array(RING_SLOTS * SLOT_VALUES);

export class CallRecorder {
  private file: FileHandle | null = null;
  private opening: Promise<void> | null = null;
  // Interleaved stereo (complemented mu-law) of slots nextSlotToWrite..newestSlot, slot i at (i % RING_SLOTS).
  private ring = RECORDER_RINGS.take();
  // Per ring position: 1 when the slot there changed since it was last written to the file.
  private readonly dirty = new Uint8Array(RING_SLOTS);
  // Slots before this one have left the ring: in the file, or never heard (a hole, which reads as silence).
  private nextSlotToWrite = 0;
  private newestSlot = -1;
  private syncedAtSlot = 0;
  private dataBytes = 0;
  private writes: Promise<void> = Promise.resolve();
  private error: unknown = null;
  private isFinished = false;
  // Slot ranges [from, to) of the caller's side that are never kept (keys pressed while sensitive data is typed).
  private callerMutes: { from: number; to: number }[] = [];

  constructor(readonly filePath: string) {}

  static pathFor(recordingsDir: string, teamId: string, callId: string): { absolute: string; relative: string } {
    // The key the local recording store knows it by (forward slashes on every platform).
    const relative = recordingKey(teamId, callId);
    return { absolute: path.join(recordingsDir, relative), relative };
  }

  get failed(): unknown {
    return this.error;
  }

  start(): void {
    this.opening ??= (async () => {
      await mkdir(path.dirname(this.filePath), { recursive: true });
      this.file = await open(this.filePath, "w");
      await this.file.write(callWavHeader(0), 0, HEADER_BYTES, 0);
    })().catch((error: unknown) => {
      this.error = error;
    });
  }

  // Audio of one or more 20 ms frames back to back; `atMs` is the first frame's start on the stream clock.
  caller(audio: Uint8Array, atMs: number): void {
    for (let offset = 0; offset < audio.length; offset += SLOT_SAMPLES)
      this.put(0, audio, offset, atMs + (offset / SLOT_SAMPLES) * FRAME_MS);
  }

  agent(audio: Uint8Array, atMs: number): void {
    for (let offset = 0; offset < audio.length; offset += SLOT_SAMPLES)
      this.put(1, audio, offset, atMs + (offset / SLOT_SAMPLES) * FRAME_MS);
  }

  // The agent's audio from `atMs` on was cleared at the far end before it played.
  eraseAgentFrom(atMs: number): void {
    for (let index = Math.max(this.nextSlotToWrite, Math.ceil(atMs / FRAME_MS)); index <= this.newestSlot; index++) {
      const base = (index % RING_SLOTS) * SLOT_VALUES + 1;
      for (let i = 0; i < SLOT_VALUES; i += CHANNELS) this.ring[base + i] = 0;
      this.dirty[index % RING_SLOTS] = 1;
    }
  }

  // The caller's side from `fromMs` to `toMs` is not kept: what of it is still in memory is zeroed (and rewritten
  // if it already went to the file), and frames that arrive for it later are written as silence. Audio older than
  // the ring is silenced when the recording is sealed (lib/recordings/seal-recording.ts).
  silenceCaller(fromMs: number, toMs: number): void {
    if (this.isFinished) return;
    const from = Math.max(0, Math.floor(fromMs / FRAME_MS));
    const to = Math.ceil(toMs / FRAME_MS);
    if (to <= from) return;
    this.callerMutes = this.callerMutes.filter((m) => m.to > this.nextSlotToWrite);
    this.callerMutes.push({ from, to });
    for (let index = Math.max(this.nextSlotToWrite, from); index <= Math.min(this.newestSlot, to - 1); index++) {
      const base = (index % RING_SLOTS) * SLOT_VALUES;
      for (let i = 0; i < SLOT_VALUES; i += CHANNELS) this.ring[base + i] = 0;
      this.dirty[index % RING_SLOTS] = 1;
    }
  }

  // Writes what is left and fixes the header. Returns the byte size of the audio data.
  async finish(): Promise<number> {
    if (this.isFinished) return this.dataBytes;
    this.isFinished = true;
    this.flushUpTo(this.newestSlot + 1);
    this.dataBytes = Math.max(0, this.newestSlot + 1) * SLOT_BYTES;
    // Everything is copied out; nothing reads the ring once finished.
    RECORDER_RINGS.give(this.ring);
    this.ring = new Uint8Array(0);
    await this.opening;
    await this.writes;
    if (this.file) {
      try {
        // Silence at the very end was never written (a hole): the file still gets its full length.
        await this.file.truncate(HEADER_BYTES + this.dataBytes);
        await this.file.write(callWavHeader(this.dataBytes), 0, HEADER_BYTES, 0);
      } catch (error) {
        this.error ??= error;
      }
      await this.file.close().catch(() => {});
      this.file = null;
    }
    if (this.error) throw this.error;
    return this.dataBytes;
  }

  // One slot's worth of `audio` from `offset` (less at its end).
  private put(channel: 0 | 1, audio: Uint8Array, offset: number, atMs: number): void {
    if (this.isFinished || this.error) return;
    const index = Math.round(atMs / FRAME_MS);
    if (index < this.nextSlotToWrite || offset >= audio.length) return;
    if (index > this.newestSlot) {
      // Keep the window in the ring: write out what falls behind it (a long gap is left as silence).
      if (index - this.nextSlotToWrite > 2 * WINDOW_SLOTS) this.flushUpTo(index - WINDOW_SLOTS);
      // A second of stream time since the last write: what changed goes to the file now.
      if (index - this.syncedAtSlot >= SYNC_SLOTS) this.sync();
      this.newestSlot = index;
    }
    const base = (index % RING_SLOTS) * SLOT_VALUES + channel;
    const n = channel === 0 && this.isCallerMuted(index) ? 0 : Math.min(audio.length - offset, SLOT_SAMPLES);
    const ring = this.ring;
    for (let i = 0; i < n; i++) ring[base + i * CHANNELS] = audio[offset + i]! ^ 0xff;
    for (let i = n; i < SLOT_SAMPLES; i++) ring[base + i * CHANNELS] = 0;
    this.dirty[index % RING_SLOTS] = 1;
  }

  private isCallerMuted(index: number): boolean {
    for (const m of this.callerMutes) if (index >= m.from && index < m.to) return true;
    return false;
  }

  // Writes every changed slot still in the ring, in runs of adjacent ones (usually one run: the last second).
  private sync(): void {
    this.syncedAtSlot = Math.max(this.newestSlot, 0);
    if (!this.file || this.error) return;
    this.writeChanged(this.nextSlotToWrite, this.newestSlot + 1);
  }

  private writeChanged(fromSlot: number, endSlot: number): void {
    let runStart = -1;
    for (let index = fromSlot; index <= endSlot; index++) {
      const position = index % RING_SLOTS;
      // A run ends at a clean slot, at the end, and where the ring wraps (its slots are contiguous up to there).
      const isDirty = index < endSlot && this.dirty[position] === 1;
      if (runStart >= 0 && (!isDirty || position === 0)) {
        this.writeSlots(runStart, index);
        runStart = -1;
      }
      if (isDirty && runStart < 0) runStart = index;
      if (isDirty) this.dirty[position] = 0;
    }
  }

  // Slots fromSlot..endSlot-1, contiguous in the ring, straight from it to their place in the file.
  private writeSlots(fromSlot: number, endSlot: number): void {
    const from = (fromSlot % RING_SLOTS) * SLOT_VALUES;
    const values = (endSlot - fromSlot) * SLOT_VALUES;
    const offset = HEADER_BYTES + fromSlot * SLOT_BYTES;
    const ring = this.ring;
    const table = STORED_DECODE_TABLE;
    for (let i = 0; i < values; i++) PCM_SCRATCH[i] = table[ring[from + i]!]!;
    if (this.file) {
      // Written right here, into the page cache: a 64 KiB write takes tens of microseconds, while handing it to
      // libuv's thread pool costs a thread switch on the core this process shares with its pool, and showed up as
      // several per cent of the event loop's time at 200 calls (bench:voice).
      try {
        writeSync(this.file.fd, PCM_SCRATCH, 0, values * 2, offset);
      } catch (error) {
        this.error = error;
      }
      return;
    }
    // The file is still opening: a copy waits for it (every write names its offset, so order does not matter).
    const bytes = new Uint8Array(PCM_SCRATCH.slice(0, values).buffer);
    this.writes = this.writes.then(async () => {
      await this.opening;
      if (!this.file || this.error) return;
      try {
        await this.file.write(bytes, 0, bytes.length, offset);
      } catch (error) {
        this.error = error;
      }
    });
  }

  // Slots before endSlot leave the ring: what changed since its last write is written, and their places are
  // cleared for reuse. Slots beyond the ring (a long gap) were never heard and stay a hole in the file.
  private flushUpTo(endSlot: number): void {
    if (endSlot <= this.nextSlotToWrite) return;
    const inRingEnd = Math.min(endSlot, this.newestSlot + 1);
    if (!this.error) this.writeChanged(this.nextSlotToWrite, inRingEnd);
    for (let index = this.nextSlotToWrite; index < inRingEnd; index++) {
      const from = (index % RING_SLOTS) * SLOT_VALUES;
      this.ring.fill(0, from, from + SLOT_VALUES);
      this.dirty[index % RING_SLOTS] = 0;
    }
    this.nextSlotToWrite = endSlot;
  }
}
