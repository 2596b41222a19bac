// `npm run bench:quality`: the offline speech recogniser against the quality evaluation set
// (tests/fixtures/quality/caller-lines.txt), through the provider the voice server uses, fed 20 ms mu-law frames as
// a call would. Reports per half (tuning / held-out) the word error rate and intent accuracy (the recognised words
// lead the offline agent to the same department, tool, knowledge entry or reply as the words said), the latency
// of the final for short turns and 15 s turns spoken in real time, and accuracy with 1 vs 10 calls decoding at
// once. Writes bench/results/quality.{json,md}.
// Options: --limit N (lines per half, default all), --lanes N (streams side by side for the accuracy pass,
// default 2), --sample N (renditions for the 1 vs 10 comparison, default 40), --no-latency, --label TEXT,
// --search hybrid|lm|grammar (pocketsphinx's search, default hybrid as the voice server runs it), --adaptation
// map|mllr|none (pocketsphinx's acoustic model, default map as the voice server runs it), --out NAME (results file name),
// --engine moonshine,pocketsphinx (the offline recognisers to measure, one after the other on the same renditions;
// default pocketsphinx, the voice server's default; the first is the results file's main engine, and with more than one
// the file starts with all of them side by side and each also gets NAME-ENGINE.{json,md} of its own).
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadDictionary } from "@/voice-server/providers/stt/grammar";
import { buildCorpus } from "@/voice-server/providers/stt/language-model";
import { createMoonshineStt } from "@/voice-server/providers/stt/moonshine";
import { OFFLINE_STT_ENGINES, type TOfflineSttEngine } from "@/voice-server/providers/stt/offline-stt";
import {
  agentVocabulary,
  createPocketsphinxStt,
  type TAcousticAdaptation,
  type TSttSearch,
} from "@/voice-server/providers/stt/pocketsphinx";
import type { TSttProvider } from "@/voice-server/providers/types";
import { sttPhrasesFor, sttVocabularyFor } from "@/voice-server/session/stt-phrases";
import {
  audioFor,
  LONG_LINES,
  loadQualityLines,
  normalizeLine,
  QUALITY_AGENT,
  QUALITY_NOW,
  renditionsOf,
  type THalf,
  type TQualityLine,
  type TRendition,
  writeFileAtomic,
} from "@/tests/sim/quality-set";
import { createOutcomeJudge, recognizeTurn, type TTurnResult, wordErrors, words } from "@/tests/sim/quality-score";

const { values: args } = parseArgs({
  options: {
    limit: { type: "string" },
    lanes: { type: "string", default: "2" },
    sample: { type: "string", default: "40" },
    "no-latency": { type: "boolean", default: false },
    label: { type: "string", default: "" },
    search: { type: "string", default: "hybrid" },
    adaptation: { type: "string", default: "map" },
    out: { type: "string", default: "quality" },
    engine: { type: "string", default: "pocketsphinx" },
  },
});
const LANES = Number(args.lanes);
const SAMPLE = Number(args.sample);
const LIMIT = args.limit === undefined ? Infinity : Number(args.limit);
if (![LANES, SAMPLE, LIMIT].every((n) => n > 0)) throw new Error("--lanes, --sample and --limit must be positive numbers");
if (!["hybrid", "lm", "grammar"].includes(args.search)) throw new Error("--search must be hybrid, lm or grammar");
const SEARCH = args.search as TSttSearch;
if (!["map", "mllr", "none"].includes(args.adaptation)) throw new Error("--adaptation must be map, mllr or none");
const ADAPTATION = args.adaptation as TAcousticAdaptation;
if (!/^[\w-]+$/.test(args.out)) throw new Error("--out must be a plain file name");
const ENGINES = [...new Set(args.engine.split(",").map((e) => e.trim()))];
if (ENGINES.length === 0 || !ENGINES.every((e) => (OFFLINE_STT_ENGINES as readonly string[]).includes(e))) {
  throw new Error(`--engine must be a comma-separated list of ${OFFLINE_STT_ENGINES.join(", ")}`);
}
const RESULTS_DIR = path.join(process.cwd(), "bench", "results");
const DICT = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict";

const judge = createOutcomeJudge(QUALITY_AGENT, QUALITY_NOW);
const phrases = sttPhrasesFor(QUALITY_AGENT);
const vocabulary = sttVocabularyFor(QUALITY_AGENT);

type TScored = {
  id: string;
  half: THalf;
  intent: string;
  voice: string;
  rate: number;
  text: string;
  heard: string;
  isUnrecognized: boolean;
  errors: number;
  refWords: number;
  isIntentRight: boolean;
  finalMs: number;
  error?: string;
};

