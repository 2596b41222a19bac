import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { encodeMulaw, MULAW_SAMPLE_RATE } from "@/lib/audio/mulaw";
import { Resampler } from "@/voice-server/audio/resample";
import { ProviderError, type TTtsOptions, type TTtsProvider, type TVoice } from "@/voice-server/providers/types";

// eSpeak NG compiled to WASM, run in one worker thread per process. Synthesis is synchronous inside the
// engine (a long sentence can take a few hundred ms), so running it on the main thread would stall the audio
// of every other call. The worker takes one sentence at a time, which also interleaves concurrent calls.

const ESPEAK_RATE = 22050;
const DEFAULT_RATE_WPM = 160;
const FALLBACK_VOICE = "en-us";

export const ESPEAK_VOICES: TVoice[] = [
  { id: "en-us", name: "English (US) - male", language: "en-US", gender: "male" },
  { id: "en-us+f3", name: "English (US) - female", language: "en-US", gender: "female" },
  { id: "en-gb-x-rp", name: "English (UK) - male", language: "en-GB", gender: "male" },
  { id: "en-gb-x-rp+f3", name: "English (UK) - female", language: "en-GB", gender: "female" },
  { id: "es", name: "Spanish (Spain) - male", language: "es-ES", gender: "male" },
  { id: "es+f3", name: "Spanish (Spain) - female", language: "es-ES", gender: "female" },
  { id: "es-419", name: "Spanish (Latin America) - male", language: "es-419", gender: "male" },
  { id: "es-419+f3", name: "Spanish (Latin America) - female", language: "es-419", gender: "female" },
  { id: "fr", name: "French - male", language: "fr-FR", gender: "male" },
  { id: "fr+f3", name: "French - female", language: "fr-FR", gender: "female" },
  { id: "de", name: "German - male", language: "de-DE", gender: "male" },
  { id: "de+f3", name: "German - female", language: "de-DE", gender: "female" },
];

// eSpeak voice names for language tags whose name differs from the tag.
const LANGUAGE_DEFAULTS: Record<string, string> = {
  en: "en-us",
  "en-gb": "en-gb-x-rp",
  "es-es": "es",
  "es-mx": "es-419",
  "es-us": "es-419",
  "fr-fr": "fr",
  "fr-ca": "fr",
  "de-de": "de",
};

// Voices tried in order; the engine keeps the first it knows. An unknown id falls back to the language.
export function voiceCandidates(voice: string, language: string): string[] {
  const lang = language.trim().toLowerCase().replace(/_/g, "-");
  const primary = lang.split("-")[0] ?? "";
  const candidates = [
    voice.trim().toLowerCase(),
    LANGUAGE_DEFAULTS[lang] ?? lang,
    LANGUAGE_DEFAULTS[primary] ?? primary,
  ];
  candidates.push(FALLBACK_VOICE);
  return [...new Set(candidates.filter((c) => /^[a-z0-9+/-]+$/.test(c)))];
}

// Sentence by sentence, so the first audio comes back quickly and a long reply never holds the engine long.
export function splitSentences(text: string, maxChars = 240): string[] {
  const cleaned = text.replace(/&/g, " and ").replace(/[<>]/g, " ").replace(/\s+/g, " ").trim();
  if (!cleaned) return [];
  const sentences = cleaned.split(/(?<=[.!?;:])\s+/);
  const out: string[] = [];
  for (const sentence of sentences) {
    if (sentence.length <= maxChars) {
      out.push(sentence);
      continue;
    }
    let current = "";
    for (const clause of sentence.split(/(?<=,)\s+/)) {
      if (current && current.length + clause.length + 1 > maxChars) {
        out.push(current);
        current = "";
      }
      current = current ? `${current} ${clause}` : clause;
    }
    if (current) out.push(current);
  }
  return out.filter((s) => /[\p{L}\p{N}]/u.test(s));
}

// ---- worker -----------------------------------------------------------------------------------------------

type TWorkerReply =
  | { type: "chunk"; id: number; samples: Int16Array }
  | { type: "done"; id: number; voice: string }
  | { type: "error"; id: number; message: string };

