import { readFile } from "node:fs/promises";
import { MULAW_DECODE_TABLE, MULAW_SAMPLE_RATE, decodeMulaw } from "./mulaw";

export type TPcmAudio = { sampleRate: number; samples: Int16Array };

const FORMAT_PCM = 1;
const FORMAT_MULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;

function fail(message: string): never {
  throw new Error(`Invalid WAV: ${message}`);
}

// Reads PCM (8/16-bit) or mu-law WAV, mono or multi-channel (averaged down to mono).
export function parseWav(input: Uint8Array): TPcmAudio {
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const tag = (offset: number) => String.fromCharCode(...input.subarray(offset, offset + 4));
  if (input.byteLength < 12 || tag(0) !== "RIFF" || tag(8) !== "WAVE") fail("missing RIFF/WAVE header");

  let format: { code: number; channels: number; sampleRate: number; bits: number } | undefined;
  let offset = 12;
  while (offset + 8 <= input.byteLength) {
    const id = tag(offset);
    const declared = view.getUint32(offset + 4, true);
    const body = offset + 8;
    // Streaming writers leave the size at 0 or 0xffffffff; take whatever is there.
    const size = Math.min(declared, input.byteLength - body);
    if (id === "fmt ") {
      if (size < 16) fail("fmt chunk too short");
      let code = view.getUint16(body, true);
      if (code === FORMAT_EXTENSIBLE && size >= 26) code = view.getUint16(body + 24, true);
      format = {
        code,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === "data") {
      if (!format) fail("data chunk before fmt chunk");
      const dataSize = declared === 0 || declared === 0xffffffff ? input.byteLength - body : size;
      return decodeData(input.subarray(body, body + dataSize), format);
    }
    offset = body + size + (size & 1);
  }
  fail(format ? "no data chunk" : "no fmt chunk");
}

function decodeData(
  data: Uint8Array,
  format: { code: number; channels: number; sampleRate: number; bits: number },
): TPcmAudio {
  const { code, channels, sampleRate, bits } = format;
  if (channels < 1) fail(`channel count ${channels}`);
  if (sampleRate < 1) fail(`sample rate ${sampleRate}`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let read: (i: number) => number;
  let bytesPerSample: number;
  if (code === FORMAT_PCM && bits === 16) {
    bytesPerSample = 2;
    read = (i) => view.getInt16(i * 2, true);
  } else if (code === FORMAT_PCM && bits === 8) {
    bytesPerSample = 1;
    read = (i) => (data[i]! - 128) << 8;
  } else if (code === FORMAT_MULAW && bits === 8) {
    bytesPerSample = 1;
    if (channels === 1) return { sampleRate, samples: decodeMulaw(data) };
    read = (i) => MULAW_DECODE_TABLE[data[i]!]!;
  } else {
    fail(`unsupported encoding (format ${code}, ${bits} bits); expected 8/16-bit PCM or mu-law`);
  }
  const frames = Math.floor(data.byteLength / (bytesPerSample * channels));
  const samples = new Int16Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += read(f * channels + c);
    samples[f] = Math.round(sum / channels);
  }
  return { sampleRate, samples };
}

export async function readWavFile(path: string): Promise<TPcmAudio> {
  return parseWav(await readFile(path));
}

function header(format: number, sampleRate: number, bits: number, dataBytes: number): Buffer {
  // Non-PCM formats carry a cbSize field (fmt chunk of 18 bytes) and a fact chunk.
  const isPcm = format === FORMAT_PCM;
  const fmtSize = isPcm ? 16 : 18;
  const factSize = isPcm ? 0 : 12;
  const headerBytes = 12 + 8 + fmtSize + factSize + 8;
  const buf = Buffer.alloc(headerBytes);
  const blockAlign = bits / 8;
  let o = 0;
  buf.write("RIFF", o);
  buf.writeUInt32LE(headerBytes - 8 + dataBytes + (dataBytes & 1), 4);
  buf.write("WAVE", 8);
  buf.write("fmt ", 12);
  buf.writeUInt32LE(fmtSize, 16);
  buf.writeUInt16LE(format, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * blockAlign, 28);
  buf.writeUInt16LE(blockAlign, 32);
  buf.writeUInt16LE(bits, 34);
  o = 36;
  if (!isPcm) {
    buf.writeUInt16LE(0, o);
    o += 2;
    buf.write("fact", o);
    buf.writeUInt32LE(4, o + 4);
    buf.writeUInt32LE(dataBytes / blockAlign, o + 8);
    o += 12;
  }
  buf.write("data", o);
  buf.writeUInt32LE(dataBytes, o + 4);
  return buf;
}

export function encodeWavPcm16(samples: Int16Array, sampleRate: number): Buffer {
  if (!(Number.isInteger(sampleRate) && sampleRate > 0)) throw new RangeError(`Bad sample rate ${sampleRate}`);
  const dataBytes = samples.length * 2;
  const out = Buffer.alloc(dataBytes);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, i * 2);
  return Buffer.concat([header(FORMAT_PCM, sampleRate, 16, dataBytes), out]);
}

export function encodeWavMulaw(bytes: Uint8Array, sampleRate = MULAW_SAMPLE_RATE): Buffer {
  const pad = bytes.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0);
  return Buffer.concat([header(FORMAT_MULAW, sampleRate, 8, bytes.length), bytes, pad]);
}

// Call audio as a file every player and browser opens: mu-law WAV is not universally supported, PCM16 is.
export function mulawToWav(bytes: Uint8Array): Buffer {
  return encodeWavPcm16(decodeMulaw(bytes), MULAW_SAMPLE_RATE);
}