function score(rendition: TRendition, result: TTurnResult): TScored {
  const { line } = rendition;
  const reference = words(line.text);
  return {
    id: line.id,
    half: line.half,
    intent: line.intent,
    voice: rendition.voice,
    rate: rendition.rate,
    text: line.text,
    heard: result.text,
    isUnrecognized: result.isUnrecognized,
    errors: wordErrors(reference, words(result.text)),
    refWords: reference.length,
    isIntentRight: judge(line.context, result.text) === judge(line.context, line.text),
    finalMs: result.finalMs,
    ...(result.error === undefined ? {} : { error: result.error }),
  };
}

// `streams` calls side by side, each recognising its share of the renditions in order, one turn after another.
async function recognizeAll(
  stt: TSttProvider,
  renditions: TRendition[],
  streams: number,
  options: { realTime?: boolean } = {},
): Promise<TScored[]> {
  const audio = new Map<string, Uint8Array>();
  for (const r of renditions) audio.set(r.key, await audioFor(r));
  const scored: TScored[] = new Array<TScored>(renditions.length);
  let done = 0;
  await Promise.all(
    Array.from({ length: streams }, async (_, lane) => {
      const controller = new AbortController();
      const stream = await stt.open({ language: "en-US", phrases, vocabulary, signal: controller.signal });
      const events = stream.events[Symbol.asyncIterator]();
      try {
        for (let i = lane; i < renditions.length; i += streams) {
          const r = renditions[i]!;
          scored[i] = score(r, await recognizeTurn(stream, events, audio.get(r.key)!, options));
          if (++done % 50 === 0) {
            const so = scored.filter(Boolean);
            const rate = (half: THalf) => summary(so.filter((x) => x.half === half)).intentAccuracyPercent;
            console.log(`  ${done}/${renditions.length}: intent tuning ${rate("tuning")}%, held out ${rate("heldout")}%`);
          }
        }
      } finally {
        await stream.close();
      }
    }),
  );
  return scored;
}

const percent = (n: number, of: number) => (of === 0 ? 0 : Math.round((1000 * n) / of) / 10);
function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
}

function summary(rows: TScored[]) {
  const errors = rows.reduce((n, r) => n + r.errors, 0);
  const refWords = rows.reduce((n, r) => n + r.refWords, 0);
  return {
    renditions: rows.length,
    wordErrorRatePercent: percent(errors, refWords),
    intentAccuracyPercent: percent(rows.filter((r) => r.isIntentRight).length, rows.length),
    emptyFinals: rows.filter((r) => !r.heard.trim()).length,
    errors: rows.filter((r) => r.error !== undefined).length,
    finalMsMedian: quantile(rows.map((r) => r.finalMs), 0.5),
    finalMsP95: quantile(rows.map((r) => r.finalMs), 0.95),
  };
}

async function sttFor(engine: TOfflineSttEngine): Promise<TSttProvider> {
  if (engine === "pocketsphinx") return createPocketsphinxStt({ search: SEARCH, adaptation: ADAPTATION });
  const moonshine = createMoonshineStt();
  // Loaded before the clock starts, as the voice server has it loaded by a call's first turn.
  await moonshine.ready();
  return moonshine;
}

