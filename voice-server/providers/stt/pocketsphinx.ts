import { type ChildProcess, spawn } from "node:child_process";
import { constants } from "node:fs";
import { access, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { decodeMulaw, MULAW_SAMPLE_RATE } from "@/voice-server/audio/mulaw";
import { resample } from "@/voice-server/audio/resample";
import { encodeWavPcm16 } from "@/voice-server/audio/wav";
import {
  ProviderError,
  type TMulaw,
  type TSttEvent,
  type TSttOptions,
  type TSttProvider,
  type TSttStream,
} from "@/voice-server/providers/types";
import { synonymsOf } from "@/voice-server/providers/llm/offline";
import { buildGrammar, loadDictionary } from "./grammar";

// Offline STT: CMU pocketsphinx run once per caller turn over a JSGF grammar built from the agent's phrases.
// There is no Node binding, so each finalize() writes the turn to a WAV file and runs the CLI on it. The batch
// decoder, not pocketsphinx_continuous: it normalises the cepstrum over the whole turn, while the continuous
// one starts from a fixed guess and misrecognises the first words of every short utterance (measured on eSpeak
// phone audio: 28/34 exact with batch, 0/34 with continuous on the same grammar).

const MODEL_DIR = "/usr/share/pocketsphinx/model/en-us";
const RECOGNIZER_RATE = 16000; // the only rate the en-us acoustic model supports
const EDGE_PAD_MS = 300;
const MIN_AUDIO_MS = 100;
const INSTALL_HINT = "install the Debian packages: apt-get install -y pocketsphinx pocketsphinx-en-us";

export type TPocketsphinxSttOptions = {
  binary?: string;
  hmmDir?: string;
  dictPath?: string;
  // Audio kept per turn; older audio is dropped if a turn runs longer.
  maxTurnMs?: number;
  // Recognitions running at once across all calls in this process.
  maxConcurrent?: number;
  timeoutMs?: number;
};

// Upsampled phone audio has no energy at all above 4 kHz, which throws the 16 kHz model's filterbank off and
// yields empty results; faint white noise fills the band back in. 0.005 of full scale recognised best in a
// sweep from 0.0005 to 0.04.
const NOISE_AMPLITUDE = 0.005 * 32767;

export function prepareForRecognizer(mulaw: Uint8Array, seed: number): Int16Array {
  const speech = resample(decodeMulaw(mulaw), MULAW_SAMPLE_RATE, RECOGNIZER_RATE);
  const pad = (EDGE_PAD_MS * RECOGNIZER_RATE) / 1000;
  const out = new Int16Array(speech.length + 2 * pad);
  out.set(speech, pad);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    // mulberry32: deterministic, so a recognition can be reproduced exactly.
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const uniform = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    const value = out[i]! + Math.round((uniform * 2 - 1) * NOISE_AMPLITUDE);
    out[i] = value > 32767 ? 32767 : value < -32768 ? -32768 : value;
  }
  return out;
}

// A turn's audio runs from the end of the last turn (or the start of the call) to the endpoint: for the first
// turn that is the whole greeting in silence. The batch decoder normalises over everything it is given, and
// how much silence came before a short utterance changed what it heard (one recording of "is there parking"
// came out as "it's mary martin" with 0.7, 0.9, 1.9, 2.9 or 7.9 s of silence before it, and right with 0.4 or
// 1.4 s). So only the voiced stretch is decoded, with the same margin of line noise around it whatever the turn
// held.
const TRIM_MARGIN_MS = 300;
const TRIM_FRAME = 160; // 20 ms at 8 kHz

export function trimToSpeech(mulaw: Uint8Array): Uint8Array {
  const frames = Math.floor(mulaw.length / TRIM_FRAME);
  if (frames < 3) return mulaw;
  const pcm = decodeMulaw(mulaw);
  const energy = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let i = f * TRIM_FRAME; i < (f + 1) * TRIM_FRAME; i++) sum += pcm[i]! * pcm[i]!;
    energy[f] = Math.sqrt(sum / TRIM_FRAME);
  }
  // Voiced: well above the turn's own noise floor (its quietest tenth) and above what a quiet line carries.
  const floor = energy.slice().sort()[Math.floor(frames / 10)]!;
  const threshold = Math.max(floor * 8, 100);
  let first = -1;
  let last = -1;
  for (let f = 0; f < frames; f++) {
    if (energy[f]! < threshold) continue;
    if (first < 0) first = f;
    last = f;
  }
  if (first < 0) return mulaw;
  const margin = (TRIM_MARGIN_MS * MULAW_SAMPLE_RATE) / 1000;
  return mulaw.subarray(Math.max(0, first * TRIM_FRAME - margin), Math.min(mulaw.length, (last + 1) * TRIM_FRAME + margin));
}