// Plain JS so it runs the same under tsx, vitest and compiled builds.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const cancelled = new Int32Array(workerData.cancelBuffer);
const isCancelled = (id) => Atomics.load(cancelled, id % cancelled.length) === id;
let engine;
let currentVoiceKey = "";
let currentVoice = "";
let currentRate = -1;
const ready = import(workerData.modulePath).then(async (mod) => {
  const m = await mod.default();
  engine = new m.eSpeakNGWorker();
});
parentPort.on("message", async (msg) => {
  try {
    await ready;
  } catch (error) {
    parentPort.postMessage({ type: "error", id: msg.id, message: "eSpeak failed to load: " + error });
    return;
  }
  if (isCancelled(msg.id)) {
    parentPort.postMessage({ type: "done", id: msg.id, voice: currentVoice });
    return;
  }
  try {
    const key = msg.voices.join("|");
    if (key !== currentVoiceKey) {
      currentVoice = msg.voices.find((v) => engine.set_voice(v) === 0);
      if (!currentVoice) throw new Error("no usable voice among " + key);
      currentVoiceKey = key;
    }
    if (msg.rate !== currentRate) {
      engine.set_rate(msg.rate);
      currentRate = msg.rate;
    }
    engine.synthesize(msg.text, (samples) => {
      if (isCancelled(msg.id)) return true;
      if (samples.length > 0) parentPort.postMessage({ type: "chunk", id: msg.id, samples }, [samples.buffer]);
      return false;
    });
    parentPort.postMessage({ type: "done", id: msg.id, voice: currentVoice });
  } catch (error) {
    currentVoiceKey = "";
    parentPort.postMessage({ type: "error", id: msg.id, message: String(error && error.message || error) });
  }
});
`;

type TRequest = {
  onChunk(samples: Int16Array): void;
  onDone(voice: string): void;
  onError(error: Error): void;
};

class EspeakWorker {
  private worker: Worker | undefined;
  // Slot (id % size) holds an id when that request is cancelled; the worker checks it between audio buffers,
  // because it cannot read messages while the engine is busy.
  private readonly cancelFlags = new Int32Array(new SharedArrayBuffer(4 * 1024));
  private nextId = 1;
  private readonly requests = new Map<number, TRequest>();

  synthesize(text: string, voices: string[], rateWpm: number, request: TRequest): () => void {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    this.requests.set(id, request);
    worker.ref();
    worker.postMessage({ id, text, voices, rate: rateWpm });
    return () => {
      if (this.requests.has(id)) Atomics.store(this.cancelFlags, id % this.cancelFlags.length, id);
    };
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const modulePath = pathToFileURL(resolveEspeakModule()).href;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { modulePath, cancelBuffer: this.cancelFlags.buffer },
    });
    worker.unref();
    worker.on("message", (reply: TWorkerReply) => {
      const request = this.requests.get(reply.id);
      if (!request) return;
      if (reply.type === "chunk") return request.onChunk(reply.samples);
      this.requests.delete(reply.id);
      if (this.requests.size === 0) worker.unref();
      if (reply.type === "done") request.onDone(reply.voice);
      else request.onError(new ProviderError("tts", "bad_response", `eSpeak: ${reply.message}`));
    });
    const failAll = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      const pending = [...this.requests.values()];
      this.requests.clear();
      for (const request of pending) {
        request.onError(
          new ProviderError("tts", "unavailable", `eSpeak worker stopped: ${error.message}`, { cause: error }),
        );
      }
    };
    worker.on("error", failAll);
    worker.on("exit", (code) => failAll(new Error(`exit code ${code}`)));
    this.worker = worker;
    return worker;
  }
}

// Looked up through process.getBuiltinModule so bundlers leave it alone: the Next.js build (the web app's voice
// preview) would otherwise try to bundle the package, whose Emscripten loader it cannot bundle.
function resolveEspeakModule(): string {
  const { createRequire } = process.getBuiltinModule("node:module");
  return createRequire(import.meta.url).resolve("@echogarden/espeak-ng-emscripten");
}

let sharedWorker: EspeakWorker | undefined;

// Starts the worker and loads the engine and the voice now, so the first reply of a call is not delayed.
export function warmUpEspeak(voice = FALLBACK_VOICE, language = "en-US"): Promise<void> {
  sharedWorker ??= new EspeakWorker();
  const worker = sharedWorker;
  return new Promise((resolve, reject) => {
    worker.synthesize("", voiceCandidates(voice, language), DEFAULT_RATE_WPM, {
      onChunk: () => {},
      onDone: () => resolve(),
      onError: reject,
    });
  });
}

// ---- provider ---------------------------------------------------------------------------------------------

export type TEspeakTtsOptions = { rateWpm?: number };

export function createEspeakTts(options: TEspeakTtsOptions = {}): TTtsProvider & {
  // Which eSpeak voice the last synthesis really used (after fallback); for diagnostics and tests.
  readonly lastVoiceUsed: string | undefined;
} {
  const rateWpm = options.rateWpm ?? DEFAULT_RATE_WPM;
  if (!(rateWpm >= 80 && rateWpm <= 450)) throw new RangeError(`eSpeak rate must be 80-450 wpm, got ${rateWpm}`);
  let lastVoiceUsed: string | undefined;

  async function* synthesize(text: string, { voice, language, signal }: TTtsOptions): AsyncGenerator<Uint8Array> {
    if (signal.aborted) return;
    sharedWorker ??= new EspeakWorker();
    const voices = voiceCandidates(voice, language);
    const resampler = new Resampler(ESPEAK_RATE, MULAW_SAMPLE_RATE);

    for (const sentence of splitSentences(text)) {
      // A small queue bridges the worker's callbacks into this generator.
      const queue: Int16Array[] = [];
      let isDone = false;
      let failure: Error | undefined;
      let wake: (() => void) | undefined;
      const notify = () => {
        wake?.();
        wake = undefined;
      };
      const cancel = sharedWorker.synthesize(sentence, voices, rateWpm, {
        onChunk: (samples) => {
          queue.push(samples);
          notify();
        },
        onDone: (used) => {
          lastVoiceUsed = used;
          isDone = true;
          notify();
        },
        onError: (error) => {
          failure = error;
          notify();
        },
      });
      signal.addEventListener("abort", notify);
      try {
        while (true) {
          if (signal.aborted) return;
          const samples = queue.shift();
          if (samples) {
            const out = resampler.push(samples);
            if (out.length > 0) yield encodeMulaw(out);
            continue;
          }
          if (failure) throw failure;
          if (isDone) break;
          await new Promise<void>((resolve) => (wake = resolve));
        }
      } finally {
        signal.removeEventListener("abort", notify);
        cancel();
      }
    }
    if (signal.aborted) return;
    const tail = resampler.flush();
    if (tail.length > 0) yield encodeMulaw(tail);
  }

  return {
    name: "offline-espeak",
    synthesize,
    voices: async () => ESPEAK_VOICES.map((v) => ({ ...v })),
    get lastVoiceUsed() {
      return lastVoiceUsed;
    },
  };
}
