import { writeSync } from "node:fs";
import { mkdir, open, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { recordingKey } from "@/lib/recordings/store";
import { CALL_WAV_CHANNELS, CALL_WAV_HEADER_BYTES, callWavHeader } from "@/lib/recordings/wav-header";
import { ArrayPool } from "@/voice-server/audio/array-pool";
import { FRAME_MS, MULAW_DECODE_TABLE, MULAW_SAMPLE_RATE } from "@/voice-server/audio/mulaw";

// Both sides of a call as a stereo 16-bit WAV (left: caller, right: agent), time-aligned in 20 ms slots on the
// stream's clock. Only a few seconds live in memory, in one preallocated ring (no object per frame, so nothing
// for the garbage collector to promote at hundreds of calls): older slots are written to disk as the call goes,
// and the header sizes are patched at the end. Agent frames that were sent but then cleared by a barge-in are
// erased, so the file holds what the caller actually heard.

const CHANNELS = CALL_WAV_CHANNELS;
const HEADER_BYTES = CALL_WAV_HEADER_BYTES;
const SLOT_SAMPLES = (MULAW_SAMPLE_RATE * FRAME_MS) / 1000;
const SLOT_VALUES = SLOT_SAMPLES * CHANNELS;
// Slots kept in memory behind the newest one; late frames within this window still land in place.
const WINDOW_SLOTS = 100;
const RING_SLOTS = 2 * WINDOW_SLOTS + 2;
// 129 KB each, for the life of a call: reused across calls (see ArrayPool).
const RECORDER_RINGS = new ArrayPool(RING_SLOTS * SLOT_VALUES, (length) => new Int16Array(length));

export class CallRecorder {
  private file: FileHandle | null = null;
  private opening: Promise<void> | null = null;
  // Interleaved stereo PCM of slots nextSlotToWrite..newestSlot, slot i at (i % RING_SLOTS).
  private ring = RECORDER_RINGS.take();
  private nextSlotToWrite = 0;
  private newestSlot = -1;
  private dataBytes = 0;
  private writes: Promise<void> = Promise.resolve();
  private error: unknown = null;
  private isFinished = false;

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
    for (let offset = 0; offset < audio.length; offset += SLOT_SAMPLES) this.put(0, audio, offset, atMs + (offset / SLOT_SAMPLES) * FRAME_MS);
  }

  agent(audio: Uint8Array, atMs: number): void {
    for (let offset = 0; offset < audio.length; offset += SLOT_SAMPLES) this.put(1, audio, offset, atMs + (offset / SLOT_SAMPLES) * FRAME_MS);
  }

  // The agent's audio from `atMs` on was cleared at the far end before it played.
  eraseAgentFrom(atMs: number): void {
    for (let index = Math.max(this.nextSlotToWrite, Math.ceil(atMs / FRAME_MS)); index <= this.newestSlot; index++) {
      const base = (index % RING_SLOTS) * SLOT_VALUES + 1;
      for (let i = 0; i < SLOT_VALUES; i += CHANNELS) this.ring[base + i] = 0;
    }
  }

  // Writes what is left and fixes the header. Returns the byte size of the audio data.
  async finish(): Promise<number> {
    if (this.isFinished) return this.dataBytes;
    this.isFinished = true;
    this.flushUpTo(this.newestSlot + 1);
    // Everything is copied out; nothing reads the ring once finished.
    RECORDER_RINGS.give(this.ring);
    this.ring = new Int16Array(0);
    await this.opening;
    await this.writes;
    if (this.file) {
      try {
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
      // Keep the window in the ring: write out what falls behind it (a long gap is written as silence).
      if (index - this.nextSlotToWrite > 2 * WINDOW_SLOTS) this.flushUpTo(index - WINDOW_SLOTS);
      this.newestSlot = index;
    }
    const base = (index % RING_SLOTS) * SLOT_VALUES + channel;
    const n = Math.min(audio.length - offset, SLOT_SAMPLES);
    const ring = this.ring;
    const table = MULAW_DECODE_TABLE;
    for (let i = 0; i < n; i++) ring[base + i * CHANNELS] = table[audio[offset + i]!]!;
    for (let i = n; i < SLOT_SAMPLES; i++) ring[base + i * CHANNELS] = 0;
  }

  private flushUpTo(endSlot: number): void {
    const count = endSlot - this.nextSlotToWrite;
    if (count <= 0) return;
    const pcm = new Int16Array(count * SLOT_VALUES);
    // Slots still in the ring are copied out and cleared for reuse; any beyond it were never written (silence).
    const inRing = Math.min(count, Math.max(0, this.newestSlot + 1 - this.nextSlotToWrite));
    for (let s = 0; s < inRing; s++) {
      const from = ((this.nextSlotToWrite + s) % RING_SLOTS) * SLOT_VALUES;
      pcm.set(this.ring.subarray(from, from + SLOT_VALUES), s * SLOT_VALUES);
      this.ring.fill(0, from, from + SLOT_VALUES);
    }
    this.nextSlotToWrite = endSlot;
    const bytes = new Uint8Array(pcm.buffer);
    const offset = HEADER_BYTES + this.dataBytes;
    this.dataBytes += bytes.length;
    if (this.file) {
      // Once the file is open, slots go to the page cache right here: a 64 KiB write takes tens of microseconds,
      // while handing it to libuv's thread pool costs a thread switch on the core this process shares with its
      // pool, and showed up as several per cent of the event loop's time at 200 calls (bench:voice). Every write
      // names its offset, so these and any still queued from before the file opened land in place in any order.
      try {
        writeSync(this.file.fd, bytes, 0, bytes.length, offset);
      } catch (error) {
        this.error = error;
      }
      return;
    }
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
}
