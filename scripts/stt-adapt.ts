// `npm run stt:adapt`: estimates the MLLR transform the offline recogniser applies to pocketsphinx's US English
// acoustic model (written into voice-server/providers/stt/telephone-mllr.ts, so the bundled voice server has it). The stock model was trained on wide-band
// read speech; a call reaches it as 8 kHz mu-law upsampled to 16 kHz with faint noise filling the empty band
// (prepareForRecognizer), and in voice-mode test runs it hears synthetic voices. One global linear transform of
// the model's means, estimated from speech that went through exactly that path, moves the model to the channel
// without retraining it (the same procedure as CMU's "adapting the default acoustic model").
//
// The adaptation speech is generic caller phrasing (the receptionist corpus, expanded at random) plus
// phonetically varied sentences written for this purpose, spoken by eSpeak voices other than the quality set's
// and at varied rates. No line of the quality evaluation set (either half) is used: lines it shares word for
// word with the corpus are left out.
//
// --map goes further: MAP adaptation (CMU's procedure: bw collects counts, map_adapt moves each Gaussian's mean and
// variance, and each senone's mixture weights, towards them as far as its data allows) of the model with that
// transform already applied, from far more speech (default 2000 utterances, in many more voices). Its means,
// variances and mixture weights are written, gzipped, into voice-server/providers/stt/telephone-model.ts; the
// recogniser puts them beside the stock model's other files. A new transform needs a new --map run after it.
//
// Needs the Debian packages sphinxtrain and sphinxbase-utils (apt-get install -y sphinxtrain sphinxbase-utils),
// espeak-ng and sox. Only developers run it: the transform and the model are committed, and the voice server needs
// none of these tools. Options: --map, --sentences N (default 160, 2000 with --map), --passes N (MAP passes, default
// 1), --out PATH.
import { execFile } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { encodeWavPcm16 } from "@/lib/audio/wav";
import { MULAW_SILENCE } from "@/lib/audio/mulaw";
import { loadDictionary, normalizePhrase } from "@/voice-server/providers/stt/grammar";
import { buildCorpus } from "@/voice-server/providers/stt/language-model";
import { prepareForRecognizer, trimToSpeech } from "@/voice-server/providers/stt/pocketsphinx";
import { TELEPHONE_MLLR } from "@/voice-server/providers/stt/telephone-mllr";
import { loadQualityLines, normalizeLine } from "@/tests/sim/quality-set";

const exec = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    map: { type: "boolean", default: false },
    sentences: { type: "string" },
    passes: { type: "string", default: "1" },
    out: { type: "string" },
    work: { type: "string", default: "/tmp/stt-adapt" },
  },
});

const MODEL = "/usr/share/pocketsphinx/model/en-us";
const HMM = path.join(MODEL, "en-us");
const DICT = path.join(MODEL, "cmudict-en-us.dict");
const SPHINXTRAIN = "/usr/lib/sphinxtrain";
const WORK = args.work;
const MAP = args.map;
const PASSES = Number(args.passes);

// eSpeak voices and variants not used by the quality set (tests/sim/quality-set.ts), so its figures stay a
// measure of voices the transform was not estimated on.
const VOICES = [
  "en-us+m1", "en-us+m2", "en-us+m6", "en-us+f1", "en-gb+m4", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029+m2",
  "en-us-nyc+m5", "en-gb-scotland+f1", "en+m7", "en-us+m4",
];

