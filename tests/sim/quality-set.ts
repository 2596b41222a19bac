import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { type TAgentSnapshot, ZAgentSnapshot } from "@/lib/agents/config";

// The offline engine's evaluation set: caller lines a dental receptionist meets, split into a tuning half and a
// held-out half, each line spoken by eSpeak at two speaking rates in several voices and sent through a telephone
// band (300-3400 Hz, 8 kHz mu-law) with line noise. The held-out half is never used to build grammars,
// vocabularies or language models, nor to tune thresholds: it is what says whether the engine copes with phrasing
// it was not built from (tests/voice/quality-set.test.ts checks that no held-out line appears in those sources).

const run = promisify(execFile);

export const QUALITY_DIR = path.resolve(import.meta.dirname, "../fixtures/quality");
const LINES_FILE = path.join(QUALITY_DIR, "caller-lines.txt");
// Synthesized audio is regenerated from the text on demand; a few MB, so it is not committed.
export const AUDIO_CACHE_DIR = path.resolve(import.meta.dirname, "../../.cache/quality-audio");

export type THalf = "tuning" | "heldout";

export const CONTEXTS = {
  start: [],
  afterAnswer: ["what are your hours"],
  afterUnknown: ["can you book me a flight to paris"],
  askingName: ["i'd like to leave a message"],
  askingNumber: ["i'd like to leave a message", "my name is john smith"],
} satisfies Record<string, string[]>;
export type TContext = keyof typeof CONTEXTS;

export type TQualityLine = { id: string; intent: string; context: TContext; text: string; half: THalf };

