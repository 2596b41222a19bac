/* global sampleRate, AudioWorkletProcessor, registerProcessor */
// AudioWorklet for the browser test call: the microphone at the context's rate in, 20 ms frames of 8 kHz G.711
// mu-law out (160 bytes each, posted to the page), the format the voice server's call session expects.
const TARGET_RATE = 8000;
const FRAME_BYTES = 160;
const BIAS = 0x84;
const CLIP = 32635;

function encodeMulaw(sample) {
  let s = Math.round(Math.max(-1, Math.min(1, sample)) * 32767);
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function lowPass(cutoff, length) {
  const taps = new Float32Array(length);
  const middle = (length - 1) / 2;
  let sum = 0;
  for (let i = 0; i < length; i++) {
    const x = i - middle;
    const sinc = x === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x);
    taps[i] = sinc * (0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (length - 1)));
    sum += taps[i];
  }
  for (let i = 0; i < length; i++) taps[i] /= sum;
  return taps;
}

class MicCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    // sampleRate is the AudioContext's rate, a global in the worklet scope.
    this.step = sampleRate / TARGET_RATE;
    this.phase = 0;
    this.peak = 0;
    // Low-pass below the new Nyquist (a Hamming-windowed sinc) so 4-24 kHz content does not fold into speech.
    this.taps = lowPass(3400 / sampleRate, 63);
    this.history = new Float32Array(this.taps.length);
    this.head = 0;
    this.isMuted = false;
    this.frame = new Uint8Array(FRAME_BYTES);
    this.filled = 0;
    this.port.onmessage = (event) => {
      if (event.data && typeof event.data.isMuted === "boolean") this.isMuted = event.data.isMuted;
    };
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      this.history[this.head] = channel[i];
      this.head = (this.head + 1) % this.history.length;
      this.phase += 1;
      if (this.phase < this.step) continue;
      this.phase -= this.step;
      let value = 0;
      if (!this.isMuted) {
        const n = this.taps.length;
        for (let k = 0; k < n; k++) value += this.taps[k] * this.history[(this.head + k) % n];
      }
      this.peak = Math.max(this.peak, Math.abs(value));
      this.frame[this.filled++] = encodeMulaw(value);
      if (this.filled === FRAME_BYTES) {
        const frame = this.frame;
        this.port.postMessage({ frame: frame.buffer, level: this.peak }, [frame.buffer]);
        this.frame = new Uint8Array(FRAME_BYTES);
        this.filled = 0;
        this.peak = 0;
      }
    }
    return true;
  }
}

registerProcessor("mic-capture", MicCapture);
