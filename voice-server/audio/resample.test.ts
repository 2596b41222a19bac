import { describe, expect, it } from "vitest";
import { Resampler, resample, resampledLength } from "./resample";

function tone(freq: number, rate: number, seconds: number, amplitude = 10000): Int16Array {
  const out = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * freq * i) / rate));
  return out;
}

function rms(x: Int16Array, from = 0, to = x.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += x[i]! * x[i]!;
  return Math.sqrt(sum / (to - from));
}

// Amplitude of one frequency component (single-bin DFT).
function magnitudeAt(x: Int16Array, freq: number, rate: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < x.length; i++) {
    re += x[i]! * Math.cos((2 * Math.PI * freq * i) / rate);
    im -= x[i]! * Math.sin((2 * Math.PI * freq * i) / rate);
  }
  return (2 * Math.hypot(re, im)) / x.length;
}

describe("resample", () => {
  it("produces the expected length", () => {
    expect(resample(new Int16Array(22050), 22050, 8000).length).toBe(8000);
    expect(resample(new Int16Array(8000), 8000, 16000).length).toBe(16000);
    expect(resampledLength(160, 8000, 16000)).toBe(320);
    expect(resample(new Int16Array(0), 8000, 16000).length).toBe(0);
  });

  it("keeps an in-band tone at its frequency and level going 22050 -> 8000", () => {
    const out = resample(tone(1000, 22050, 1), 22050, 8000);
    expect(magnitudeAt(out, 1000, 8000)).toBeGreaterThan(9500);
    expect(magnitudeAt(out, 1000, 8000)).toBeLessThan(10500);
  });

  it("removes content above the new Nyquist instead of aliasing it", () => {
    // 6 kHz at 22050 would alias to 2 kHz at 8 kHz with naive decimation.
    const out = resample(tone(6000, 22050, 1), 22050, 8000);
    expect(rms(out, 200, out.length - 200)).toBeLessThan(200);
    expect(magnitudeAt(out, 2000, 8000)).toBeLessThan(200);
  });

  it("upsamples 8000 -> 16000 preserving a tone", () => {
    const out = resample(tone(440, 8000, 0.5), 8000, 16000);
    expect(magnitudeAt(out, 440, 16000)).toBeGreaterThan(9500);
    expect(rms(out, 100, out.length - 100)).toBeCloseTo(10000 / Math.SQRT2, -2);
  });

  it("keeps DC exact and clamps to int16", () => {
    const dc = resample(new Int16Array(1000).fill(1234), 8000, 22050);
    expect(Array.from(dc.subarray(0, 50)).every((v) => v === 1234)).toBe(true);
    const loud = resample(new Int16Array(1000).fill(32767), 22050, 8000);
    expect(Math.max(...loud)).toBe(32767);
  });

  it("rejects nonsense rates", () => {
    expect(() => resample(new Int16Array(10), 0, 8000)).toThrow(RangeError);
    expect(() => resample(new Int16Array(10), 8000, Number.NaN)).toThrow(RangeError);
  });
});

describe("Resampler (streaming)", () => {
  it("gives exactly the same samples as one-shot resampling, whatever the chunking", () => {
    const input = tone(700, 22050, 0.7);
    for (let i = 0; i < input.length; i += 3) input[i] = input[i]! + ((i * 7919) % 2001) - 1000;
    const whole = resample(input, 22050, 8000);
    const streamer = new Resampler(22050, 8000);
    const parts: Int16Array[] = [];
    let offset = 0;
    for (const size of [1, 5, 2206, 100, 3000, 7, 4000]) {
      parts.push(streamer.push(input.subarray(offset, offset + size)));
      offset += size;
    }
    parts.push(streamer.push(input.subarray(offset)));
    // Output comes out while input is still arriving, not only at flush.
    expect(parts.slice(0, 3).reduce((n, p) => n + p.length, 0)).toBeGreaterThan(700);
    parts.push(streamer.flush());
    const joined = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      joined.set(p, o);
      o += p.length;
    }
    expect(joined).toEqual(whole);
  });

  it("is reusable after flush and passes equal rates through", () => {
    const r = new Resampler(8000, 16000);
    expect(r.push(new Int16Array(100)).length + r.flush().length).toBe(200);
    expect(r.push(new Int16Array(10).fill(5)).length + r.flush().length).toBe(20);
    const same = new Resampler(8000, 8000);
    expect(same.push(Int16Array.of(1, 2, 3))).toEqual(Int16Array.of(1, 2, 3));
    expect(same.flush().length).toBe(0);
  });
});
