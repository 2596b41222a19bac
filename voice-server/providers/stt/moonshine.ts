import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { decodeMulaw, MULAW_SAMPLE_RATE } from "@/lib/audio/mulaw";
import { resample } from "@/voice-server/audio/resample";
import { ProviderError, type TSttOptions, type TSttProvider, type TSttStream } from "@/voice-server/providers/types";
import { trimToSpeech } from "./pocketsphinx";
import { SegmentingStream, VOICED_FRAMES_FOR_SPEECH } from "./segmenting-stream";

// Offline STT: Moonshine tiny (Useful Sensors, MIT), a small encoder-decoder speech model, run with ONNX Runtime on
// the CPU (OFFLINE_STT=moonshine). It is not limited to the phrasing a grammar or language model was built from, but
// on the quality set's eSpeak phone audio it hears fewer words right than pocketsphinx (54% WER vs 44%), so it is not
// the default. The model files come from the npm package @usefulsensors/moonshine-js (npm run stt:moonshine-model). Inference runs in worker threads: onnxruntime-node's run() is synchronous on the
// calling thread, and a second of speech takes tens of milliseconds, which would stall every call's audio.

export const MOONSHINE_MODEL_FILES = ["encoder_model.onnx", "decoder_model_merged.onnx"] as const;
const RECOGNIZER_RATE = 16000;
const MIN_AUDIO_MS = 100;

// Where `npm run stt:moonshine-model` puts the model (the directory name carries the package version it came from).
export function defaultMoonshineModelDir(): string {
  const { createRequire } = process.getBuiltinModule("node:module");
  // Beside the installed packages, found from onnxruntime-node, so it does not depend on the working directory.
  const ort = createRequire(import.meta.url).resolve("onnxruntime-node/package.json");
  return path.join(path.dirname(path.dirname(ort)), ".cache", "ai-call-agent", "moonshine-tiny-0.1.21");
}

// What is missing from a model directory, or null when both files are there.
export function missingMoonshineFiles(dir: string): string | null {
  const missing = MOONSHINE_MODEL_FILES.filter((file) => !existsSync(path.join(dir, file)));
  return missing.length === 0 ? null : missing.join(", ");
}

// ---- worker ---------------------------------------------------------------------------------------------------

// Plain JS so it runs the same under tsx, vitest and compiled builds. One model per worker, loaded once; greedy
// decoding as moonshine-js does it (decoder start token 1, end 2, at most 6 tokens a second of audio). The decoder's
// self-attention cache is carried from step to step; its cross-attention cache comes from the first step.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const ort = require(workerData.ortPath);
const SHAPE = { layers: 6, heads: 8, headDim: 36 };
const START = 1, END = 2;
const ready = (async () => {
  const options = { executionProviders: ["cpu"], intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: "all" };
  const encoder = await ort.InferenceSession.create(workerData.encoderPath, options);
  const decoder = await ort.InferenceSession.create(workerData.decoderPath, options);
  const tokenizer = (await import(workerData.tokenizerUrl)).default;
  return { encoder, decoder, vocab: tokenizer.vocabById };
})();
ready.then(() => parentPort.postMessage({ type: "ready" }), (error) => parentPort.postMessage({ type: "failed", message: String(error && error.message || error) }));

// SentencePiece pieces to text: "\\u2581" is a space, "<0xNN>" a byte; ids past the vocabulary and control ids are
// dropped.
function detokenize(vocab, ids) {
  const bytes = [];
  const encoder = new TextEncoder();
  for (const id of ids) {
    const piece = vocab[id];
    if (id <= END || piece === undefined) continue;
    const byte = /^<0x([0-9A-F]{2})>$/.exec(piece);
    if (byte) bytes.push(parseInt(byte[1], 16));
    else for (const b of encoder.encode(piece)) bytes.push(b);
  }
  return new TextDecoder().decode(new Uint8Array(bytes)).replace(/\\u2581/g, " ").trim();
}