async function evaluate(engine: TOfflineSttEngine, lines: TQualityLine[]) {
  const started = performance.now();
  const stt = await sttFor(engine);
  const renditions = renditionsOf(lines);
  console.log(`bench:quality ${engine}: ${lines.length} lines, ${renditions.length} renditions, ${LANES} streams side by side`);

  const rows = await recognizeAll(stt, renditions, LANES);
  // Held-out lines the generic corpus happens to produce word for word (written without looking at them, but a
  // common phrasing is a common phrasing): reported apart, so the held-out figure for unseen phrasing is clear.
  const dict = await loadDictionary(DICT);
  const corpus = new Set(buildCorpus(agentVocabulary(phrases, vocabulary), dict).map((s) => s.words.join(" ")));
  const isInCorpus = (text: string) => corpus.has(normalizeLine(text));
  const halves = {
    tuning: summary(rows.filter((r) => r.half === "tuning")),
    heldout: summary(rows.filter((r) => r.half === "heldout")),
    heldoutNotInCorpus: summary(rows.filter((r) => r.half === "heldout" && !isInCorpus(r.text))),
  };
  const intents = [...new Set(rows.map((r) => r.intent))].map((intent) => {
    const of = rows.filter((r) => r.intent === intent);
    return {
      intent,
      tuning: percent(of.filter((r) => r.half === "tuning" && r.isIntentRight).length, of.filter((r) => r.half === "tuning").length),
      heldout: percent(of.filter((r) => r.half === "heldout" && r.isIntentRight).length, of.filter((r) => r.half === "heldout").length),
    };
  });
  const rates = [...new Set(rows.map((r) => r.rate))].map((rate) => ({ rate, ...summary(rows.filter((r) => r.rate === rate)) }));

  // 1 vs 10 calls at once on the same renditions, a spread of both halves.
  const stride = Math.max(1, Math.floor(renditions.length / SAMPLE));
  const sample = renditions.filter((_, i) => i % stride === 0).slice(0, SAMPLE);
  const serial = await recognizeAll(stt, sample, 1);
  const parallel = await recognizeAll(stt, sample, 10);
  const concurrency = {
    renditions: sample.length,
    oneCall: summary(serial),
    tenCalls: summary(parallel),
    sameTranscripts: serial.filter((r, i) => r.heard === parallel[i]!.heard).length,
  };

  // Latency of the final after the caller stops, audio arriving at the pace it is spoken.
  let latency: { short: ReturnType<typeof summary>; long: ReturnType<typeof summary>; longSeconds: number } | null = null;
  if (!args["no-latency"]) {
    const shortSet = renditions.filter((r) => r.line.half === "tuning").filter((_, i) => i % 16 === 0).slice(0, 8);
    const longSet: TRendition[] = LONG_LINES.map((text, i) => ({
      line: { id: `long-${i + 1}`, intent: "long", context: "start", text, half: "tuning" },
      voice: "en-us",
      rate: 160,
      noise: 0.004,
      key: `long-${i + 1}-v1`,
    }));
    const short = await recognizeAll(stt, shortSet, 1, { realTime: true });
    const long = await recognizeAll(stt, longSet, 1, { realTime: true });
    const seconds = await Promise.all(longSet.map(async (r) => (await audioFor(r)).length / 8000));
    latency = { short: summary(short), long: summary(long), longSeconds: Math.round((10 * seconds.reduce((a, b) => a + b, 0)) / seconds.length) / 10 };
  }

  return {
    label: args.label,
    engine,
    search: engine === "pocketsphinx" ? SEARCH : null,
    adaptation: engine === "pocketsphinx" ? ADAPTATION : null,
    date: new Date().toISOString(),
    machine: { cpus: os.availableParallelism(), loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100) },
    lines: { tuning: lines.filter((l) => l.half === "tuning").length, heldout: lines.filter((l) => l.half === "heldout").length },
    halves,
    rates,
    intents,
    concurrency,
    latency,
    seconds: Math.round((performance.now() - started) / 1000),
    misses: rows.filter((r) => !r.isIntentRight).map((r) => ({ id: r.id, half: r.half, voice: r.voice, rate: r.rate, text: r.text, heard: r.error ? `${r.heard} [error: ${r.error}]` : r.heard })),
    // Every rendition's transcript, so the offline engine can be judged again from text alone (npm run eval:nlu).
    rows: rows.map((r) => ({ id: r.id, half: r.half, voice: r.voice, rate: r.rate, text: r.text, heard: r.heard, isIntentRight: r.isIntentRight })),
  };
}

type TResult = Awaited<ReturnType<typeof evaluate>>;

async function main(): Promise<void> {
  const all = await loadQualityLines();
  const lines = (["tuning", "heldout"] as const).flatMap((half) => all.filter((l) => l.half === half).slice(0, LIMIT));
  const results: TResult[] = [];
  for (const engine of ENGINES as TOfflineSttEngine[]) {
    const result = await evaluate(engine, lines);
    results.push(result);
    if (ENGINES.length > 1) {
      await writeFileAtomic(path.join(RESULTS_DIR, `${args.out}-${engine}.json`), `${JSON.stringify(result, null, 2)}\n`);
      await writeFileAtomic(path.join(RESULTS_DIR, `${args.out}-${engine}.md`), markdown(result));
    }
  }
  const [primary] = results as [TResult, ...TResult[]];
  // The main engine's figures and transcripts as before (npm run eval:nlu reads `rows`), all engines side by side.
  const comparison = results.map(({ engine, halves, concurrency, latency, seconds }) => ({ engine, halves, concurrency, latency, seconds }));
  const result = { ...primary, comparison };
  await writeFileAtomic(path.join(RESULTS_DIR, `${args.out}.json`), `${JSON.stringify(result, null, 2)}\n`);
  await writeFileAtomic(path.join(RESULTS_DIR, `${args.out}.md`), markdown(result));
  console.log(markdown({ ...result, misses: result.misses.slice(0, 25) }));
}