// Batch output is one line per utterance: "words words (uttid score)".
export function parseHypotheses(stdout: string): string {
  return stdout
    .split("\n")
    .flatMap((line) =>
      line
        .replace(/\s*\([^()]*\)\s*$/, "")
        .trim()
        .split(/\s+/),
    )
    .map((word) => word.replace(/\(\d+\)$/, ""))
    .filter((word) => word && !/^[<[]|^\+\+/.test(word))
    .join(" ");
}

const probes = new Map<string, Promise<boolean>>();

// Run once with no arguments (it complains and exits at once): lets spawn do the PATH lookup it will do later.
function isInstalled(binary: string): Promise<boolean> {
  let probe = probes.get(binary);
  if (!probe) {
    probe = new Promise((resolve) => {
      const child = spawn(binary, [], { stdio: "ignore" });
      child.on("error", () => resolve(false));
      child.on("close", () => resolve(true));
    });
    probes.set(binary, probe);
  }
  return probe;
}

async function checkInstallation(binary: string, hmmDir: string, dictPath: string): Promise<void> {
  if (!(await isInstalled(binary))) {
    probes.delete(binary);
    throw new ProviderError("stt", "unavailable", `Offline speech recognition needs ${binary}; ${INSTALL_HINT}`);
  }
  try {
    await access(path.join(hmmDir, "mdef"), constants.R_OK);
    await access(dictPath, constants.R_OK);
  } catch (error) {
    throw new ProviderError(
      "stt",
      "unavailable",
      `Pocketsphinx model missing (${hmmDir}, ${dictPath}); ${INSTALL_HINT}`,
      {
        cause: error,
      },
    );
  }
}

// Shared by every stream in the process, so a burst of turns cannot fork more recognisers than there are cores.
class Slots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async acquire(signal: AbortSignal): Promise<() => void> {
    if (this.active >= this.size) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const i = this.waiting.indexOf(go);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal.reason);
        };
        const go = () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        };
        this.waiting.push(go);
        signal.addEventListener("abort", onAbort, { once: true });
      });
    } else {
      this.active++;
    }
    let isReleased = false;
    return () => {
      if (isReleased) return;
      isReleased = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }
}

const slotsBySize = new Map<number, Slots>();

class EventQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: ((result: IteratorResult<T>) => void) | undefined;
  private isEnded = false;

  push(item: T): void {
    if (this.isEnded) return;
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  end(): void {
    this.isEnded = true;
    this.waiter?.({ value: undefined, done: true });
    this.waiter = undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.items.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.isEnded) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiter = resolve));
      },
      return: () => {
        this.end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

type TStreamConfig = {
  executable: string;
  hmmDir: string;
  dictPath: string;
  dir: string;
  grammarPath: string;
  maxTurnBytes: number;
  timeoutMs: number;
  slots: Slots;
};

class PocketsphinxStream implements TSttStream {
  readonly events = new EventQueue<TSttEvent>();
  private buffer = new Uint8Array(MULAW_SAMPLE_RATE * 2);
  private length = 0;
  private turns: Promise<void> = Promise.resolve();
  private turnCount = 0;
  private child: ChildProcess | undefined;
  private readonly closing = new AbortController();
  private closed: Promise<void> | undefined;

  constructor(
    private readonly config: TStreamConfig,
    signal: AbortSignal,
  ) {
    if (signal.aborted) void this.close();
    else signal.addEventListener("abort", () => void this.close(), { once: true });
  }

  push(audio: TMulaw): void {
    if (this.closing.signal.aborted || audio.length === 0) return;
    const { maxTurnBytes } = this.config;
    if (audio.length >= maxTurnBytes) {
      this.buffer = audio.slice(audio.length - maxTurnBytes);
      this.length = maxTurnBytes;
      return;
    }
    if (this.length + audio.length > maxTurnBytes) {
      // Keep the most recent audio: the end of a long turn is what the caller is waiting on.
      const drop = this.length + audio.length - maxTurnBytes;
      this.buffer.copyWithin(0, drop, this.length);
      this.length -= drop;
    }
    if (this.length + audio.length > this.buffer.length) {
      const grown = new Uint8Array(
        Math.min(maxTurnBytes, Math.max(this.buffer.length * 2, this.length + audio.length)),
      );
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(audio, this.length);
    this.length += audio.length;
  }

  finalize(): void {
    if (this.closing.signal.aborted) return;
    const turn = this.buffer.slice(0, this.length);
    this.length = 0;
    const seed = ++this.turnCount;
    // Turns are recognised one after another so their finals come out in order.
    this.turns = this.turns.then(async () => {
      let text = "";
      try {
        text = await this.recognize(turn, seed);
      } catch (error) {
        if (this.closing.signal.aborted) return;
        this.events.push({
          type: "error",
          error: error instanceof Error ? error : new Error(String(error)),
          isFatal: false,
        });
      }
      if (!this.closing.signal.aborted) this.events.push({ type: "final", text, isFromFinalize: true });
    });
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing.abort();
      this.child?.kill("SIGKILL");
      this.events.end();
      await this.turns;
      await rm(this.config.dir, { recursive: true, force: true });
    })();
    return this.closed;
  }

  private async recognize(turn: Uint8Array, seed: number): Promise<string> {
    if ((turn.length * 1000) / MULAW_SAMPLE_RATE < MIN_AUDIO_MS) return "";
    const { config } = this;
    const id = `turn-${seed}`;
    const wavPath = path.join(config.dir, `${id}.wav`);
    const ctlPath = path.join(config.dir, `${id}.ctl`);
    // A file, not /dev/stdout: that cannot be opened when stdout is the socket Node's spawn() gives it.
    const hypPath = path.join(config.dir, `${id}.hyp`);
    const logPath = path.join(config.dir, `${id}.log`);
    await writeFile(wavPath, encodeWavPcm16(prepareForRecognizer(trimToSpeech(turn), seed), RECOGNIZER_RATE));
    await writeFile(ctlPath, `${id}\n`);
    const release = await config.slots.acquire(this.closing.signal);
    try {
      await this.run(ctlPath, hypPath, logPath);
      return parseHypotheses(await readFile(hypPath, "utf8"));
    } finally {
      release();
      await Promise.all([wavPath, ctlPath, hypPath, logPath].map((file) => rm(file, { force: true })));
    }
  }

  private run(ctlPath: string, hypPath: string, logPath: string): Promise<void> {
    const { config } = this;
    // -adchdr 44 skips the header encodeWavPcm16 writes.
    const args = ["-adcin", "yes", "-cepdir", config.dir, "-cepext", ".wav", "-adchdr", "44", "-ctl", ctlPath];
    args.push("-hyp", hypPath, "-hmm", config.hmmDir, "-dict", config.dictPath, "-jsgf", config.grammarPath);
    return new Promise((resolve, reject) => {
      if (this.closing.signal.aborted) return reject(new Error("stream closed"));
      const child = spawn(config.executable, [...args, "-logfn", logPath], { stdio: "ignore" });
      this.child = child;
      const timer = setTimeout(() => child.kill("SIGKILL"), config.timeoutMs);
      child.on("error", (error) => {
        clearTimeout(timer);
        reject(
          new ProviderError("stt", "unavailable", `Could not run ${config.executable}: ${error.message}`, {
            cause: error,
          }),
        );
      });
      child.on("close", async (code, signal) => {
        clearTimeout(timer);
        if (this.child === child) this.child = undefined;
        if (code === 0) return resolve();
        const why = signal ? `killed (${signal})` : `exit code ${code}`;
        const kind = signal === "SIGKILL" && !this.closing.signal.aborted ? "timeout" : "bad_response";
        const log = await readFile(logPath, "utf8").catch(() => "");
        const errors = log
          .split("\n")
          .filter((line) => /^(ERROR|FATAL)/.test(line))
          .slice(-3)
          .join("; ");
        reject(new ProviderError("stt", kind, `pocketsphinx ${why}${errors ? `: ${errors}` : ""}`));
      });
    });
  }
}

export function createPocketsphinxStt(options: TPocketsphinxSttOptions = {}): TSttProvider {
  const binary = options.binary ?? "pocketsphinx_batch";
  const hmmDir = options.hmmDir ?? path.join(MODEL_DIR, "en-us");
  const dictPath = options.dictPath ?? path.join(MODEL_DIR, "cmudict-en-us.dict");
  const maxTurnMs = options.maxTurnMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 20_000;
  const size = options.maxConcurrent ?? Math.max(1, availableParallelism());
  let slots = slotsBySize.get(size);
  if (!slots) slotsBySize.set(size, (slots = new Slots(size)));
  const sharedSlots = slots;

  return {
    name: "offline-pocketsphinx",
    async open({ language, phrases, signal }: TSttOptions): Promise<TSttStream> {
      if (!/^en\b/i.test(language)) {
        throw new ProviderError(
          "stt",
          "unavailable",
          `Offline recognition only has an English model (asked for ${language})`,
        );
      }
      await checkInstallation(binary, hmmDir, dictPath);
      const dict = await loadDictionary(dictPath);
      const dir = await mkdtemp(path.join(tmpdir(), "stt-pocketsphinx-"));
      const grammarPath = path.join(dir, "call.gram");
      try {
        await writeFile(grammarPath, buildGrammar(phrases, dict, { related: synonymsOf }));
      } catch (error) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
      return new PocketsphinxStream(
        {
          executable: binary,
          hmmDir,
          dictPath,
          dir,
          grammarPath,
          maxTurnBytes: Math.round((maxTurnMs * MULAW_SAMPLE_RATE) / 1000),
          timeoutMs,
          slots: sharedSlots,
        },
        signal,
      );
    },
  };
}
