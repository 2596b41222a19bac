import { MULAW_SAMPLE_RATE } from "@/lib/audio/mulaw";

// The one WAV layout every call recording has (voice-server/session/call-recorder.ts): stereo 16-bit PCM at the
// stream's 8 kHz, a canonical 44-byte header, data right behind it. The recorder writes the header with zero
// sizes first and patches them when the call ends; crash recovery patches them for a call that never ended.

export const CALL_WAV_CHANNELS = 2;
export const CALL_WAV_BYTES_PER_SAMPLE = 2;
export const CALL_WAV_SAMPLE_RATE = MULAW_SAMPLE_RATE;
export const CALL_WAV_HEADER_BYTES = 44;
// One sample frame: both channels of one instant. A file cut mid-write can end inside one.
export const CALL_WAV_BLOCK_BYTES = CALL_WAV_CHANNELS * CALL_WAV_BYTES_PER_SAMPLE;

const RIFF_SIZE_OFFSET = 4;
const DATA_SIZE_OFFSET = 40;

export function callWavHeader(dataBytes: number): Uint8Array {
  if (!Number.isInteger(dataBytes) || dataBytes < 0 || dataBytes > 0xffffffff - 36)
    throw new RangeError(`WAV data size out of range: ${dataBytes}`);
  const header = Buffer.alloc(CALL_WAV_HEADER_BYTES);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + dataBytes, RIFF_SIZE_OFFSET);
  header.write("WAVE", 8, "ascii");
  header.write("fmt ", 12, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(CALL_WAV_CHANNELS, 22);
  header.writeUInt32LE(CALL_WAV_SAMPLE_RATE, 24);
  header.writeUInt32LE(CALL_WAV_SAMPLE_RATE * CALL_WAV_BLOCK_BYTES, 28);
  header.writeUInt16LE(CALL_WAV_BLOCK_BYTES, 32);
  header.writeUInt16LE(CALL_WAV_BYTES_PER_SAMPLE * 8, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(dataBytes, DATA_SIZE_OFFSET);
  return header;
}

export function callWavDurationMs(dataBytes: number): number {
  return Math.round((dataBytes / (CALL_WAV_SAMPLE_RATE * CALL_WAV_BLOCK_BYTES)) * 1000);
}

export type TCallWavRepair =
  // Not one whole sample frame of audio: nothing worth keeping.
  | { kind: "empty" }
  // Not the call recorder's header: not ours to rewrite.
  | { kind: "unrecognised" }
  // `fileBytes` is the length to cut the file to; `isChanged` is false for a file that was already whole.
  | { kind: "repaired"; header: Uint8Array; dataBytes: number; fileBytes: number; isChanged: boolean };

// What a recording cut off mid-write needs, from its first bytes (`head`, at least the header when the file has
// one) and its size on disk: whole sample frames only, and header sizes that say so.
export function repairCallWav(head: Uint8Array, fileBytes: number): TCallWavRepair {
  if (!Number.isInteger(fileBytes) || fileBytes < 0) throw new RangeError(`Bad file size: ${fileBytes}`);
  const dataBytes = Math.max(
    0,
    Math.floor((fileBytes - CALL_WAV_HEADER_BYTES) / CALL_WAV_BLOCK_BYTES) * CALL_WAV_BLOCK_BYTES,
  );
  if (dataBytes === 0) return { kind: "empty" };
  if (head.length < CALL_WAV_HEADER_BYTES || !isCallWavLayout(head)) return { kind: "unrecognised" };
  const header = callWavHeader(dataBytes);
  const repairedBytes = CALL_WAV_HEADER_BYTES + dataBytes;
  let isChanged = repairedBytes !== fileBytes;
  for (let i = 0; i < CALL_WAV_HEADER_BYTES && !isChanged; i++) isChanged = head[i] !== header[i];
  return { kind: "repaired", header, dataBytes, fileBytes: repairedBytes, isChanged };
}

// Every header byte but the two sizes matches what the recorder writes.
export function isCallWavLayout(head: Uint8Array): boolean {
  const expected = callWavHeader(0);
  for (let i = 0; i < CALL_WAV_HEADER_BYTES; i++) {
    const isSizeField =
      (i >= RIFF_SIZE_OFFSET && i < RIFF_SIZE_OFFSET + 4) || (i >= DATA_SIZE_OFFSET && i < DATA_SIZE_OFFSET + 4);
    if (!isSizeField && head[i] !== expected[i]) return false;
  }
  return true;
}

// The byte ranges [start, end) of a call WAV of `fileBytes` that hold each span (ms from the start of the stream,
// as turn offsets are), whole sample frames of both channels, clipped to the audio in the file.
export function callWavSpanBytes(fileBytes: number, spans: { startMs: number; endMs: number }[]): { start: number; end: number }[] {
  const frames = Math.max(0, Math.floor((fileBytes - CALL_WAV_HEADER_BYTES) / CALL_WAV_BLOCK_BYTES));
  const perMs = CALL_WAV_SAMPLE_RATE / 1000;
  const ranges: { start: number; end: number }[] = [];
  for (const span of spans) {
    const from = Math.max(0, Math.floor(span.startMs * perMs));
    const to = Math.min(frames, Math.ceil(span.endMs * perMs));
    if (to > from) ranges.push({ start: CALL_WAV_HEADER_BYTES + from * CALL_WAV_BLOCK_BYTES, end: CALL_WAV_HEADER_BYTES + to * CALL_WAV_BLOCK_BYTES });
  }
  return ranges;
}

// Zeroes both channels of a call WAV held in memory over each span: silent where a redacted utterance was.
export function silenceCallWav(wav: Uint8Array, spans: { startMs: number; endMs: number }[]): void {
  if (wav.length < CALL_WAV_HEADER_BYTES || !isCallWavLayout(wav)) throw new Error("not a call recording WAV");
  for (const range of callWavSpanBytes(wav.length, spans)) wav.fill(0, range.start, range.end);
}
