// `npm run eval:nlu`: the offline engine's understanding, from text alone (no audio, no recogniser; about a second).
// 1. The everyday set (tests/fixtures/nlu/everyday-lines.txt) against two receptionists: clean lines and lines as a
//    weak recogniser might return them, per intent; and the fresh set (everyday-fresh.txt), never tuned on.
// 2. The transcripts bench:quality stored (bench/results/quality*.json): for each stored line, whether what the
//    recogniser heard now leads the offline agent to the same outcome as the words said (the bench's own judge),
//    per half. Those files keep every rendition under `rows` when written by a bench that does, else only the
//    misses of that run: then the figure is how many of those misses the engine now gets right.
// 3. The held-out set (tests/fixtures/nlu/heldout-*.txt): everyday lines for two businesses set up as an owner would
//    (a dental office, a plumber), written before the engine's tables were read and never used to build or tune
//    them. It is reported, per business and per intent; its failures are only printed with --heldout-failures.
// Writes bench/results/nlu.{json,md}. Options: --failures (print every wrong tuning line), --heldout-failures,
// --out NAME, --dev (leave the held-out set out: what to run while changing the engine).
import { readdir, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { HELDOUT_SETS } from "@/tests/fixtures/nlu/heldout-agents";
import {
  createEverydayRunner,
  EVERYDAY_AGENTS,
  FRESH_FILE,
  loadEverydayLines,
  summarize,
  type TEverydayResult,
} from "@/tests/sim/everyday-set";
import { createOutcomeJudge } from "@/tests/sim/quality-score";
import { loadQualityLines, QUALITY_AGENT, QUALITY_NOW, type THalf, writeFileAtomic } from "@/tests/sim/quality-set";

const { values: args } = parseArgs({
  options: {
    failures: { type: "boolean", default: false },
    "heldout-failures": { type: "boolean", default: false },
    out: { type: "string", default: "nlu" },
    // While changing the engine: the development sets only, the held-out set neither run nor shown.
    dev: { type: "boolean", default: false },
  },
});
if (!/^[\w-]+$/.test(args.out)) throw new Error("--out must be a plain file name");
const RESULTS_DIR = path.join(process.cwd(), "bench", "results");
// Every results file bench:quality wrote (its --out name starts with "quality").
async function storedFiles(): Promise<string[]> {
  return (await readdir(RESULTS_DIR)).filter((f) => /^quality[\w-]*\.json$/.test(f)).sort();
}

type TStoredRow = { id: string; half: THalf; text: string; heard: string };

async function storedTranscripts() {
  const lines = new Map((await loadQualityLines()).map((l) => [l.id, l]));
  const judge = createOutcomeJudge(QUALITY_AGENT, QUALITY_NOW);
  const out = [];
  for (const file of await storedFiles()) {
    const json = JSON.parse(await readFile(path.join(RESULTS_DIR, file), "utf8").catch(() => "null")) as {
      rows?: TStoredRow[];
      misses?: TStoredRow[];
    } | null;
    if (!json) continue;
    const isAllRows = Array.isArray(json.rows);
    const rows = (isAllRows ? json.rows : json.misses) ?? [];
    const halves = { tuning: { rows: 0, right: 0 }, heldout: { rows: 0, right: 0 } };
    const wrong: string[] = [];
    for (const row of rows) {
      const line = lines.get(row.id);
      // A line edited or removed since that run: its context is unknown.
      if (!line || line.text !== row.text) continue;
      const heard = row.heard.replace(/\s*\[error:.*\]$/, "");
      const isRight = judge(line.context, heard) === judge(line.context, line.text);
      halves[row.half].rows++;
      if (isRight) halves[row.half].right++;
      else if (row.half === "tuning") wrong.push(`${row.id}: "${row.text}" -> "${heard}"`);
    }
    const pct = (h: { rows: number; right: number }) => (h.rows === 0 ? 0 : Math.round((1000 * h.right) / h.rows) / 10);
    out.push({
      file,
      scope: isAllRows ? "all renditions" : "that run's misses",
      tuning: { ...halves.tuning, percent: pct(halves.tuning) },
      heldout: { ...halves.heldout, percent: pct(halves.heldout) },
      tuningWrong: wrong,
    });
  }
  return out;
}

async function everyday() {
  const lines = await loadEverydayLines();
  const freshLines = await loadEverydayLines(FRESH_FILE);
  return EVERYDAY_AGENTS.map((a) => {
    const run = createEverydayRunner(a);
    const results = lines.map(run);
    const fresh = freshLines.map(run);
    const clean = results.filter((r) => !r.line.isHeard);
    const heard = results.filter((r) => r.line.isHeard);
    const intents = [...new Set(results.map((r) => r.line.intent))].map((intent) => ({
      intent,
      ...summarize(results.filter((r) => r.line.intent === intent)),
    }));
    return {
      agent: a.name,
      clean: summarize(clean),
      heard: summarize(heard),
      fresh: summarize(fresh),
      intents,
      failures: [...results, ...fresh].filter((r) => !r.isRight),
    };
  });
}

async function heldout() {
  const sets = [];
  for (const set of args.dev ? [] : HELDOUT_SETS) {
    const run = createEverydayRunner(set);
    const results = (await loadEverydayLines(set.file)).map(run);
    const intents = [...new Set(results.map((r) => r.line.intent))].map((intent) => ({
      intent,
      ...summarize(results.filter((r) => r.line.intent === intent)),
    }));
    sets.push({ business: set.name, results, all: summarize(results), intents });
  }
  return { all: summarize(sets.flatMap((s) => s.results)), sets };
}

const pct = (s: { percent: number; right: number; lines: number }) => `${s.percent}% (${s.right}/${s.lines})`;

function failureLine(r: TEverydayResult): string {
  return `[${r.line.intent}] "${r.line.text}" expected ${r.line.expect}, got: ${r.got.slice(0, 160)}`;
}

async function main(): Promise<void> {
  const started = performance.now();
  const agents = await everyday();
  const stored = await storedTranscripts();
  const held = await heldout();
  const heldFailures = held.sets.flatMap((s) =>
    s.results.filter((r) => !r.isRight).map((r) => `${s.business}: ${failureLine(r)}`),
  );
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: os.availableParallelism(), loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100) },
    everyday: agents.map((a) => ({ ...a, failures: a.failures.map(failureLine) })),
    stored: stored.map(({ tuningWrong, ...s }) => ({ ...s, tuningWrongCount: tuningWrong.length })),
    heldout: {
      all: held.all,
      sets: held.sets.map(({ results: _results, ...s }) => s),
      failures: heldFailures,
    },
    ms: Math.round(performance.now() - started),
  };
  const md = [
    "# Offline engine, text-level understanding",
    "",
    `${result.date}, ${result.ms} ms.`,
    "",
    "## Everyday set (tests/fixtures/nlu/everyday-lines.txt)",
    "",
    "| agent | clean lines | heard (misrecognised) lines | fresh lines (never tuned on) | held out (own agents, below) |",
    "|---|---|---|---|---|",
    ...agents.map(
      (a) =>
        `| ${a.agent} | ${a.clean.percent}% (${a.clean.right}/${a.clean.lines}) | ${a.heard.percent}% (${a.heard.right}/${a.heard.lines}) | ${a.fresh.percent}% (${a.fresh.right}/${a.fresh.lines}) | ${pct(held.all)} |`,
    ),
    "",
    `| intent | ${agents.map((a) => a.agent).join(" | ")} |`,
    `|---|${agents.map(() => "---").join("|")}|`,
    ...(agents[0]?.intents ?? []).map(
      (x) =>
        `| ${x.intent} | ${agents
          .map((a) => {
            const i = a.intents.find((y) => y.intent === x.intent);
            return i ? `${i.right}/${i.lines}` : "-";
          })
          .join(" | ")} |`,
    ),
    "",
    ...(args.dev
      ? []
      : [
          "## Held-out set (tests/fixtures/nlu/heldout-*.txt: never used to build or tune the engine)",
          "",
          `All: ${pct(held.all)}. ${held.sets.map((s) => `${s.business}: ${pct(s.all)}`).join(", ")}.`,
          "",
          `| intent | ${held.sets.map((s) => s.business).join(" | ")} |`,
          `|---|${held.sets.map(() => "---").join("|")}|`,
          ...[...new Set(held.sets.flatMap((s) => s.intents.map((i) => i.intent)))].map(
            (intent) =>
              `| ${intent} | ${held.sets
                .map((s) => {
                  const i = s.intents.find((y) => y.intent === intent);
                  return i ? `${i.right}/${i.lines}` : "-";
                })
                .join(" | ")} |`,
          ),
          "",
        ]),
    "## bench:quality's stored transcripts, judged again (same outcome as the words said)",
    "",
    "| file | scope | tuning | held out |",
    "|---|---|---|---|",
    ...stored.map(
      (s) =>
        `| ${s.file} | ${s.scope} | ${s.tuning.percent}% (${s.tuning.right}/${s.tuning.rows}) | ${s.heldout.percent}% (${s.heldout.right}/${s.heldout.rows}) |`,
    ),
    "",
    "## Everyday failures",
    "",
    ...agents.flatMap((a) => a.failures.map((f) => `- ${a.agent}: ${failureLine(f)}`)),
    "",
    ...(args.dev
      ? []
      : [
          "## Held-out failures (a record, not a to-do list: fix mechanisms, never these lines)",
          "",
          ...heldFailures.map((f) => `- ${f}`),
          "",
        ]),
  ].join("\n");
  await writeFileAtomic(path.join(RESULTS_DIR, `${args.out}.json`), `${JSON.stringify(result, null, 2)}\n`);
  await writeFileAtomic(path.join(RESULTS_DIR, `${args.out}.md`), md);
  console.log(md.split("## Everyday failures")[0]);
  if (args.failures) {
    for (const a of agents) for (const f of a.failures) console.log(`${a.agent}: ${failureLine(f)}`);
    // Only the tuning half is listed: the held-out half is measured, never read to tune.
    for (const s of stored) for (const w of s.tuningWrong) console.log(`${s.file} [tuning] ${w}`);
  }
  if (args["heldout-failures"]) for (const f of heldFailures) console.log(`[held out] ${f}`);
}

await main();
