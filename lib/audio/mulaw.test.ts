import { describe, expect, it } from "vitest";
import {
  FRAME_BYTES,
  MULAW_DECODE_TABLE,
  MULAW_SILENCE,
  decodeMulaw,
  decodeMulawSample,
  encodeMulaw,
  encodeMulawSample,
  mulawDurationMs,
} from "./mulaw";

describe("mu-law", () => {
  it("encodes the G.711 reference values", () => {
    expect(encodeMulawSample(0)).toBe(0xff);
    expect(MULAW_SILENCE).toBe(0xff);
    expect(encodeMulawSample(-1)).toBe(0x7f);
    expect(encodeMulawSample(32767)).toBe(0x80);
    expect(encodeMulawSample(-32768)).toBe(0x00);
    expect(decodeMulawSample(0x80)).toBe(32124);
    expect(decodeMulawSample(0x00)).toBe(-32124);
    expect(decodeMulawSample(0xff)).toBe(0);
    expect(FRAME_BYTES).toBe(160);
  });

  it("round-trips every code exactly", () => {
    for (let b = 0; b < 256; b++) {
      // 0x7f is negative zero and collapses onto 0xff.
      const expected = b === 0x7f ? 0xff : b;
      expect(encodeMulawSample(decodeMulawSample(b))).toBe(expected);
    }
  });

  it("keeps round-trip error within the quantisation step of each segment", () => {
    for (let s = -32768; s <= 32767; s += 7) {
      const back = decodeMulawSample(encodeMulawSample(s));
      const magnitude = Math.min(Math.abs(s), 32635);
      // Step size doubles per segment: 8 at the bottom, 1024 at the top; error is at most half a step.
      const step = 2 ** (Math.floor(Math.log2(magnitude + 132)) - 4);
      const clipped = Math.abs(s) - magnitude;
      expect(Math.abs(back - s)).toBeLessThanOrEqual(step / 2 + clipped);
    }
  });

  it("array versions match the sample versions", () => {
    const samples = new Int16Array(4000);
    for (let i = 0; i < samples.length; i++) samples[i] = Math.round(20000 * Math.sin(i / 7) * Math.cos(i / 300));
    const bytes = encodeMulaw(samples);
    expect(bytes.length).toBe(samples.length);
    for (let i = 0; i < samples.length; i += 13) expect(bytes[i]).toBe(encodeMulawSample(samples[i]!));
    const decoded = decodeMulaw(bytes);
    for (let i = 0; i < bytes.length; i += 13) expect(decoded[i]).toBe(MULAW_DECODE_TABLE[bytes[i]!]);
  });

  it("writes into a caller's buffer and refuses one that is too small", () => {
    const out = new Int16Array(FRAME_BYTES);
    const frame = new Uint8Array(FRAME_BYTES).fill(0x80);
    expect(decodeMulaw(frame, out)).toBe(out);
    expect(out[159]).toBe(32124);
    expect(() => decodeMulaw(frame, new Int16Array(10))).toThrow(RangeError);
    expect(() => encodeMulaw(new Int16Array(10), new Uint8Array(5))).toThrow(RangeError);
  });

  it("computes duration at 8 kHz", () => {
    expect(mulawDurationMs(new Uint8Array(FRAME_BYTES))).toBe(20);
    expect(mulawDurationMs(8000)).toBe(1000);
  });
});
