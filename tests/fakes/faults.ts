import type { Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

// Plumbing shared by the vendor fakes: server lifecycle, latency, one-shot fault queues, and G.711 mu-law
// (the fakes must hear and produce telephone audio without depending on the app's own audio code).

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", done);
      clearTimeout(timer);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

// Listens on 127.0.0.1 (on a random port unless one is given) and remembers open sockets so close() never waits for keep-alive
// connections or hung requests.
export async function listenLocal(server: Server, port = 0): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  // Cloud APIs keep an idle keep-alive connection open for a minute or more; Node's server default of 5 s would
  // make clients reconnect after every pause, which the real services do not.
  server.keepAliveTimeout = 65_000;
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("fake server has no TCP address");
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

// Resolves once `text` is handed to the socket (so an injected disconnect right after it cannot swallow it),
// or when `signal` aborts, whichever is first.
export function writeFlushed(res: ServerResponse, text: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener("abort", done);
      resolve();
    };
    signal.addEventListener("abort", done, { once: true });
    res.write(text, done);
  });
}

// Faults that fire for the next N matching requests, then disappear. `times: Infinity` models an outage.
// What a fake itself took to answer, from the request (or the Finalize message) reaching its handler to the first
// response byte handed to the socket: the configured latency plus this process's own lateness. A benchmark
// subtracts it from what the client measured to tell a slow client from a slow fake.
export class ResponseTimings {
  private readonly values: number[] = [];

  constructor(private readonly max = 100_000) {}

  start(): () => void {
    const at = performance.now();
    let isDone = false;
    return () => {
      if (isDone) return;
      isDone = true;
      if (this.values.length < this.max) this.values.push(Math.round((performance.now() - at) * 10) / 10);
    };
  }

  // Everything recorded since the last call.
  take(): number[] {
    return this.values.splice(0);
  }
}

export class FaultQueue<TFault, TContext = unknown> {
  private entries: { fault: TFault; remaining: number; match?: (context: TContext) => boolean }[] = [];

  push(fault: TFault, times = 1, match?: (context: TContext) => boolean): void {
    if (!(times > 0)) throw new Error("times must be positive");
    this.entries.push({ fault, remaining: times, match });
  }

  take(context: TContext): TFault | undefined {
    const index = this.entries.findIndex((entry) => !entry.match || entry.match(context));
    const entry = this.entries[index];
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.entries.splice(index, 1);
    return entry.fault;
  }

  get size(): number {
    return this.entries.length;
  }

  clear(): void {
    this.entries = [];
  }
}

// ---- G.711 mu-law ---------------------------------------------------------------------------------------
const BIAS = 0x84;
const CLIP = 32635;

export function linearToMulaw(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = (s >> 8) & 0x80;
  if (sign) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

const MULAW_TO_LINEAR = new Int16Array(256);
for (let u = 0; u < 256; u++) {
  const v = ~u & 0xff;
  const sign = v & 0x80;
  const exponent = (v >> 4) & 7;
  const mantissa = v & 0x0f;
  const s = (((mantissa << 3) + BIAS) << exponent) - BIAS;
  MULAW_TO_LINEAR[u] = sign ? -s : s;
}

export function mulawToLinear(byte: number): number {
  return MULAW_TO_LINEAR[byte & 0xff] ?? 0;
}

export function mulawRms(audio: Uint8Array, start = 0, end = audio.length): number {
  if (end <= start) return 0;
  let sum = 0;
  for (let i = start; i < end; i++) {
    const s = MULAW_TO_LINEAR[audio[i] ?? 0xff] ?? 0;
    sum += s * s;
  }
  return Math.sqrt(sum / (end - start));
}

export const MULAW_SILENCE_BYTE = 0xff;

export function mulawSilence(ms: number): Uint8Array {
  return new Uint8Array(Math.max(0, Math.round(ms * 8))).fill(MULAW_SILENCE_BYTE);
}

function hashString(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

// Deterministic speech-like mu-law audio (a voiced tone with a syllable-rate envelope), so energy-based VADs
// and the Deepgram fake treat it as speech. Same seed, same bytes.
export function speechLikeMulaw(ms: number, seed: string | number = 0, amplitude = 9000): Uint8Array {
  const samples = Math.max(0, Math.round(ms * 8));
  const out = new Uint8Array(samples);
  const h = typeof seed === "number" ? seed >>> 0 : hashString(seed);
  const f0 = 110 + (h % 140); // 110..250 Hz, a plausible voice pitch
  const syllableHz = 3 + ((h >>> 8) % 3); // 3..5 syllables per second
  for (let i = 0; i < samples; i++) {
    const t = i / 8000;
    const envelope = 0.45 + 0.55 * Math.abs(Math.sin(Math.PI * syllableHz * t));
    const voiced =
      Math.sin(2 * Math.PI * f0 * t) + 0.5 * Math.sin(4 * Math.PI * f0 * t) + 0.25 * Math.sin(6 * Math.PI * f0 * t);
    out[i] = linearToMulaw((amplitude / 1.75) * envelope * voiced);
  }
  return out;
}