// For MAP, which moves every Gaussian on its own and so could learn a few voices rather than the channel: each of
// eSpeak's English accents with each of these variants. The quality set uses some of the accents plain and the
// variants m3, f4 and f5; no voice here is one of its voices, and none of its variants is used.
const MAP_ACCENTS = ["en-us", "en-gb", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-gb-x-rp", "en-029", "en-us-nyc", "en-gb-scotland"];
const MAP_VARIANTS = [
  "m1", "m2", "m4", "m5", "m6", "m7", "f1", "adam", "andy", "john", "max", "paul", "rob", "steph", "linda", "annie",
  "david", "ed", "edward", "michael",
];
const MAP_VOICES = MAP_ACCENTS.flatMap((accent) => MAP_VARIANTS.map((variant) => `${accent}+${variant}`));

// Written for phonetic variety (every English phoneme in several contexts), in the register of a phone call.
const VARIED = [
  "The quick brown fox jumps over the lazy dog near the riverbank.",
  "She sells sea shells by the sea shore every summer morning.",
  "Please call Stella and ask her to bring these things with her from the store.",
  "My brother thought the weather would change before Thursday.",
  "Could you check whether the judge joined the meeting in June?",
  "The boy enjoyed the noisy toy until it broke.",
  "We usually measure the treasure with a ruler in the garage.",
  "I would rather go out and buy a new couch for the house.",
  "Each child chose a cheap cheese sandwich for lunch.",
  "Her voice was soft, but the words were very clear.",
  "The plumber fixed the pipe under the kitchen sink yesterday afternoon.",
  "Seven hundred people waited outside in the freezing rain.",
  "A good book and a cup of hot cocoa make a cozy evening.",
  "The music played loudly while the children danced around the room.",
  "Please leave the package with the neighbor if nobody answers the door.",
  "We hope to visit our aunt in Ohio sometime in August.",
  "The young engineer thanked everyone for their patience.",
  "Do not forget to water the plants while I am away.",
  "The pilot announced a short delay because of heavy fog.",
  "This chair feels much more comfortable than the old one.",
  "Yesterday I paid the bill, then I walked the dog around the block.",
  "Would you mind spelling your last name for me, please?",
  "The zoo keeper fed the zebras and the giraffes at noon.",
  "Fresh bread smells wonderful early in the morning.",
  "I usually drive to work, but today I took the bus.",
  "Our office moved to the third floor of the new building.",
  "Thirty three thousand fans cheered when the team scored.",
  "The vet said the puppy is healthy and growing fast.",
  "Just push the button and wait for the green light.",
  "Which way is the shortest route to the airport?",
  "He was annoyed that the shop had closed so early.",
  "The thunder woke the baby in the middle of the night.",
  "Oh, I see, that makes a lot of sense, thank you.",
  "Hmm, let me think about it and call you back tomorrow.",
  "Actually, could we make it a little later in the week?",
  "Sure, my email address is on the form I sent you.",
  "No problem at all, I can wait a few minutes.",
  "Okay great, I really appreciate your help today.",
  "Hi, yes, I was hoping to ask a quick question.",
  "Alright, that sounds fine, see you on Monday then.",
];

async function run(binary: string, argv: string[]): Promise<void> {
  try {
    await exec(binary, argv, { maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${path.basename(binary)} failed: ${e.message}\n${(e.stderr ?? "").split("\n").filter((l) => /ERROR|FATAL/.test(l)).slice(-5).join("\n")}`);
  }
}

// mulberry32, so the same sentences and voices are chosen every run.
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// pocketsphinx ships its mixture weights quantised ("sendump"); sphinxtrain's bw reads Sphinx-III float weights.
async function sendumpToMixw(sendump: string, out: string): Promise<void> {
  const buf = await readFile(sendump);
  let at = 0;
  // Written in the byte order of the machine that made it: the title's length tells which.
  const littleEndian = buf.readUInt32LE(0) <= 65536;
  const int = () => {
    const n = littleEndian ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
    at += 4;
    return n;
  };
  const str = () => {
    const n = int();
    if (n === 0) return null;
    const s = buf.subarray(at, at + n - 1).toString("latin1");
    at += n;
    return s;
  };
  str(); // title
  const header: Record<string, number> = {};
  for (let h = str(); h !== null; h = str()) {
    const [key, value] = h.split(/\s+/);
    if (key && value !== undefined) header[key] = Number(value);
  }
  let models = header.model_count ?? 0;
  let mixtures = header.mixture_count ?? 0;
  const features = header.feature_count ?? 1;
  const shift = header.mixw_shift ?? 10;
  if (!header.cluster_count) {
    models = int();
    mixtures = int();
  }
  // In the file: for each feature, for each codeword (model), one byte per senone (mixture).
  const weights = new Float32Array(mixtures * features * models);
  for (let f = 0; f < features; f++) {
    for (let m = 0; m < models; m++) {
      for (let s = 0; s < mixtures; s++) {
        const q = buf[at++]! << shift;
        weights[(s * features + f) * models + m] = 1.0001 ** -q;
      }
    }
  }
  let head = "s3\nversion 1.0\n";
  const pad = (head.length + "endhdr\n".length) & 3;
  head += `${pad ? " ".repeat(4 - pad) : ""}endhdr\n`;
  const dims = Buffer.alloc(4 * 5);
  dims.writeInt32LE(0x11223344, 0);
  dims.writeUInt32LE(mixtures, 4);
  dims.writeUInt32LE(features, 8);
  dims.writeUInt32LE(models, 12);
  dims.writeUInt32LE(mixtures * features * models, 16);
  await writeFile(out, Buffer.concat([Buffer.from(head, "latin1"), dims, Buffer.from(weights.buffer)]));
}

async function synthesize(text: string, voice: string, rate: number, noise: number, base: string): Promise<Uint8Array> {
  await run("espeak-ng", ["-v", voice, "-s", String(rate), "-w", `${base}.speech.wav`, text]);
  await run("sox", ["-R", `${base}.speech.wav`, "-r", "8000", `${base}.band.wav`, "sinc", "300-3400"]);
  await run("sox", ["-R", `${base}.band.wav`, `${base}.noise.wav`, "synth", "whitenoise", "vol", String(noise)]);
  await run("sox", ["-R", "-m", `${base}.band.wav`, `${base}.noise.wav`, "-t", "raw", "-e", "mu-law", "-b", "8", "-c", "1", `${base}.ulaw`]);
  const audio = new Uint8Array(await readFile(`${base}.ulaw`));
  await Promise.all(["speech.wav", "band.wav", "noise.wav", "ulaw"].map((ext) => rm(`${base}.${ext}`, { force: true })));
  return audio;
}

// Each utterance as the recogniser hears it: telephone band, line noise, mu-law, then prepareForRecognizer.
async function writeUtterances(sentences: string[], voiceOf: (i: number) => string, next: () => number): Promise<string[]> {
  const silence = new Uint8Array(160 * 15).fill(MULAW_SILENCE);
  const jobs = sentences.map((text, i) => ({
    id: `a${String(i).padStart(4, "0")}`,
    text,
    voice: voiceOf(i),
    rate: 120 + Math.floor(next() * 80),
    noise: 0.003 + next() * 0.01,
  }));
  let at = 0;
  // Two at a time: each is a chain of short espeak-ng and sox processes.
  const worker = async () => {
    for (let job = jobs[at++]; job; job = jobs[at++]) {
      const audio = await synthesize(job.text, job.voice, job.rate, job.noise, path.join(WORK, "tmp", job.id));
      const turn = new Uint8Array(silence.length * 2 + audio.length).fill(MULAW_SILENCE);
      turn.set(audio, silence.length);
      await writeFile(path.join(WORK, "wav", `${job.id}.wav`), encodeWavPcm16(prepareForRecognizer(trimToSpeech(turn), 1), 16000));
    }
  };
  await Promise.all([worker(), worker()]);
  await writeFile(path.join(WORK, "fileids"), `${jobs.map((j) => j.id).join("\n")}\n`);
  await writeFile(path.join(WORK, "transcription"), `${jobs.map((j) => `<s> ${j.text} </s> (${j.id})`).join("\n")}\n`);
  return jobs.map((j) => j.id);
}

// bw's counts over the adaptation set, in two halves side by side (one per core), each into its own directory. The
// model definition is always the text one in WORK/hmm: bw cannot read pocketsphinx's binary form.
async function collectCounts(hmm: string, pass = 1): Promise<string[]> {
  const parts = MAP ? 2 : 1;
  const dirs = Array.from({ length: parts }, (_, i) => path.join(WORK, `accum${pass}-${i}`));
  await Promise.all(
    dirs.map(async (dir, i) => {
      await mkdir(dir, { recursive: true });
      await run(path.join(SPHINXTRAIN, "bw"), [
        "-hmmdir", hmm, "-moddeffn", path.join(WORK, "hmm", "mdef"), "-ts2cbfn", ".ptm.", "-feat", "1s_c_d_dd",
        "-svspec", "0-12/13-25/26-38", "-cmn", "batch", "-agc", "none", "-dictfn", DICT,
        "-fdictfn", path.join(hmm, "noisedict"), "-ctlfn", path.join(WORK, "fileids"),
        "-lsnfn", path.join(WORK, "transcription"), "-cepdir", path.join(WORK, "mfc"), "-accumdir", dir,
        "-part", String(i + 1), "-npart", String(parts),
      ]);
    }),
  );
  return dirs;
}

// A binary model file as gzip in base64: the bundled voice server carries it like any other string.
const packed = async (file: string) => gzipSync(await readFile(file), { level: 9 }).toString("base64");

async function main(): Promise<void> {
  const count = Number(args.sentences ?? (MAP ? 2000 : 160));
  await rm(WORK, { recursive: true, force: true });
  for (const dir of ["wav", "mfc", "hmm", "tmp"]) await mkdir(path.join(WORK, dir), { recursive: true });
  const dict = await loadDictionary(DICT);

  const quality = new Set((await loadQualityLines()).map((l) => normalizeLine(l.text)));
  const next = random(7);
  const corpus = buildCorpus({ phrases: [], facts: [] }, dict)
    .map((s) => s.words.join(" "))
    .filter((s) => s.split(" ").length >= 3 && !quality.has(s));
  const picked = new Set<string>();
  for (const s of VARIED) picked.add(normalizePhrase(s, dict).join(" "));
  // Bounded by the distinct sentences: the corpus repeats some, so a --sentences above their number would never be met.
  const available = new Set([...picked, ...corpus]).size;
  while (picked.size < count && picked.size < available) picked.add(corpus[Math.floor(next() * corpus.length)]!);
  // The phonetically varied sentences several times over in MAP's larger set, each in other voices.
  const sentences = MAP ? [...picked, ...[...picked].slice(0, VARIED.length).flatMap((s) => [s, s, s])] : [...picked];
  const voiceOf = MAP ? () => MAP_VOICES[Math.floor(next() * MAP_VOICES.length)]! : (i: number) => VOICES[i % VOICES.length]!;
  const ids = await writeUtterances(sentences, voiceOf, next);
  console.log(`adaptation set: ${ids.length} utterances`);

  const hmm = path.join(WORK, "hmm");
  for (const file of ["means", "variances", "transition_matrices", "feat.params", "noisedict"]) {
    await writeFile(path.join(hmm, file), await readFile(path.join(HMM, file)));
  }
  await run("pocketsphinx_mdef_convert", ["-text", path.join(HMM, "mdef"), path.join(hmm, "mdef")]);
  await sendumpToMixw(path.join(HMM, "sendump"), path.join(hmm, "mixture_weights"));

  await run("sphinx_fe", [
    "-argfile", path.join(HMM, "feat.params"), "-samprate", "16000", "-c", path.join(WORK, "fileids"),
    "-di", path.join(WORK, "wav"), "-do", path.join(WORK, "mfc"), "-ei", "wav", "-eo", "mfc", "-mswav", "yes",
  ]);
  if (MAP) await adaptByMap(hmm, ids.length);
  else await estimateMllr(hmm, ids.length);
}

async function estimateMllr(hmm: string, utterances: number): Promise<void> {
  const [accum] = await collectCounts(hmm);
  const matrix = path.join(WORK, "telephone.mllr");
  await run(path.join(SPHINXTRAIN, "mllr_solve"), [
    "-meanfn", path.join(hmm, "means"), "-varfn", path.join(hmm, "variances"), "-outmllrfn", matrix,
    "-accumdir", accum!,
  ]);
  const text = (await readFile(matrix, "utf8")).trim();
  const out = path.resolve(args.out ?? "voice-server/providers/stt/telephone-mllr.ts");
  await writeFile(
    out,
    [
      "// Generated by `npm run stt:adapt` (scripts/stt-adapt.ts): pocketsphinx's MLLR transform of the US English",
      `// acoustic model's means for phone audio, estimated from ${utterances} utterances. Do not edit by hand.`,
      `export const TELEPHONE_MLLR = ${JSON.stringify(`${text}\n`)};`,
      "",
    ].join("\n"),
  );
  console.log(`wrote ${out}`);
}

// MAP from the model with the committed MLLR transform applied (its means moved to the channel as a whole), so
// the Gaussians with little data stay where the transform put them rather than where the stock model had them.
async function adaptByMap(hmm: string, utterances: number): Promise<void> {
  const matrix = path.join(WORK, "telephone.mllr");
  await writeFile(matrix, TELEPHONE_MLLR);
  await rm(path.join(hmm, "means"));
  await run(path.join(SPHINXTRAIN, "mllr_transform"), [
    "-inmeanfn", path.join(HMM, "means"), "-outmeanfn", path.join(hmm, "means"), "-mllrmat", matrix,
  ]);
  // Each further pass aligns the same speech with the model the last one made and adapts that model again. On the
  // quality set's tuning half (scripts/stt-sweep.ts) a second pass lowered the language model's word error rate
  // (17.1% to 15.4%) but not intent accuracy as the recogniser chooses (86.2% to 84.2%), so the model has one.
  let prior = hmm;
  let adapted = hmm;
  for (let pass = 1; pass <= PASSES; pass++) {
    const accums = await collectCounts(prior, pass);
    adapted = path.join(WORK, `map${pass}`);
    await mkdir(adapted, { recursive: true });
    await run(path.join(SPHINXTRAIN, "map_adapt"), [
      "-moddeffn", path.join(hmm, "mdef"), "-ts2cbfn", ".ptm.", "-meanfn", path.join(prior, "means"),
      "-varfn", path.join(prior, "variances"), "-mixwfn", path.join(prior, "mixture_weights"),
      "-tmatfn", path.join(hmm, "transition_matrices"), "-accumdir", accums.join(","),
      "-mapmeanfn", path.join(adapted, "means"), "-mapvarfn", path.join(adapted, "variances"),
      "-mapmixwfn", path.join(adapted, "mixture_weights"), "-maptmatfn", path.join(adapted, "transition_matrices.map"),
    ]);
    // Back to the quantised form pocketsphinx reads.
    await run(path.join(SPHINXTRAIN, "mk_s2sendump"), [
      "-pocketsphinx", "yes", "-moddeffn", path.join(hmm, "mdef"), "-mixwfn", path.join(adapted, "mixture_weights"),
      "-sendumpfn", path.join(adapted, "sendump"),
    ]);
    // The rest of a model directory as the recogniser assembles it (stock transition matrices), so the next
    // pass's bw, or a developer's decoder, can read this one.
    for (const file of ["mdef", "transition_matrices", "feat.params", "noisedict"]) {
      await writeFile(path.join(adapted, file), await readFile(path.join(HMM, file)));
    }
    prior = adapted;
  }
  const out = path.resolve(args.out ?? "voice-server/providers/stt/telephone-model.ts");
  await writeFile(
    out,
    [
      "// Generated by `npm run stt:adapt -- --map` (scripts/stt-adapt.ts): the US English acoustic model's means,",
      `// variances and mixture weights, MAP-adapted to phone audio from ${utterances} utterances${PASSES > 1 ? ` in ${PASSES} passes` : ""} on top of`,
      "// telephone-mllr.ts's transform, as gzipped model files in base64. Do not edit by hand.",
      `export const TELEPHONE_MEANS = ${JSON.stringify(await packed(path.join(adapted, "means")))};`,
      `export const TELEPHONE_VARIANCES = ${JSON.stringify(await packed(path.join(adapted, "variances")))};`,
      `export const TELEPHONE_SENDUMP = ${JSON.stringify(await packed(path.join(adapted, "sendump")))};`,
      "",
    ].join("\n"),
  );
  console.log(`wrote ${out}`);
}

await main();
