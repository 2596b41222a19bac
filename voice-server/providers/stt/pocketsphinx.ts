import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { access, copyFile, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { decodeMulaw, MULAW_SAMPLE_RATE } from "@/lib/audio/mulaw";
import { resample } from "@/voice-server/audio/resample";
import { encodeWavPcm16 } from "@/lib/audio/wav";
import {
  ProviderError,
  type TSttOptions,
  type TSttProvider,
  type TSttStream,
  type TSttVocabulary,
} from "@/voice-server/providers/types";
import { synonymsOf } from "@/voice-server/providers/llm/offline";
import { buildGrammar, loadDictionary } from "./grammar";
import { buildLanguageModelAsync, loadPronunciations, type TAgentVocabulary } from "./language-model";
import { CALLER_PATTERNS, CALLER_SLOTS } from "./receptionist-corpus";
import { SegmentingStream, Slots } from "./segmenting-stream";
import { TELEPHONE_MLLR } from "./telephone-mllr";
import { TELEPHONE_MEANS, TELEPHONE_SENDUMP, TELEPHONE_VARIANCES } from "./telephone-model";

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
  search?: TSttSearch;
  // Decoders running at once across all calls in this process (the pool that keeps decoding off the event loop).
  maxConcurrent?: number;
  // Kills a decoder that hangs; never meant to cut a search short.
  timeoutMs?: number;
  // The acoustic model's adaptation to phone audio (scripts/stt-adapt.ts). "map" (default): hmmDir with its means,
  // variances and mixture weights replaced by the MAP-adapted ones in telephone-model.ts. "mllr": hmmDir with the MLLR transform in
  // telephone-mllr.ts applied to every search. "none": hmmDir as it is.
  adaptation?: TAcousticAdaptation;
};

export type TAcousticAdaptation = "map" | "mllr" | "none";

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

const slotsBySize = new Map<number, Slots>();

type TStreamConfig = {
  executable: string;
  hmmDir: string;
  dir: string;
  // pocketsphinx arguments of each search to run (a JSGF grammar, an n-gram language model, each with its
  // dictionary); with two, the hypotheses are chosen between by chooseHypothesis.
  searches: string[][];
  timeoutMs: number;
  slots: Slots;
};

// Incremental decoding (segmenting-stream.ts): segments of 6 to 7.5 s, so the final costs about the same for 2 s
// and 15 s of speech.
const SEGMENTING = { minSegmentMs: 6000, maxSegmentMs: 7500 };

// Gaussians of each senone's mixture scored exactly per frame (pocketsphinx's default is 4). On the quality set's
// tuning half (scripts/stt-sweep.ts, adapted model, language model before the agent's term classes): the language
// model alone 61.2% intent and 38.5% WER with 8, 59.2% and 41.2% with 4; the hybrid 63.5% vs 61.5%; same decode time.
const TOP_GAUSSIANS = 8;

class PocketsphinxStream extends SegmentingStream {
  private readonly children = new Set<ChildProcess>();
  private jobCount = 0;

  constructor(
    private readonly config: TStreamConfig,
    signal: AbortSignal,
  ) {
    super(SEGMENTING, signal);
  }

  protected override onClose(): void {
    for (const child of this.children) child.kill("SIGKILL");
  }