async function transcribe(audio) {
  const { encoder, decoder, vocab } = await ready;
  const maxTokens = Math.max(4, Math.floor((audio.length / 16000) * 6));
  const { last_hidden_state: hidden } = await encoder.run({ input_values: new ort.Tensor("float32", audio, [1, audio.length]) });
  const past = {};
  for (let i = 0; i < SHAPE.layers; i++) {
    for (const part of ["decoder", "encoder"]) {
      for (const kind of ["key", "value"]) {
        past["past_key_values." + i + "." + part + "." + kind] = new ort.Tensor("float32", new Float32Array(0), [0, SHAPE.heads, 1, SHAPE.headDim]);
      }
    }
  }
  const tokens = [];
  let next = START;
  for (let step = 0; step < maxTokens; step++) {
    const out = await decoder.run({
      input_ids: new ort.Tensor("int64", BigInt64Array.from([BigInt(next)]), [1, 1]),
      encoder_hidden_states: hidden,
      use_cache_branch: new ort.Tensor("bool", Uint8Array.from([step > 0 ? 1 : 0]), [1]),
      ...past,
    });
    const logits = out.logits.data;
    const vocabSize = out.logits.dims[out.logits.dims.length - 1];
    const last = logits.length - vocabSize;
    // The end token is not taken as the first token: on a short or quiet turn the model often ends at once, and a
    // turn the VAD found speech in is worth its best guess (the session reprompts on words it cannot use).
    let best = step === 0 ? END + 1 : 0;
    for (let v = 1; v < vocabSize; v++) {
      if (step === 0 && v === END) continue;
      if (logits[last + v] > logits[last + best]) best = v;
    }
    if (best === END) break;
    tokens.push(best);
    next = best;
    for (const name of Object.keys(out)) {
      if (!name.startsWith("present.")) continue;
      if (step > 0 && name.includes(".encoder.")) continue;
      past["past_key_values." + name.slice("present.".length)] = out[name];
    }
  }
  return { text: detokenize(vocab, tokens), tokens };
}

