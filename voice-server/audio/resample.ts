// Band-limited resampling (windowed sinc). Plain linear interpolation is not enough going down: 22 kHz TTS
// audio taken to 8 kHz that way folds everything above 4 kHz back into the phone band as hiss.

const HALF_WIDTH = 12; // zero crossings of the kernel on each side, in periods of the lower rate
const TABLE_STEPS = 256; // kernel samples per zero crossing; looked up with linear interpolation
const CUTOFF = 0.94; // fraction of the lower Nyquist frequency kept, leaving room for the window's roll-off

const KERNEL: Float64Array = (() => {
  const n = HALF_WIDTH * TABLE_STEPS + 2;
  const table = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = i / TABLE_STEPS;
    if (x >= HALF_WIDTH) continue;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x * CUTOFF) / (Math.PI * x * CUTOFF);
    const window = 0.5 + 0.5 * Math.cos((Math.PI * x) / HALF_WIDTH);
    table[i] = sinc * window;
  }
  return table;
})();

function kernelAt(distance: number): number {
  const pos = Math.abs(distance) * TABLE_STEPS;
  const i = Math.floor(pos);
  if (i >= HALF_WIDTH * TABLE_STEPS) return 0;
  const frac = pos - i;
  return KERNEL[i]! + (KERNEL[i + 1]! - KERNEL[i]!) * frac;
}

export function resampledLength(inputLength: number, fromRate: number, toRate: number): number {
  return Math.round((inputLength * toRate) / fromRate);
}

function checkRates(fromRate: number, toRate: number): void {
  if (!(fromRate > 0 && toRate > 0 && Number.isFinite(fromRate) && Number.isFinite(toRate))) {
    throw new RangeError(`resample: sample rates must be positive numbers (got ${fromRate} -> ${toRate})`);
  }
}

// Streaming form: feed chunks as they arrive, get out every sample whose filter support is complete, and
// flush() at the end. The concatenated output is identical to resampling the whole signal at once.
export class Resampler {
  private readonly step: number; // input samples per output sample
  private readonly scale: number;
  private readonly reach: number; // kernel half-width in input samples
  private buffer = new Int16Array(0);
  private bufferStart = 0; // global index of buffer[0]
  private bufferLength = 0;
  private inputCount = 0;
  private outputCount = 0;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {
    checkRates(fromRate, toRate);
    this.step = fromRate / toRate;
    // Going down, the kernel is stretched to the output rate so it also acts as the anti-aliasing filter.
    this.scale = Math.min(1, toRate / fromRate);
    this.reach = HALF_WIDTH / this.scale;
  }

  push(chunk: Int16Array): Int16Array {
    if (this.fromRate === this.toRate) return chunk.slice();
    this.append(chunk);
    let ready = 0;
    while (Math.floor((this.outputCount + ready) * this.step + this.reach) <= this.inputCount - 1) ready++;
    return this.produce(ready);
  }

  flush(): Int16Array {
    if (this.fromRate === this.toRate) return new Int16Array(0);
    const total = resampledLength(this.inputCount, this.fromRate, this.toRate);
    const out = this.produce(Math.max(0, total - this.outputCount));
    this.buffer = new Int16Array(0);
    this.bufferStart = this.bufferLength = this.inputCount = this.outputCount = 0;
    return out;
  }

  private append(chunk: Int16Array): void {
    // Drop input no future output sample can reach.
    const keepFrom = Math.max(this.bufferStart, Math.ceil(this.outputCount * this.step - this.reach));
    const drop = Math.min(keepFrom - this.bufferStart, this.bufferLength);
    const needed = this.bufferLength - drop + chunk.length;
    if (needed > this.buffer.length) {
      const grown = new Int16Array(Math.max(needed, this.buffer.length * 2, 1024));
      grown.set(this.buffer.subarray(drop, this.bufferLength));
      this.buffer = grown;
    } else if (drop > 0) {
      this.buffer.copyWithin(0, drop, this.bufferLength);
    }
    this.bufferStart += drop;
    this.bufferLength -= drop;
    this.buffer.set(chunk, this.bufferLength);
    this.bufferLength += chunk.length;
    this.inputCount += chunk.length;
  }

  private produce(count: number): Int16Array {
    const out = new Int16Array(count);
    const { buffer, bufferStart, step, scale, reach } = this;
    const last = this.inputCount - 1;
    for (let n = 0; n < count; n++) {
      const center = (this.outputCount + n) * step;
      const lo = Math.max(0, Math.ceil(center - reach));
      const hi = Math.min(last, Math.floor(center + reach));
      let acc = 0;
      let weights = 0;
      for (let k = lo; k <= hi; k++) {
        const w = kernelAt((k - center) * scale);
        acc += buffer[k - bufferStart]! * w;
        weights += w;
      }
      // Normalising by the weights that fell inside the signal keeps the edges at full level and DC exact.
      const value = weights > 1e-9 ? acc / weights : 0;
      out[n] = value > 32767 ? 32767 : value < -32768 ? -32768 : Math.round(value);
    }
    this.outputCount += count;
    return out;
  }
}

export function resample(samples: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate) return samples.slice();
  const resampler = new Resampler(fromRate, toRate);
  const head = resampler.push(samples);
  const tail = resampler.flush();
  const out = new Int16Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}