  protected async decode(segment: Uint8Array): Promise<string> {
    if ((segment.length * 1000) / MULAW_SAMPLE_RATE < MIN_AUDIO_MS) return "";
    const { config } = this;
    const id = `seg-${++this.jobCount}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const wavPath = path.join(config.dir, `${id}.wav`);
    const ctlPath = path.join(config.dir, `${id}.ctl`);
    // A file, not /dev/stdout: that cannot be opened when stdout is the socket Node's spawn() gives it.
    const hypPaths = config.searches.map((_, i) => path.join(config.dir, `${id}.${i}.hyp`));
    const logPaths = config.searches.map((_, i) => path.join(config.dir, `${id}.${i}.log`));
    // The same seed for every segment: the same audio is heard the same way whatever else is running.
    await writeFile(wavPath, encodeWavPcm16(prepareForRecognizer(trimToSpeech(segment), 1), RECOGNIZER_RATE));
    await writeFile(ctlPath, `${id}\n`);
    try {
      // The searches run side by side, each in its own slot of the pool: the final waits for the slower one only.
      const hypotheses = await Promise.all(
        config.searches.map(async (search, i) => {
          const release = await config.slots.acquire(this.closing.signal);
          try {
            await this.run(search, ctlPath, hypPaths[i]!, logPaths[i]!);
            return parseHypseg(await readFile(hypPaths[i]!, "utf8"));
          } finally {
            release();
          }
        }),
      );
      return hypotheses.length === 2 ? chooseHypothesis(hypotheses[0]!.text, hypotheses[1]!.text) : (hypotheses[0]?.text ?? "");
    } finally {
      await Promise.all([wavPath, ctlPath, ...hypPaths, ...logPaths].map((file) => rm(file, { force: true })));
    }
  }

  private run(search: string[], ctlPath: string, hypPath: string, logPath: string): Promise<void> {
    const { config } = this;
    const dir = path.dirname(ctlPath);
    // -adchdr 44 skips the header encodeWavPcm16 writes.
    const args = ["-adcin", "yes", "-cepdir", dir, "-cepext", ".wav", "-adchdr", "44", "-ctl", ctlPath];
    args.push("-hypseg", hypPath, "-hmm", config.hmmDir, "-topn", String(TOP_GAUSSIANS), ...search);
    return new Promise((resolve, reject) => {
      if (this.closing.signal.aborted) return reject(new Error("stream closed"));
      const child = spawn(config.executable, [...args, "-logfn", logPath], { stdio: "ignore" });
      this.children.add(child);
      // Only against a decoder that hangs: a search is never cut short to meet a deadline.
      const timer = setTimeout(() => child.kill("SIGKILL"), config.timeoutMs);
      child.on("error", (error) => {
        clearTimeout(timer);
        this.children.delete(child);
        reject(
          new ProviderError("stt", "unavailable", `Could not run ${config.executable}: ${error.message}`, {
            cause: error,
          }),
        );
      });
      child.on("close", async (code, signal) => {
        clearTimeout(timer);
        this.children.delete(child);
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

// What each call's decoder searches. "lm": a trigram language model built for the agent from generic front-desk
// phrasing and the agent's own terms (language-model.ts), with a dictionary of just its words. "grammar": the JSGF
// grammar of the agent's phrases (grammar.ts), which hears the listed lines well and forces anything else onto one
// of them. "hybrid" (default): both, one after the other on the same audio, chosen between by chooseHypothesis.
export type TSttSearch = "hybrid" | "lm" | "grammar";

type TSearchFiles = { args: string[] };

const DIGIT_WORD = /^(zero|one|two|three|four|five|six|seven|eight|nine|oh)$/;

// Between the grammar's hypothesis and the language model's for the same audio. The grammar hears its own
// phrases best but forces anything else onto one of them (often a string of digits); the language model follows
// any phrasing, less precisely. The grammar's words are taken when the language model heard at least 65% of them
// too (then the caller said a listed phrase, or close to it), the language model's otherwise. With the acoustic
// model adapted to phone audio, 50% let the grammar force unlisted lines onto its phrases (48.9% intent vs 52.2% on
// a spread of the quality set's tuning half); 60-80% measured the same there, and 65% keeps the agent's own
// phrases (recognition-accuracy.test.ts) that the language model hears with a word or two wrong.
export function chooseHypothesis(grammar: string, lm: string): string {
  const g = grammar.split(" ").filter(Boolean);
  const l = lm.split(" ").filter(Boolean);
  if (g.length === 0) return lm;
  if (l.length === 0) return grammar;
  // Digits out of noise: a number the language model did not hear at all.
  if (g.filter((w) => DIGIT_WORD.test(w)).length >= 5 && l.filter((w) => DIGIT_WORD.test(w)).length < 3) return lm;
  const pool = [...l];
  let shared = 0;
  for (const word of g) {
    const at = pool.indexOf(word);
    if (at < 0) continue;
    shared++;
    pool.splice(at, 1);
  }
  // The grammar fitted a listed phrase to part of the turn and the language model heard much more besides (a name
  // and then the number, in one breath): the grammar's words would lose the rest.
  const unheardByGrammar = l.length - shared;
  if (unheardByGrammar >= 3 && unheardByGrammar >= g.length) return lm;
  return shared / g.length >= 0.65 ? grammar : lm;
}

// A hypothesis with pocketsphinx's scores for it (-hypseg): the acoustic and language scores of its best path and
// the frames it spans. (Choosing between the grammar's and the language model's hypotheses by acoustic fit per frame
// was measured and does not separate right from wrong: scripts/stt-sweep.ts prints both distributions.)
export type TScoredHypothesis = { text: string; ascr: number; lscr: number; frames: number };

// -hypseg output, one line per utterance: "uttid S 0 T total A ascr L lscr (start wascr wlscr word)* frames".
export function parseHypseg(text: string): TScoredHypothesis {
  const hypotheses = text
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((t) => t.length >= 10 && t[1] === "S");
  const words: string[] = [];
  let ascr = 0;
  let lscr = 0;
  let frames = 0;
  for (const t of hypotheses) {
    ascr += Number(t[6]);
    lscr += Number(t[8]);
    for (let i = 9; i + 3 < t.length; i += 4) words.push(t[i + 3]!);
    frames += Number(t[t.length - 1]);
  }
  // Fillers ("<sil>", "[NOISE]", "++BREATH++") and the grammar search's empty transitions ("(NULL)") are no words.
  const clean = words.map((word) => word.replace(/\(\d+\)$/, "")).filter((word) => word && !/^[<[(]|^\+\+/.test(word));
  return { text: clean.join(" "), ascr, lscr, frames };
}

// Built once per agent version and process, shared by its calls: identical phrases give identical files.
const searchFiles = new Map<string, Promise<TSearchFiles>>();
let modelDir: Promise<string> | undefined;

// Models are files named by the hash of what they were built from, kept across restarts: an agent version's model
// is built on its first call on a machine, and every later call and process reuses it.
function sharedModelDir(): Promise<string> {
  modelDir ??= (async () => {
    const dir = path.join(tmpdir(), `ai-call-agent-stt-${MODEL_FORMAT}`);
    await mkdir(dir, { recursive: true });
    return dir;
  })();
  return modelDir;
}

// Bumped whenever what a model file holds for the same inputs changes (grammar.ts, language-model.ts, ngram.ts).
const MODEL_FORMAT = "v3";
// The generic half of every language model's text is part of its key: an edited corpus is a new model, not a
// stale file from the cache.
const CORPUS_FINGERPRINT = createHash("sha1").update(JSON.stringify([CALLER_PATTERNS, CALLER_SLOTS])).digest("hex").slice(0, 12);

async function writeOnce(file: string, make: () => Promise<string> | string): Promise<void> {
  if (await access(file, constants.R_OK).then(() => true, () => false)) return;
  const partial = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await writeFile(partial, await make());
  await rename(partial, file);
}

// The acoustic model the searches use, and the arguments that adapt it, each written once and shared like the models.
async function acousticModel(hmmDir: string, adaptation: TAcousticAdaptation): Promise<{ hmmDir: string; args: string[] }> {
  if (adaptation === "none") return { hmmDir, args: [] };
  const dir = await sharedModelDir();
  if (adaptation === "mllr") {
    const file = path.join(dir, `${createHash("sha1").update(TELEPHONE_MLLR).digest("hex").slice(0, 20)}.mllr`);
    await writeOnce(file, () => TELEPHONE_MLLR);
    return { hmmDir, args: ["-mllr", file] };
  }
  let model = adaptedModels.get(hmmDir);
  if (!model) {
    model = assembleAdaptedModel(hmmDir, dir);
    model.catch(() => adaptedModels.delete(hmmDir));
    adaptedModels.set(hmmDir, model);
  }
  return { hmmDir: await model, args: [] };
}

const adaptedModels = new Map<string, Promise<string>>();

// A model directory of the stock model's files with the adapted means, variances and mixture weights, built whole
// beside its final name and renamed into place, so a process never sees half of one.
async function assembleAdaptedModel(hmmDir: string, dir: string): Promise<string> {
  const hash = createHash("sha1").update(hmmDir);
  for (const packed of [TELEPHONE_MEANS, TELEPHONE_VARIANCES, TELEPHONE_SENDUMP]) hash.update(packed);
  const key = hash.digest("hex").slice(0, 20);
  const target = path.join(dir, `hmm-${key}`);
  const isInPlace = () => access(path.join(target, "means"), constants.R_OK).then(() => true, () => false);
  if (await isInPlace()) return target;
  const partial = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await mkdir(partial, { recursive: true });
  try {
    for (const file of ["mdef", "transition_matrices", "feat.params", "noisedict"]) {
      await copyFile(path.join(hmmDir, file), path.join(partial, file));
    }
    await writeFile(path.join(partial, "means"), unpackModelFile(TELEPHONE_MEANS));
    await writeFile(path.join(partial, "variances"), unpackModelFile(TELEPHONE_VARIANCES));
    await writeFile(path.join(partial, "sendump"), unpackModelFile(TELEPHONE_SENDUMP));
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    // Another process put the same model in place first.
    if (await isInPlace()) return target;
    throw new ProviderError("stt", "unavailable", `Could not assemble the adapted acoustic model: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return target;
}

// telephone-model.ts holds each model file gzipped, in base64.
export function unpackModelFile(packed: string): Buffer {
  return gunzipSync(Buffer.from(packed, "base64"));
}

async function filesFor(
  search: "lm" | "grammar",
  phrases: string[],
  vocabulary: TSttVocabulary | undefined,
  dictPath: string,
): Promise<TSearchFiles> {
  // The grammar is built from the phrases only: its key leaves the vocabulary out, so agents that differ only in
  // their knowledge's wording share it.
  const inputs = search === "lm" ? [search, dictPath, phrases, vocabulary ?? null, CORPUS_FINGERPRINT] : [search, dictPath, phrases];
  const key = createHash("sha1").update(JSON.stringify(inputs)).digest("hex").slice(0, 20);
  let files = searchFiles.get(key);
  if (!files) {
    files = (async () => {
      const dir = await sharedModelDir();
      const dict = await loadDictionary(dictPath);
      if (search === "grammar") {
        const grammarPath = path.join(dir, `${key}.gram`);
        await writeOnce(grammarPath, () => buildGrammar(phrases, dict, { related: synonymsOf }));
        return { args: ["-dict", dictPath, "-jsgf", grammarPath] };
      }
      const lmPath = path.join(dir, `${key}.arpa`);
      const agentDictPath = path.join(dir, `${key}.dict`);
      // The dictionary is written last: when it exists, so does the model.
      if (!(await access(agentDictPath, constants.R_OK).then(() => true, () => false))) {
        const model = await buildLanguageModelAsync(agentVocabulary(phrases, vocabulary), dict, await loadPronunciations(dictPath));
        await writeOnce(lmPath, () => model.arpa);
        await writeOnce(agentDictPath, () => model.pronunciations);
      }
      return { args: ["-dict", agentDictPath, "-lm", lmPath] };
    })();
    files.catch(() => searchFiles.delete(key));
    searchFiles.set(key, files);
    if (searchFiles.size > 200) searchFiles.delete(searchFiles.keys().next().value!);
  }
  return files;
}

// What the language model is built from: the phrases, and when the session gives them, the agent's terms by class
// and its knowledge sentences.
export function agentVocabulary(phrases: string[], vocabulary: TSttVocabulary | undefined): TAgentVocabulary {
  if (!vocabulary) return { phrases, facts: [] };
  const { facts, ...classes } = vocabulary;
  return { phrases, facts, classes };
}

export function createPocketsphinxStt(options: TPocketsphinxSttOptions = {}): TSttProvider {
  const binary = options.binary ?? "pocketsphinx_batch";
  const hmmDir = options.hmmDir ?? path.join(MODEL_DIR, "en-us");
  const dictPath = options.dictPath ?? path.join(MODEL_DIR, "cmudict-en-us.dict");
  const search = options.search ?? "hybrid";
  const timeoutMs = options.timeoutMs ?? 300_000;
  const adaptation = options.adaptation ?? "map";
  const size = options.maxConcurrent ?? Math.max(1, availableParallelism());
  let slots = slotsBySize.get(size);
  if (!slots) slotsBySize.set(size, (slots = new Slots(size)));
  const sharedSlots = slots;

  return {
    name: "offline-pocketsphinx",
    async open({ language, phrases, vocabulary, signal }: TSttOptions): Promise<TSttStream> {
      if (!/^en\b/i.test(language)) {
        throw new ProviderError(
          "stt",
          "unavailable",
          `Offline recognition only has an English model (asked for ${language})`,
        );
      }
      await checkInstallation(binary, hmmDir, dictPath);
      const kinds = search === "hybrid" ? (["grammar", "lm"] as const) : [search];
      const model = await acousticModel(hmmDir, adaptation);
      const searches = await Promise.all(
        kinds.map(async (kind) => [...(await filesFor(kind, phrases, vocabulary, dictPath)).args, ...model.args]),
      );
      return new PocketsphinxStream(
        { executable: binary, hmmDir: model.hmmDir, dir: await sharedModelDir(), searches, timeoutMs, slots: sharedSlots },
        signal,
      );
    },
  };
}