parentPort.on("message", async (msg) => {
  try {
    const result = await transcribe(msg.audio);
    parentPort.postMessage({ type: "done", id: msg.id, text: result.text, tokens: result.tokens });
  } catch (error) {
    parentPort.postMessage({ type: "error", id: msg.id, message: String(error && error.message || error) });
  }
});
`;

type TWorkerReply =
  | { type: "ready" }
  | { type: "failed"; message: string }
  | { type: "done"; id: number; text: string; tokens: number[] }
  | { type: "error"; id: number; message: string };

type TJob = {
  id: number;
  audio: Float32Array;
  resolve(text: string): void;
  reject(error: Error): void;
};

type TSlot = { worker: Worker; job: TJob | null };

// A fixed number of worker threads, each with the model loaded once, fed from one queue: a burst of turns from many
// calls waits its turn rather than sharing cores, so every segment is decoded whole, the same way whatever the load.
class MoonshinePool {
  private readonly slots: TSlot[] = [];
  private readonly queue: TJob[] = [];
  private nextId = 1;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly modelDir: string,
    private readonly size: number,
  ) {}

  // Resolves once every worker has its model; rejects (and may be called again) when one could not load it.
  ready(): Promise<void> {
    this.loading ??= (async () => {
      const missing = missingMoonshineFiles(this.modelDir);
      if (missing) throw new ProviderError("stt", "unavailable", `Moonshine model missing in ${this.modelDir} (${missing})`);
      while (this.slots.length < this.size) this.slots.push({ worker: this.spawn(), job: null });
      // Every worker is heard from before any is terminated: terminating a thread while onnxruntime is still
      // creating its session in native code can take the whole process down.
      const loads = await Promise.allSettled(this.slots.map((slot) => this.whenLoaded(slot.worker)));
      const failed = loads.find((load) => load.status === "rejected");
      if (failed) throw failed.reason;
    })();
    this.loading.catch(() => {
      for (const slot of this.slots.splice(0)) void slot.worker.terminate();
      this.loading = undefined;
    });
    return this.loading;
  }

  transcribe(audio: Float32Array, signal: AbortSignal): Promise<string> {
    return new Promise((resolve, reject) => {
      const job: TJob = { id: this.nextId++, audio, resolve, reject };
      const onAbort = () => {
        const at = this.queue.indexOf(job);
        if (at < 0) return;
        this.queue.splice(at, 1);
        reject(signal.reason instanceof Error ? signal.reason : new Error("stream closed"));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      const settle = <T>(fn: (value: T) => void) => (value: T) => {
        signal.removeEventListener("abort", onAbort);
        fn(value);
      };
      job.resolve = settle(resolve);
      job.reject = settle(reject);
      this.queue.push(job);
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.job) continue;
      const job = this.queue.shift();
      if (!job) return;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, audio: job.audio }, [job.audio.buffer as ArrayBuffer]);
    }
  }

  private spawn(): Worker {
    const { createRequire } = process.getBuiltinModule("node:module");
    const require = createRequire(import.meta.url);
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        ortPath: require.resolve("onnxruntime-node"),
        tokenizerUrl: pathToFileURL(require.resolve("llama-tokenizer-js")).href,
        encoderPath: path.join(this.modelDir, MOONSHINE_MODEL_FILES[0]),
        decoderPath: path.join(this.modelDir, MOONSHINE_MODEL_FILES[1]),
      },
    });
    worker.unref();
    worker.on("message", (reply: TWorkerReply) => {
      if (reply.type === "ready" || reply.type === "failed") return;
      const slot = this.slots.find((s) => s.worker === worker);
      const job = slot?.job;
      if (!slot || !job || job.id !== reply.id) return;
      slot.job = null;
      worker.unref();
      if (reply.type === "done") job.resolve(reply.text);
      else job.reject(new ProviderError("stt", "bad_response", `Moonshine: ${reply.message}`));
      this.pump();
    });
    // A worker that dies takes only its own segment with it; the next one starts in its place.
    const replace = (error: Error) => {
      const at = this.slots.findIndex((s) => s.worker === worker);
      if (at < 0) return;
      const job = this.slots[at]!.job;
      this.slots[at] = { worker: this.spawn(), job: null };
      job?.reject(new ProviderError("stt", "unavailable", `Moonshine worker stopped: ${error.message}`, { cause: error }));
      this.pump();
    };
    worker.on("error", replace);
    worker.on("exit", (code) => replace(new Error(`exit code ${code}`)));
    return worker;
  }

  private whenLoaded(worker: Worker): Promise<void> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: TWorkerReply) => {
        if (reply.type === "ready") done(null);
        else if (reply.type === "failed") done(new Error(reply.message));
      };
      const onError = (error: Error) => done(error);
      const onExit = (code: number) => done(new Error(`worker exited (code ${code}) while loading`));
      const done = (error: Error | null) => {
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
        if (!error) return resolve();
        reject(new ProviderError("stt", "unavailable", `Moonshine could not load its model from ${this.modelDir}: ${error.message}`, { cause: error }));
      };
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
    });
  }
}

// Phone audio as the model takes it: the voiced stretch of the segment with a little line noise around it (as
// pocketsphinx gets it), 16 kHz float samples.
export function prepareForMoonshine(mulaw: Uint8Array): Float32Array {
  const speech = resample(decodeMulaw(trimToSpeech(mulaw)), MULAW_SAMPLE_RATE, RECOGNIZER_RATE);
  const out = new Float32Array(speech.length);
  for (let i = 0; i < speech.length; i++) out[i] = speech[i]! / 32768;
  return out;
}

// Segments of up to 12 s: the model hears a whole sentence best, and a 12 s segment decodes in a fraction of a
// second, so the final still costs about the same for 2 s and 15 s of speech.
const SEGMENTING = { minSegmentMs: 8000, maxSegmentMs: 12000 };

class MoonshineStream extends SegmentingStream {
  constructor(
    private readonly pool: MoonshinePool,
    signal: AbortSignal,
  ) {
    super(SEGMENTING, signal);
  }

  protected async decode(segment: Uint8Array, voicedFrames: number): Promise<string> {
    // Line noise alone is never sent: a speech model asked to transcribe noise makes words up.
    if (voicedFrames < VOICED_FRAMES_FOR_SPEECH) return "";
    if ((segment.length * 1000) / MULAW_SAMPLE_RATE < MIN_AUDIO_MS) return "";
    return this.pool.transcribe(prepareForMoonshine(segment), this.closing.signal);
  }
}

export type TMoonshineSttOptions = {
  modelDir?: string;
  // Worker threads decoding at once across all calls in this process, one core each.
  maxConcurrent?: number;
};

const pools = new Map<string, MoonshinePool>();

export function createMoonshineStt(options: TMoonshineSttOptions = {}): TSttProvider & { ready(): Promise<void> } {
  const modelDir = path.resolve(options.modelDir ?? defaultMoonshineModelDir());
  const size = options.maxConcurrent ?? Math.max(1, availableParallelism());
  const key = `${modelDir}|${size}`;
  let pool = pools.get(key);
  if (!pool) pools.set(key, (pool = new MoonshinePool(modelDir, size)));
  const shared = pool;
  return {
    name: "offline-moonshine",
    ready: () => shared.ready(),
    async open({ language, signal }: TSttOptions): Promise<TSttStream> {
      if (!/^en\b/i.test(language)) {
        throw new ProviderError("stt", "unavailable", `Offline recognition only has an English model (asked for ${language})`);
      }
      await shared.ready();
      return new MoonshineStream(shared, signal);
    },
  };
}
