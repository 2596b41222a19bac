import { mkdir, open, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { recordingKey } from "@/lib/recordings/store";
import { FRAME_BYTES, FRAME_MS, MULAW_DECODE_TABLE, MULAW_SAMPLE_RATE } from "@/voice-server/audio/mulaw";

// Both sides of a call as a stereo 16-bit WAV (left: caller, right: agent), time-aligned in 20 ms slots on the
// stream's clock. Only a couple of seconds live in memory: older slots are written to disk as the call goes,
// and the header sizes are patched at the end. Agent frames that were sent but then cleared by a barge-in are
// erased, so the file holds what the caller actually heard.

const CHANNELS = 2;
const BYTES_PER_SAMPLE = 2;
const HEADER_BYTES = 44;
// Slots kept in memory behind the newest one; late frames within this window still land in place.
const WINDOW_SLOTS = 100;

type TSlot = { caller?: Uint8Array; agent?: Uint8Array };

export class CallRecorder {
  private file: FileHandle | null = null;
  private opening: Promise<void> | null = null;
  private readonly slots = new Map<number, TSlot>();
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
      await this.file.write(wavHeader(0), 0, HEADER_BYTES, 0);
    })().catch((error: unknown) => {
      this.error = error;
    });
  }

  // `atMs` is the frame's start on the stream clock.
  caller(frame: Uint8Array, atMs: number): void {
    this.put("caller", frame, atMs);
  }

  agent(frame: Uint8Array, atMs: number): void {
    this.put("agent", frame, atMs);
  }

  // The agent's audio from `atMs` on was cleared at the far end before it played.
  eraseAgentFrom(atMs: number): void {
    const first = Math.max(this.nextSlotToWrite, Math.ceil(atMs / FRAME_MS));
    for (const [index, slot] of this.slots) if (index >= first) slot.agent = undefined;
  }

  // Writes what is left and fixes the header. Returns the byte size of the audio data.
  async finish(): Promise<number> {
    if (this.isFinished) return this.dataBytes;
    this.isFinished = true;
    this.flushUpTo(this.newestSlot + 1);
    await this.opening;
    await this.writes;
    if (this.file) {
      try {
        await this.file.write(wavHeader(this.dataBytes), 0, HEADER_BYTES, 0);
      } catch (error) {
        this.error ??= error;
      }
      await this.file.close().catch(() => {});
      this.file = null;
    }
    if (this.error) throw this.error;
    return this.dataBytes;
  }

  private put(side: "caller" | "agent", frame: Uint8Array, atMs: number): void {
    if (this.isFinished || this.error) return;
    const index = Math.round(atMs / FRAME_MS);
    if (index < this.nextSlotToWrite || frame.length === 0) return;
    let slot = this.slots.get(index);
    if (!slot) {
      slot = {};
      this.slots.set(index, slot);
    }
    slot[side] = frame.length === FRAME_BYTES ? frame : frame.subarray(0, FRAME_BYTES);
    if (index > this.newestSlot) {
      this.newestSlot = index;
      if (index - this.nextSlotToWrite > 2 * WINDOW_SLOTS) this.flushUpTo(index - WINDOW_SLOTS);
    }
  }

  private flushUpTo(endSlot: number): void {
    const count = endSlot - this.nextSlotToWrite;
    if (count <= 0) return;
    const samplesPerSlot = (MULAW_SAMPLE_RATE * FRAME_MS) / 1000;
    const pcm = new Int16Array(count * samplesPerSlot * CHANNELS);
    for (let s = 0; s < count; s++) {
      const index = this.nextSlotToWrite + s;
      const slot = this.slots.get(index);
      if (!slot) continue;
      this.slots.delete(index);
      const base = s * samplesPerSlot * CHANNELS;
      const { caller, agent } = slot;
      for (let i = 0; i < samplesPerSlot; i++) {
        if (caller && i < caller.length) pcm[base + i * 2] = MULAW_DECODE_TABLE[caller[i] as number] as number;
        if (agent && i < agent.length) pcm[base + i * 2 + 1] = MULAW_DECODE_TABLE[agent[i] as number] as number;
      }
    }
    this.nextSlotToWrite = endSlot;
    const bytes = new Uint8Array(pcm.buffer);
    const offset = HEADER_BYTES + this.dataBytes;
    this.dataBytes += bytes.length;
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

function wavHeader(dataBytes: number): Uint8Array {
  const header = Buffer.alloc(HEADER_BYTES);
  const byteRate = MULAW_SAMPLE_RATE * CHANNELS * BYTES_PER_SAMPLE;
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write("WAVE", 8, "ascii");
  header.write("fmt ", 12, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(CHANNELS, 22);
  header.writeUInt32LE(MULAW_SAMPLE_RATE, 24);
  header.writeUInt32LE(byteRate, 28);
  header.writeUInt16LE(CHANNELS * BYTES_PER_SAMPLE, 32);
  header.writeUInt16LE(BYTES_PER_SAMPLE * 8, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(dataBytes, 40);
  return header;
}