function sideBySide(comparison: Array<Pick<TResult, "engine" | "halves" | "concurrency" | "latency" | "seconds">>): string[] {
  const row = (c: (typeof comparison)[number]) => {
    const { tuning, heldout } = c.halves;
    const latency = c.latency ? `${c.latency.short.finalMsMedian} / ${c.latency.short.finalMsP95} ms, ${c.latency.long.finalMsMedian} / ${c.latency.long.finalMsP95} ms` : "not measured";
    const same = `${c.concurrency.sameTranscripts}/${c.concurrency.renditions}, ${c.concurrency.oneCall.intentAccuracyPercent}% vs ${c.concurrency.tenCalls.intentAccuracyPercent}%`;
    return `| ${c.engine} | ${tuning.intentAccuracyPercent}% | ${tuning.wordErrorRatePercent}% | ${heldout.intentAccuracyPercent}% | ${heldout.wordErrorRatePercent}% | ${latency} | ${same} | ${c.seconds} s |`;
  };
  return [
    "## Engines side by side",
    "",
    "| engine | tuning intent | tuning WER | held-out intent | held-out WER | final median / p95, short turns, long turns | 1 vs 10 calls: same transcripts, intent | run time |",
    "|---|---|---|---|---|---|---|---|",
    ...comparison.map(row),
    "",
  ];
}

function markdown(r: {
  label: string;
  engine: TOfflineSttEngine;
  comparison?: Array<Pick<TResult, "engine" | "halves" | "concurrency" | "latency" | "seconds">>;
  date: string;
  machine: { cpus: number; loadAverage: number[] };
  lines: { tuning: number; heldout: number };
  halves: Record<THalf | "heldoutNotInCorpus", ReturnType<typeof summary>>;
  rates: Array<{ rate: number } & ReturnType<typeof summary>>;
  intents: Array<{ intent: string; tuning: number; heldout: number }>;
  concurrency: { renditions: number; oneCall: ReturnType<typeof summary>; tenCalls: ReturnType<typeof summary>; sameTranscripts: number };
  latency: { short: ReturnType<typeof summary>; long: ReturnType<typeof summary>; longSeconds: number } | null;
  seconds: number;
  misses: Array<{ id: string; half: THalf; voice: string; rate: number; text: string; heard: string }>;
}): string {
  const out = [
    `# Offline speech quality: ${r.engine}${r.label ? `, ${r.label}` : ""}`,
    "",
    `${r.date}, ${r.machine.cpus} CPUs, load average ${r.machine.loadAverage.join(" / ")}, ${r.seconds} s. Lines: ${r.lines.tuning} tuning, ${r.lines.heldout} held out; each at ${r.rates.map((x) => `${x.rate}`).join(" and ")} words per minute in eSpeak voices, telephone band, 8 kHz mu-law, line noise.`,
    "",
    ...(r.comparison && r.comparison.length > 1 ? sideBySide(r.comparison) : []),
    ...(r.comparison && r.comparison.length > 1 ? [`## ${r.engine}`, ""] : []),
    "| half | renditions | intent accuracy | word error rate | empty finals | recogniser errors | final median | final p95 |",
    "|---|---|---|---|---|---|---|---|",
    ...(["tuning", "heldout", "heldoutNotInCorpus"] as const).map((h) => {
      const s = r.halves[h];
      const name = { tuning: "tuning", heldout: "held out", heldoutNotInCorpus: "held out, not generated by the corpus" }[h];
      return `| ${name} | ${s.renditions} | ${s.intentAccuracyPercent}% | ${s.wordErrorRatePercent}% | ${s.emptyFinals} | ${s.errors} | ${s.finalMsMedian} ms | ${s.finalMsP95} ms |`;
    }),
    "",
    "| speaking rate | intent accuracy | word error rate |",
    "|---|---|---|",
    ...r.rates.map((x) => `| ${x.rate} wpm | ${x.intentAccuracyPercent}% | ${x.wordErrorRatePercent}% |`),
    "",
    "| intent | tuning | held out |",
    "|---|---|---|",
    ...r.intents.map((x) => `| ${x.intent} | ${x.tuning}% | ${x.heldout}% |`),
    "",
    `Concurrency (${r.concurrency.renditions} renditions): 1 call ${r.concurrency.oneCall.intentAccuracyPercent}% intent, ${r.concurrency.oneCall.wordErrorRatePercent}% WER; 10 calls at once ${r.concurrency.tenCalls.intentAccuracyPercent}% intent, ${r.concurrency.tenCalls.wordErrorRatePercent}% WER, final p95 ${r.concurrency.tenCalls.finalMsP95} ms; identical transcripts ${r.concurrency.sameTranscripts}/${r.concurrency.renditions}.`,
    "",
  ];
  if (r.latency) {
    out.push(
      `Latency of the final, audio in real time: short turns median ${r.latency.short.finalMsMedian} ms, p95 ${r.latency.short.finalMsP95} ms; long turns (${r.latency.longSeconds} s) median ${r.latency.long.finalMsMedian} ms, p95 ${r.latency.long.finalMsP95} ms.`,
      "",
    );
  }
  out.push(`## Misses (${r.misses.length})`, "", ...r.misses.map((m) => `- [${m.half}] ${m.id} (${m.voice}, ${m.rate}): "${m.text}" -> "${m.heard}"`), "");
  return out.join("\n");
}

await main();
