// `npx tsx scripts/stt-sweep.ts`: a developer's tool for tuning the offline recogniser. Decodes the quality set's
// renditions (or one half of it) with pocketsphinx_batch over a whole control file at once (one process per
// search instead of one per turn, so a setting is measured in a fraction of bench:quality's time), with extra
// pocketsphinx arguments per search, and reports intent accuracy and word error rate for the grammar alone, the
// language model alone and the ways of choosing between them. Decode results are cached by their arguments.
// Tune on --half tuning only; the held-out half is for reporting a choice already made.
// Options: --half tuning|heldout|both, --limit N (lines per half), --g "ARGS" / --l "ARGS" (extra arguments for
// the grammar / language-model search), --jobs N (decoders at once, default 2), --show (print every transcript),
// --gaps "A,B" (extra thresholds to try for choosing by acoustic fit), --only INTENT, --hmm DIR (an acoustic model
// directory instead of the stock one, e.g. the MAP-adapted one the recogniser assembles).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { encodeWavPcm16 } from "@/lib/audio/wav";
import { MULAW_SILENCE } from "@/lib/audio/mulaw";
import { synonymsOf } from "@/voice-server/providers/llm/offline";
import { buildGrammar, loadDictionary } from "@/voice-server/providers/stt/grammar";
import { buildLanguageModelAsync, loadPronunciations } from "@/voice-server/providers/stt/language-model";
import { agentVocabulary, chooseHypothesis, prepareForRecognizer, trimToSpeech, type TScoredHypothesis } from "@/voice-server/providers/stt/pocketsphinx";
import { sttPhrasesFor, sttVocabularyFor } from "@/voice-server/session/stt-phrases";
import { audioFor, loadQualityLines, QUALITY_AGENT, QUALITY_NOW, renditionsOf, type TRendition } from "@/tests/sim/quality-set";
import { createOutcomeJudge, wordErrors, words } from "@/tests/sim/quality-score";

const { values: args } = parseArgs({
  options: {
    half: { type: "string", default: "tuning" },
    limit: { type: "string" },
    g: { type: "string", default: "" },
    l: { type: "string", default: "" },
    jobs: { type: "string", default: "2" },
    show: { type: "boolean", default: false },
    only: { type: "string", default: "" },
    gaps: { type: "string", default: "" },
    hmm: { type: "string" },
  },
});
const MODEL = "/usr/share/pocketsphinx/model/en-us";
const HMM = args.hmm ?? path.join(MODEL, "en-us");
const DICT = path.join(MODEL, "cmudict-en-us.dict");
const WORK = "/tmp/stt-sweep";
const JOBS = Number(args.jobs);
// The n-gram search reports scores 2^10 times larger than the grammar search (it does not drop the senone shift).
const LM_SCALE = 1024;

type THyp = TScoredHypothesis & { text: string };

const splitArgs = (s: string) => s.split(/\s+/).filter(Boolean);