// FNV-1a, 32 bit: stable across machines and Node versions.
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export function normalizeLine(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019`]/g, "'")
    .replace(/[^a-z0-9']+/g, " ")
    .trim();
}

// The split rule, fixed before any tuning: a line is held out when the FNV-1a hash of its normalized text is odd.
// It depends on nothing but the line, so adding or reordering lines never moves another line between halves.
export function halfOf(text: string): THalf {
  return fnv1a(normalizeLine(text)) % 2 === 1 ? "heldout" : "tuning";
}

export function parseQualityLines(source: string): TQualityLine[] {
  const lines: TQualityLine[] = [];
  let intent = "";
  let context: TContext = "start";
  const seen = new Set<string>();
  for (const [index, raw] of source.split("\n").entries()) {
    const line = raw.trim();
    if (!line || (line.startsWith("#") && !line.startsWith("## "))) continue;
    if (line.startsWith("## ")) {
      const [name, ctx] = line.slice(3).trim().split(/\s+/);
      if (!name || !ctx || !(ctx in CONTEXTS)) throw new Error(`caller-lines.txt:${index + 1}: bad block header "${line}"`);
      intent = name;
      context = ctx as TContext;
      continue;
    }
    if (!intent) throw new Error(`caller-lines.txt:${index + 1}: line before any "## intent context" header`);
    const key = normalizeLine(line);
    if (seen.has(key)) throw new Error(`caller-lines.txt:${index + 1}: duplicate line "${line}"`);
    seen.add(key);
    lines.push({ id: `${intent}-${lines.filter((l) => l.intent === intent).length + 1}`, intent, context, text: line, half: halfOf(line) });
  }
  return lines;
}

export async function loadQualityLines(): Promise<TQualityLine[]> {
  return parseQualityLines(await readFile(LINES_FILE, "utf8"));
}

// A dental receptionist with ordinary facts, as a business would set it up through the UI.
export const QUALITY_AGENT: TAgentSnapshot = ZAgentSnapshot.parse({
  agentName: "Ava",
  teamName: "Bright Smile Dental",
  config: {
    greeting: "Thanks for calling Bright Smile Dental. How can I help?",
    businessHours: {
      isEnabled: true,
      timeZone: "America/New_York",
      weekly: [1, 2, 3, 4, 5].map((day) => ({ day, open: "08:00", close: "17:00" })),
    },
  },
  knowledge: [
    {
      id: "location",
      kind: "qa",
      title: "Where is the clinic?",
      content: "We're at 418 Larkspur Avenue, next to the post office.",
    },
    {
      id: "insurance",
      kind: "qa",
      title: "Which insurance plans are accepted?",
      content: "We accept Delta Dental, Cigna, Aetna, MetLife and Blue Cross plans.",
    },
    { id: "cleaning", kind: "qa", title: "Cleaning price", content: "A cleaning costs 120 dollars." },
    { id: "whitening", kind: "qa", title: "Teeth whitening price", content: "Teeth whitening costs 300 dollars." },
    { id: "exam", kind: "qa", title: "Checkup and exam price", content: "A checkup with an exam costs 95 dollars." },
    { id: "parking", kind: "qa", title: "Parking", content: "There is free parking behind the building." },
  ],
  departments: [
    {
      id: "desk",
      name: "Front Desk",
      phoneNumber: "+15550000002",
      whenToTransfer: "Booking, moving or cancelling appointments; general questions",
    },
    { id: "billing", name: "Billing", phoneNumber: "+15550000001", whenToTransfer: "Invoices, payments or refunds" },
    {
      id: "oncall",
      name: "On-call Dentist",
      phoneNumber: "+15550000009",
      whenToTransfer: "Dental emergencies: severe tooth pain, swelling, bleeding, a broken or knocked-out tooth",
    },
  ],
});

// Tuesday 2024-03-12 15:00 UTC = 11:00 in New York: open.
export const QUALITY_NOW = new Date("2024-03-12T15:00:00Z");

// ---- audio ---------------------------------------------------------------------------------------------------

// eSpeak voices with different timbre and accent. Not en-us+f2/f3: those add breath noise from an unseeded source.
const VOICES = ["en-us", "en-us+m3", "en-us+f4", "en-gb-x-rp", "en-us-nyc", "en-029", "en-gb-scotland", "en-us+f5"];
export const RATES = [135, 185] as const;

export type TRendition = { line: TQualityLine; voice: string; rate: number; noise: number; key: string };

// Each line at both rates, in two different voices, with one of two line-noise levels.
export function renditionsOf(lines: TQualityLine[]): TRendition[] {
  return lines.flatMap((line, i) =>
    RATES.map((rate, r) => {
      const voice = VOICES[(i + r * 3) % VOICES.length]!;
      const noise = (i + r) % 2 === 0 ? 0.004 : 0.012;
      const key = createHash("sha1").update(`${line.text}|${voice}|${rate}|${noise}|v1`).digest("hex").slice(0, 16);
      return { line, voice, rate, noise, key };
    }),
  );
}

// espeak-ng -> telephone band -> 8 kHz mu-law, mixed with white noise (sox, repeatable mode), cached by content.
export async function audioFor(rendition: TRendition, cacheDir = AUDIO_CACHE_DIR): Promise<Uint8Array> {
  const out = path.join(cacheDir, `${rendition.key}.ulaw`);
  const cached = await readFile(out).catch(() => null);
  if (cached) return new Uint8Array(cached);
  await mkdir(cacheDir, { recursive: true });
  const base = path.join(cacheDir, `${rendition.key}.${process.pid}`);
  try {
    await run("espeak-ng", ["-v", rendition.voice, "-s", String(rendition.rate), "-w", `${base}.speech.wav`, rendition.line.text]);
    await run("sox", ["-R", `${base}.speech.wav`, "-r", "8000", `${base}.band.wav`, "sinc", "300-3400"]);
    await run("sox", ["-R", `${base}.band.wav`, `${base}.noise.wav`, "synth", "whitenoise", "vol", String(rendition.noise)]);
    await run("sox", ["-R", "-m", `${base}.band.wav`, `${base}.noise.wav`, "-t", "raw", "-e", "mu-law", "-b", "8", "-c", "1", `${base}.ulaw`]);
    await rename(`${base}.ulaw`, out);
  } catch (error) {
    throw new Error(`Could not synthesize "${rendition.line.text}" (needs espeak-ng and sox): ${(error as Error).message}`);
  } finally {
    await Promise.all(["speech.wav", "band.wav", "noise.wav", "ulaw"].map((ext) => rm(`${base}.${ext}`, { force: true })));
  }
  return new Uint8Array(await readFile(out));
}

// Long caller turns (about 15 s) for the latency figures: chatty callers who explain before they ask.
export const LONG_LINES = [
  "Hi there, so I moved to the area about a month ago and I have been meaning to find a new dentist for the whole family, my kids are six and nine, and I wanted to ask whether you see children and what your hours are.",
  "Hello, I am calling because I had a cleaning somewhere else last year and they told me I might need a filling, and now it has started to hurt a little when I drink something cold, so I would like to come in and have it looked at.",
  "Good morning, so about the bill from my last visit, I believe I was charged twice for the same x ray and I would like somebody to check that and maybe send me a corrected invoice by email please.",
  "Yes hello, my mother is visiting from out of town and she lost a crown this morning while eating breakfast, she is not in pain right now but she is worried, could someone see her today or tomorrow if at all possible.",
];

export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, content);
  await rename(`${file}.tmp`, file);
}
