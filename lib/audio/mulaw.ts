// G.711 mu-law, the only audio format on a Twilio media stream (8 kHz, mono, one byte per sample).

export const MULAW_SAMPLE_RATE = 8000;
export const FRAME_MS = 20;
export const FRAME_BYTES = 160;
// Encodes linear 0; what a silent line carries.
export const MULAW_SILENCE = 0xff;

const BIAS = 0x84;
const CLIP = 32635;

export function encodeMulawSample(sample: number): number {
  let s = Math.round(sample);
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function decodeMulawSample(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + BIAS) << exponent) - BIAS;
  return u & 0x80 ? -magnitude : magnitude;
}

export const MULAW_DECODE_TABLE: Int16Array = (() => {
  const table = new Int16Array(256);
  for (let b = 0; b < 256; b++) table[b] = decodeMulawSample(b);
  return table;
})();

// Indexed by (sample + 32768): one lookup per sample on the hot path, 64 KB once per process.
const ENCODE_TABLE: Uint8Array = (() => {
  const table = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) table[i] = encodeMulawSample(i - 32768);
  return table;
})();

export function decodeMulaw(bytes: Uint8Array, out: Int16Array = new Int16Array(bytes.length)): Int16Array {
  if (out.length < bytes.length)
    throw new RangeError(`decodeMulaw: output holds ${out.length} samples, need ${bytes.length}`);
  const table = MULAW_DECODE_TABLE;
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]!]!;
  return out;
}

export function encodeMulaw(samples: Int16Array, out: Uint8Array = new Uint8Array(samples.length)): Uint8Array {
  if (out.length < samples.length)
    throw new RangeError(`encodeMulaw: output holds ${out.length} bytes, need ${samples.length}`);
  const table = ENCODE_TABLE;
  for (let i = 0; i < samples.length; i++) out[i] = table[samples[i]! + 32768]!;
  return out;
}

export function mulawDurationMs(bytes: Uint8Array | number): number {
  const n = typeof bytes === "number" ? bytes : bytes.length;
  return Math.round((n * 1000) / MULAW_SAMPLE_RATE);
}