async function run(binary: string, argv: string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(binary, argv, { stdio: "ignore" });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${binary} exit ${code}: ${argv.join(" ")}`))));
  });
}

// hypseg: "uttid S 0 T total A ascr L lscr (sf wascr wlscr word)* nframes"
function parseHypseg(text: string): Map<string, THyp> {
  const out = new Map<string, THyp>();
  for (const line of text.split("\n")) {
    const t = line.trim().split(/\s+/);
    if (t.length < 9) continue;
    const id = t[0]!;
    const ascr = Number(t[6]);
    const lscr = Number(t[8]);
    const ws: string[] = [];
    let i = 9;
    for (; i + 3 < t.length; i += 4) ws.push(t[i + 3]!);
    const frames = Number(t[t.length - 1]);
    const text = ws
      .map((w) => w.replace(/\(\d+\)$/, ""))
      .filter((w) => w && !/^[<[(]|^\+\+/.test(w))
      .join(" ");
    out.set(id, { text, ascr, lscr, frames });
  }
  return out;
}

async function decode(kind: string, search: string[], extra: string[], ids: string[]): Promise<Map<string, THyp>> {
  const key = createHash("sha1").update(JSON.stringify([kind, HMM, search, extra, ids])).digest("hex").slice(0, 16);
  const cache = path.join(WORK, "cache", `${key}.json`);
  const parts = Array.from({ length: JOBS }, (_, j) => ids.filter((_, i) => i % JOBS === j)).filter((p) => p.length > 0);
  const done = await Promise.all(parts.map((_, j) => readFile(path.join(WORK, `${key}.${j}.hypseg`), "utf8").catch(() => null)));
  if (done.every((text) => text !== null && text.trim().split("\n").length === parts[done.indexOf(text)]!.length)) {
    const merged = new Map<string, THyp>();
    for (const text of done) for (const [k, v] of parseHypseg(text!)) merged.set(k, v);
    return merged;
  }
  const started = performance.now();
  const results = await Promise.all(
    parts.map(async (part, j) => {
      const ctl = path.join(WORK, `${key}.${j}.ctl`);
      const hyp = path.join(WORK, `${key}.${j}.hypseg`);
      await writeFile(ctl, `${part.join("\n")}\n`);
      await run("pocketsphinx_batch", [
        "-adcin", "yes", "-cepdir", path.join(WORK, "wav"), "-cepext", ".wav", "-adchdr", "44", "-ctl", ctl,
        "-hypseg", hyp, "-hmm", HMM, ...search, ...extra, "-logfn", path.join(WORK, `${key}.${j}.log`),
      ]);
      return parseHypseg(await readFile(hyp, "utf8"));
    }),
  );
  const merged = new Map<string, THyp>();
  for (const r of results) for (const [k, v] of r) merged.set(k, v);
  console.error(`  decoded ${kind} ${extra.join(" ")}: ${ids.length} in ${Math.round(performance.now() - started)} ms`);
  await mkdir(path.dirname(cache), { recursive: true });
  await writeFile(cache, JSON.stringify(Object.fromEntries(merged)));
  return merged;
}

async function main(): Promise<void> {
  await mkdir(path.join(WORK, "wav"), { recursive: true });
  await mkdir(path.join(WORK, "model"), { recursive: true });
  const all = await loadQualityLines();
  const halves = args.half === "both" ? ["tuning", "heldout"] : [args.half];
  const limit = args.limit ? Number(args.limit) : Infinity;
  // --limit takes lines spread evenly over the half, so every intent is in the sample.
  const lines = halves.flatMap((h) => {
    const of = all.filter((l) => l.half === h && (!args.only || l.intent === args.only));
    const step = Math.max(1, of.length / Math.min(limit, of.length));
    return of.filter((_, i) => Math.floor(i / step) !== Math.floor((i - 1) / step) || i === 0).slice(0, limit);
  });
  const renditions = renditionsOf(lines);
  const silence = new Uint8Array(160 * 15).fill(MULAW_SILENCE);
  for (const r of renditions) {
    const wav = path.join(WORK, "wav", `${r.key}.wav`);
    if (await readFile(wav).then(() => true, () => false)) continue;
    const audio = await audioFor(r);
    const turn = new Uint8Array(silence.length * 2 + audio.length);
    turn.set(silence, 0);
    turn.set(audio, silence.length);
    turn.fill(MULAW_SILENCE, silence.length + audio.length);
    await writeFile(wav, encodeWavPcm16(prepareForRecognizer(trimToSpeech(turn), 1), 16000));
  }
  const ids = renditions.map((r) => r.key);

  const phrases = sttPhrasesFor(QUALITY_AGENT);
  const dict = await loadDictionary(DICT);
  const gramHash = createHash("sha1").update(JSON.stringify(phrases)).digest("hex").slice(0, 12);
  const grammar = buildGrammar(phrases, dict, { related: synonymsOf });
  const model = await buildLanguageModelAsync(agentVocabulary(phrases, sttVocabularyFor(QUALITY_AGENT)), dict, await loadPronunciations(DICT));
  const gHash = createHash("sha1").update(grammar).digest("hex").slice(0, 12);
  const lHash = createHash("sha1").update(model.arpa + model.pronunciations).digest("hex").slice(0, 12);
  const gramPath = path.join(WORK, "model", `${gramHash}-${gHash}.gram`);
  const lmPath = path.join(WORK, "model", `${lHash}.arpa`);
  const lmDict = path.join(WORK, "model", `${lHash}.dict`);
  await writeFile(gramPath, grammar);
  await writeFile(lmPath, model.arpa);
  await writeFile(lmDict, model.pronunciations);

  const [g, l] = await Promise.all([
    decode(`grammar-${gHash}`, ["-dict", DICT, "-jsgf", gramPath], splitArgs(args.g), ids),
    decode(`lm-${lHash}`, ["-dict", lmDict, "-lm", lmPath], splitArgs(args.l), ids),
  ]);

  const judge = createOutcomeJudge(QUALITY_AGENT, QUALITY_NOW);
  const truth = new Map(lines.map((line) => [line.id, judge(line.context, line.text)]));
  type TRule = { name: string; pick: (gh: THyp, lh: THyp) => string };
  const rules: TRule[] = [
    { name: "grammar", pick: (gh) => gh.text },
    { name: "lm", pick: (_, lh) => lh.text },
    { name: "fixed rule", pick: (gh, lh) => chooseHypothesis(gh.text, lh.text) },
  ];
  const shared = (gt: string, lt: string) => {
    const gw = gt.split(" ").filter(Boolean);
    const pool = lt.split(" ").filter(Boolean);
    let n = 0;
    for (const w of gw) {
      const at = pool.indexOf(w);
      if (at >= 0) {
        n++;
        pool.splice(at, 1);
      }
    }
    return gw.length ? n / gw.length : 0;
  };
  for (const t of [0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9, 1]) {
    rules.push({ name: `share >= ${t}`, pick: (gh, lh) => (gh.text && lh.text && shared(gh.text, lh.text) >= t ? gh.text : lh.text || gh.text) });
  }
  // How much worse per frame the grammar's path fits than the language model's, when the grammar's words lead to
  // the right outcome and when they do not (measured: the two overlap, so it is reported, not used).
  const gap = (gh: THyp, lh: THyp) => (lh.ascr / LM_SCALE - gh.ascr) / Math.max(1, gh.frames);
  const gaps = { right: [] as number[], wrong: [] as number[] };
  for (const r of renditions) {
    const gh = g.get(r.key);
    const lh = l.get(r.key);
    if (!gh || !lh || !gh.text) continue;
    gaps[judge(r.line.context, gh.text) === truth.get(r.line.id) ? "right" : "wrong"].push(gap(gh, lh));
  }
  const q = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))]!.toFixed(0) : "-");
  for (const [k, xs] of Object.entries(gaps)) console.log(`gap when grammar ${k}: n=${xs.length} q10 ${q(xs, 0.1)} q25 ${q(xs, 0.25)} q50 ${q(xs, 0.5)} q75 ${q(xs, 0.75)} q90 ${q(xs, 0.9)}`);
  const allGaps = [...gaps.right, ...gaps.wrong].sort((a, b) => a - b);
  for (const p of [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]) {
    const t = allGaps.length ? allGaps[Math.floor(p * (allGaps.length - 1))]! : 0;
    rules.push({ name: `gap < ${t.toFixed(0)} (q${p * 100})`, pick: (gh, lh) => (gh.text && gap(gh, lh) < t ? gh.text : lh.text) });
  }
  for (const t of args.gaps.split(",").filter(Boolean).map(Number)) {
    rules.push({ name: `gap < ${t}`, pick: (gh, lh) => (gh.text && gap(gh, lh) < t ? gh.text : lh.text) });
  }
  const byHalf = (h: string) => renditions.filter((r) => r.line.half === h);
  const report = (rule: TRule, set: TRendition[]) => {
    let right = 0;
    let errors = 0;
    let refs = 0;
    for (const r of set) {
      const heard = rule.pick(g.get(r.key) ?? { text: "", ascr: 0, lscr: 0, frames: 1 }, l.get(r.key) ?? { text: "", ascr: 0, lscr: 0, frames: 1 });
      if (judge(r.line.context, heard) === truth.get(r.line.id)) right++;
      const ref = words(r.line.text);
      errors += wordErrors(ref, words(heard));
      refs += ref.length;
    }
    return `${((100 * right) / Math.max(1, set.length)).toFixed(1)}% intent, ${((100 * errors) / Math.max(1, refs)).toFixed(1)}% WER`;
  };
  console.log(`g: ${args.g || "-"} | l: ${args.l || "-"}`);
  for (const rule of rules) console.log(`${rule.name.padEnd(18)} ${halves.map((h) => `${h} ${report(rule, byHalf(h))}`).join(" | ")}`);
  if (args.show) {
    for (const r of renditions) {
      const gh = g.get(r.key)!;
      const lh = l.get(r.key)!;
      const picked = chooseHypothesis(gh.text, lh.text);
      const ok = judge(r.line.context, picked) === truth.get(r.line.id) ? "ok " : "BAD";
      console.log(`${ok} ${r.line.id} ${r.voice} ${r.rate}: "${r.line.text}"\n    g[${gap(gh, lh).toFixed(0)}] ${gh.text}\n    l ${lh.text}`);
    }
  }
}

await main();
