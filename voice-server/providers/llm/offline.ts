import type { TAgentSnapshot, TDepartment } from "@/lib/agents/config";
import { looksUrgent } from "@/lib/inbox/urgency";
import {
  CALLER_NUMBER_LABEL,
  OPEN_NOW_LABEL,
  dayName,
  describeDay,
  isValidTimeZone,
  isWithinBusinessHours,
  speakWeeklyHours,
  zonedDayAndMinute,
} from "@/lib/agents/assemble-instructions";
import { isToolFailure, normalizePhoneNumber } from "@/voice-server/tools/specs";
import type { TChatMessage, TLlmEvent, TLlmProvider, TLlmRequest } from "@/voice-server/providers/types";

// A local, deterministic phone agent: retrieval over the agent's knowledge plus a few phone intents (transfer,
// message taking, hours, goodbye). It keeps no state between calls of `stream`: everything a turn needs is
// replayed from `request.messages`, so any number of concurrent calls can share one provider.

// ---- Text normalisation ---------------------------------------------------------------------------------

const CONTRACTIONS: Array<[RegExp, string]> = [
  [/\bcan't\b/g, "can not"],
  [/\bwon't\b/g, "will not"],
  [/n't\b/g, " not"],
  [/'re\b/g, " are"],
  [/'m\b/g, " am"],
  [/'ll\b/g, " will"],
  [/'ve\b/g, " have"],
  [/'d\b/g, " would"],
  [/\b(it|that|what|where|when|who|how|there|here|he|she|name|number|message)'s\b/g, "$1 is"],
  [/'s\b/g, ""],
];

// Replaying a conversation runs the same sentences through these pure functions on every turn, so their results
// are memoised. This is a cache of pure results, not call state: concurrent calls can share it safely.
const MEMO_LIMIT = 5000;

function memoize<T>(fn: (input: string) => T): (input: string) => T {
  const cache = new Map<string, T>();
  return (input) => {
    const hit = cache.get(input);
    if (hit !== undefined) return hit;
    const value = fn(input);
    if (cache.size >= MEMO_LIMIT) cache.clear();
    cache.set(input, value);
    return value;
  };
}

export const normalizeText = memoize(normalizeUncached);

function normalizeUncached(text: string): string {
  let t = text.toLowerCase().replace(/[\u2018\u2019`´]/g, "'");
  for (const [re, rep] of CONTRACTIONS) t = t.replace(re, rep);
  return t
    .replace(/\bhow much\b/g, "how much price")
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

const STOP_WORDS = new Set(
  (
    "a an the and or but if then else of to in on at by for with from about as into onto over under up down out off " +
    "is am are was were be been being do does did doing done have has had having will would shall should can could " +
    "may might must i me my mine myself we us our ours you your yours he him his she her it its they them their " +
    "this that these those there here what which who whom whose when why how all any some no not nor only own same " +
    "so than too very just also again ever still yet really actually basically maybe perhaps please thanks thank " +
    "hi hello hey okay ok yes yeah yep yup sure right well um uh er ah hmm mm oh like know tell let say said ask " +
    "asking wonder wondering want wanted need needed looking look help question questions info information thing " +
    "things get got make go going come coming one something anything someone somebody anyone anybody call calling " +
    "called today now currently quick little bit kind sort lot lots much many more most other else there offer " +
    "provide do able way talk speak speaking person people guy guys team issue problem regarding re mean think take"
  ).split(/\s+/),
);

const FILLERS = new Set(["um", "umm", "uh", "uhh", "er", "erm", "ah", "hmm", "hm", "mm", "mhm", "huh", "eh"]);

// A small Porter-style suffix stripper: enough to fold "opening/opens/opened" and "prices/pricing" together.
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith("sses")) w = w.slice(0, -2);
  else if (w.endsWith("ies") && w.length > 4) w = w.slice(0, -3) + "y";
  else if (w.endsWith("s") && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  for (const suffix of ["ing", "ed"]) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3) {
      const base = w.slice(0, -suffix.length);
      if (/[aeiouy]/.test(base)) {
        w = /([^aeiouylsz])\1$/.test(base) ? base.slice(0, -1) : base;
        break;
      }
    }
  }
  const rules: Array<[string, string, number]> = [
    ["ational", "ate", 3],
    ["tional", "tion", 3],
    ["ization", "ize", 3],
    ["ation", "ate", 3],
    ["ator", "ate", 3],
    ["iveness", "ive", 3],
    ["fulness", "ful", 3],
    ["ousness", "ous", 3],
    ["ment", "", 4],
    ["ness", "", 4],
  ];
  for (const [suffix, replacement, minStem] of rules) {
    if (w.endsWith(suffix) && w.length - suffix.length >= minStem) {
      w = w.slice(0, -suffix.length) + replacement;
      break;
    }
  }
  if (w.length > 5 && w.endsWith("ly") && !/[aeiou]ly$/.test(w)) w = w.slice(0, -2);
  if (w.length > 4 && w.endsWith("e")) w = w.slice(0, -1);
  return w;
}

// Words callers use interchangeably on the phone. Each member also indexes as its group's concept token.
const SYNONYM_GROUPS: Record<string, string> = {
  hours: "hour, hours, open, opens, opening, close, closes, closing, closed, time, times",
  weekend: "weekend, weekends, saturday, saturdays, sunday, sundays",
  weekday: "weekday, weekdays, monday, tuesday, wednesday, thursday, friday",
  holiday: "holiday, holidays, christmas, thanksgiving, easter",
  price:
    "price, prices, pricing, cost, costs, fee, fees, charge, charges, rate, rates, expensive, cheap, afford, quote, estimate",
  payment:
    "pay, paying, payment, payments, card, cards, credit, debit, cash, invoice, invoices, bill, bills, billing, paypal",
  location: "address, location, located, where, directions, direction, situated, street, map, find you",
  parking: "parking, park, garage, car park",
  booking:
    "book, booking, appointment, appointments, schedule, scheduling, reserve, reservation, reservations, slot, availability, available",
  cancel: "cancel, cancels, cancelled, canceled, cancelling, canceling, cancellation, reschedule",
  refund: "refund, refunds, return, returns, exchange, exchanges, money back",
  delivery: "deliver, delivers, delivery, deliveries, shipping, ship, ships, shipment, arrive",
  contact: "phone, email, contact, number",
  insurance: "insurance, insurer, coverage, covered, cover",
  jobs: "job, jobs, career, careers, hiring, hire, vacancy, vacancies, employment, apply",
  discount: "discount, discounts, coupon, coupons, promotion, promo, deal, deals",
  children: "kid, kids, child, children",
  pets: "pet, pets, dog, dogs, cat, cats, animal, animals",
  emergency: "emergency, emergencies, urgent, urgently",
  warranty: "warranty, guarantee",
  wifi: "wifi, internet",
  allowed: "allow, allowed, permit, permitted, welcome, bring",
};

const CONCEPT_OF = new Map<string, string>();
// Multi-word synonyms ("money back") are folded into the group's first word before tokenising.
const PHRASE_SYNONYMS: Array<[RegExp, string]> = [];
for (const [group, list] of Object.entries(SYNONYM_GROUPS)) {
  const members = list.split(",").map((m) => m.trim());
  const first = members[0] ?? group;
  for (const member of members) {
    if (member.includes(" ")) PHRASE_SYNONYMS.push([new RegExp(`\\b${member}\\b`, "g"), first]);
    else CONCEPT_OF.set(stem(member), `#${group}`);
  }
}

// The single words this engine treats as meaning the same as `word` (itself included), so the offline recogniser
// can listen for "address" when the knowledge only says "located".
export function synonymsOf(word: string): string[] {
  const concept = CONCEPT_OF.get(stem(word.toLowerCase()));
  if (!concept) return [word];
  const list = SYNONYM_GROUPS[concept.slice(1)] ?? "";
  return [
    word,
    ...list
      .split(",")
      .map((m) => m.trim())
      .filter((m) => m !== word && !m.includes(" ")),
  ];
}

type TWord = { stem: string; concept?: string };

// Callers must not mutate the returned array: it is shared through the memo.
const contentWords = memoize(contentWordsUncached);

function contentWordsUncached(normalized: string): TWord[] {
  let t = normalized;
  for (const [re, rep] of PHRASE_SYNONYMS) t = t.replace(re, rep);
  const out: TWord[] = [];
  for (const raw of t.split(" ")) {
    if (raw === "" || STOP_WORDS.has(raw) || FILLERS.has(raw)) continue;
    const s = stem(raw);
    const concept = CONCEPT_OF.get(s);
    out.push(concept ? { stem: s, concept } : { stem: s });
  }
  return out;
}

// ---- Speakable text -------------------------------------------------------------------------------------

const ABBREVIATIONS: Array<[RegExp, string]> = [
  [/\ba\.m\./gi, "AM"],
  [/\bp\.m\./gi, "PM"],
  [/\be\.g\./gi, "for example"],
  [/\bi\.e\./gi, "that is"],
  [/\betc\./gi, "and so on"],
  [/\bvs\./gi, "versus"],
  [/\bapprox\./gi, "about"],
  [/\b(Dr|Mr|Mrs|Ms|St|Ave|Rd|No|Inc|Ltd|Co)\./g, "$1"],
];

// Turns pasted knowledge (markdown, lists, links) into plain sentences a voice can say.
export function toSpoken(text: string): string {
  let t = text
    .replace(/```[\s\S]*?```/g, " ")
    .replace(/!\[[^\]]*\]\([^)]*\)/g, "")
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    .replace(/https?:\/\/(?:www\.)?([^\s/]+)\S*/g, "$1")
    .replace(/\p{Extended_Pictographic}/gu, "")
    .replace(/\u200d|\ufe0f/g, "");
  for (const [re, rep] of ABBREVIATIONS) t = t.replace(re, rep);
  const lines = t
    .split(/\n/)
    .map((line) =>
      line
        .replace(/^\s{0,3}#{1,6}\s*/, "")
        .replace(/^\s*(?:[-*•+>]|\d{1,2}[.)])\s+/, "")
        .replace(/\|/g, ", ")
        .replace(/[*_`~]{1,3}/g, "")
        .replace(/\s+/g, " ")
        .replace(/^[,\s]+|[,\s]+$/g, "")
        .trim(),
    )
    .filter((line) => line !== "" && !/^[-=:,\s]+$/.test(line));
  return lines
    .map((line) => (/[.!?:;]$/.test(line) ? line : `${line}.`))
    .join(" ")
    .replace(/&/g, " and ")
    .replace(/\s+/g, " ")
    .trim();
}

export function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?]["')\]]*)\s+/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

// Reads a number digit by digit in groups: "5551234567" -> "5 5 5, 1 2 3, 4 5 6 7".
export function speakDigits(number: string): string {
  const digits = number.replace(/[^0-9]/g, "");
  const groups: string[] = [];
  let rest = digits;
  if (rest.length === 11 && rest.startsWith("1")) {
    groups.push("1");
    rest = rest.slice(1);
  }
  if (rest.length <= 4) groups.push(rest);
  else if (rest.length === 10) groups.push(rest.slice(0, 3), rest.slice(3, 6), rest.slice(6));
  else if (rest.length === 7) groups.push(rest.slice(0, 3), rest.slice(3));
  else for (let i = 0; i < rest.length; i += 3) groups.push(rest.slice(i, i + 3));
  const spoken = groups.map((g) => g.split("").join(" ")).join(", ");
  return number.startsWith("+") ? `plus ${spoken}` : spoken;
}

// ---- Knowledge index ------------------------------------------------------------------------------------

type TPassage = {
  itemId: string;
  kind: "qa" | "document";
  // What gets spoken: the answer for Q&A, the passage's sentences for documents (a heading is indexed, not said).
  sentences: string[];
  tf: Map<string, number>;
  length: number;
  // Q&A only: the question's words, to tell "weekend hours" apart from a caller asking about hours in general.
  questionWords?: TWord[];
};

type TDepartmentEntry = { department: TDepartment; nameStems: string[]; nameNormalized: string; terms: Set<string> };

// coverage: how much of the caller's question the passage covers; questionCoverage: for Q&A, how much of the
// entry's question the caller asked about.
type TRetrieval = { passage: TPassage; coverage: number; questionCoverage: number; score: number; answer?: string };

type TIndex = {
  passages: TPassage[];
  df: Map<string, number>;
  postings: Map<string, number[]>;
  avgLength: number;
  departments: TDepartmentEntry[];
  retrievals: Map<string, TRetrieval | null>;
};

const BM25_K1 = 1.2;
const BM25_B = 0.75;
const CONCEPT_CREDIT = 0.8;
// Small knowledge bases would otherwise make every known word look common; idf is computed as if there were at
// least this many passages.
const MIN_VIRTUAL_PASSAGES = 20;
export const MIN_CONFIDENCE = 0.5;
const HOURS_OVERRIDE_CONFIDENCE = 0.75;
const RETRIEVAL_CACHE_LIMIT = 1000;

function addTerms(tf: Map<string, number>, words: TWord[], weight: number): number {
  for (const w of words) {
    tf.set(w.stem, (tf.get(w.stem) ?? 0) + weight);
    if (w.concept) tf.set(w.concept, (tf.get(w.concept) ?? 0) + weight);
  }
  return words.length * weight;
}

type TDocPassage = { heading: string; sentences: string[] };

function documentPassages(content: string): TDocPassage[] {
  const paragraphs = content
    .replace(/\r\n?/g, "\n")
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== "");
  // A heading alone says nothing; it is glued to the paragraph that follows it.
  const merged: Array<{ heading: string; body: string }> = [];
  let heading = "";
  for (const p of paragraphs) {
    const isHeading = !p.includes("\n") && p.length < 80 && !/[.!?]$/.test(p);
    if (isHeading) {
      if (heading) merged.push({ heading: "", body: heading });
      heading = p;
      continue;
    }
    merged.push({ heading, body: p });
    heading = "";
  }
  if (heading) merged.push({ heading: "", body: heading });

  const passages: TDocPassage[] = [];
  for (const { heading: h, body } of merged) {
    const spokenHeading = toSpoken(h).replace(/[.]$/, "");
    const sentences = splitSentences(toSpoken(body));
    if (sentences.length === 0) continue;
    if (sentences.length <= 4) {
      passages.push({ heading: spokenHeading, sentences });
      continue;
    }
    for (let i = 0; i < sentences.length; i += 2) {
      passages.push({ heading: spokenHeading, sentences: sentences.slice(i, i + 3) });
      if (i + 3 >= sentences.length) break;
    }
  }
  return passages;
}

const indexCache = new WeakMap<TAgentSnapshot, TIndex>();

function buildIndex(snapshot: TAgentSnapshot): TIndex {
  const passages: TPassage[] = [];
  for (const item of snapshot.knowledge) {
    if (item.kind === "qa") {
      const answer = toSpoken(item.content);
      if (answer === "") continue;
      const tf = new Map<string, number>();
      // The question is what callers paraphrase, so it counts double.
      const questionWords = contentWords(normalizeText(item.title));
      let length = addTerms(tf, questionWords, 2);
      length += addTerms(tf, contentWords(normalizeText(item.content)), 1);
      passages.push({ itemId: item.id, kind: "qa", sentences: splitSentences(answer), tf, length, questionWords });
    } else {
      const titleWords = contentWords(normalizeText(item.title));
      for (const { heading, sentences } of documentPassages(item.content)) {
        const tf = new Map<string, number>();
        let length = addTerms(tf, titleWords, 1);
        length += addTerms(tf, contentWords(normalizeText(`${heading} ${sentences.join(" ")}`)), 1);
        passages.push({ itemId: item.id, kind: "document", sentences, tf, length });
      }
    }
  }
  const df = new Map<string, number>();
  const postings = new Map<string, number[]>();
  let total = 0;
  passages.forEach((p, i) => {
    total += p.length;
    for (const term of p.tf.keys()) {
      df.set(term, (df.get(term) ?? 0) + 1);
      let list = postings.get(term);
      if (!list) postings.set(term, (list = []));
      list.push(i);
    }
  });
  const departments = snapshot.departments
    .filter((d) => d.name.trim() !== "")
    .map((department) => {
      const nameNormalized = normalizeText(department.name);
      const nameStems = nameNormalized
        .split(" ")
        .filter((w) => w !== "" && !STOP_WORDS.has(w) && w !== "department")
        .map(stem);
      const terms = new Set<string>();
      for (const w of contentWords(normalizeText(`${department.name} ${department.whenToTransfer}`))) {
        terms.add(w.stem);
        if (w.concept) terms.add(w.concept);
      }
      return { department, nameStems, nameNormalized, terms };
    });
  return {
    passages,
    df,
    postings,
    avgLength: passages.length > 0 ? total / passages.length : 1,
    departments,
    retrievals: new Map(),
  };
}

function indexFor(snapshot: TAgentSnapshot): TIndex {
  let index = indexCache.get(snapshot);
  if (!index) {
    index = buildIndex(snapshot);
    indexCache.set(snapshot, index);
  }
  return index;
}

// Building the index for a large knowledge base takes tens of milliseconds; a session can do it while the
// greeting plays instead of on the caller's first question.
export function prepareOfflineIndex(snapshot: TAgentSnapshot): void {
  indexFor(snapshot);
}

function idf(index: TIndex, term: string): number {
  const n = Math.max(index.passages.length, MIN_VIRTUAL_PASSAGES);
  const df = index.df.get(term) ?? 0;
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}

// Words sharing a concept ("how much does it cost") count once, so synonyms can't outvote an unknown noun.
function groupWords(words: TWord[]): Array<{ stems: string[]; concept?: string }> {
  const groups = new Map<string, { stems: string[]; concept?: string }>();
  for (const w of words) {
    const key = w.concept ?? w.stem;
    const group = groups.get(key);
    if (group) {
      if (!group.stems.includes(w.stem)) group.stems.push(w.stem);
    } else {
      groups.set(key, w.concept ? { stems: [w.stem], concept: w.concept } : { stems: [w.stem] });
    }
  }
  return [...groups.values()];
}

// Share of the caller's words (weighted by rarity, unknown words weigh most) that the candidate contains.
function coverageOf(index: TIndex | null, words: TWord[], has: (term: string) => boolean): number {
  let total = 0;
  let matched = 0;
  for (const group of groupWords(words)) {
    const weight = index ? Math.max(...group.stems.map((s) => idf(index, s))) : 1;
    total += weight;
    if (group.stems.some(has)) matched += weight;
    else if (group.concept && has(group.concept)) matched += weight * CONCEPT_CREDIT;
  }
  return total > 0 ? matched / total : 0;
}

function termSet(words: TWord[]): Set<string> {
  const terms = new Set<string>();
  for (const w of words) {
    terms.add(w.stem);
    if (w.concept) terms.add(w.concept);
  }
  return terms;
}

// Best passage for the caller's words, or null when nothing covers enough of what they asked.
function retrieve(index: TIndex, normalized: string): TRetrieval | null {
  if (index.retrievals.has(normalized)) return index.retrievals.get(normalized) ?? null;
  const result = retrieveUncached(index, normalized);
  if (index.retrievals.size >= RETRIEVAL_CACHE_LIMIT) index.retrievals.clear();
  index.retrievals.set(normalized, result);
  return result;
}

function retrieveUncached(index: TIndex, normalized: string): TRetrieval | null {
  const words = contentWords(normalized);
  if (words.length === 0 || index.passages.length === 0) return null;
  const queryTerms = new Map<string, number>();
  for (const w of words) {
    queryTerms.set(w.stem, Math.max(queryTerms.get(w.stem) ?? 0, 1));
    if (w.concept) queryTerms.set(w.concept, Math.max(queryTerms.get(w.concept) ?? 0, CONCEPT_CREDIT));
  }
  const scores = new Map<number, number>();
  for (const [term, qWeight] of queryTerms) {
    const list = index.postings.get(term);
    if (!list) continue;
    const termIdf = idf(index, term);
    for (const i of list) {
      const p = index.passages[i];
      if (!p) continue;
      const tf = p.tf.get(term) ?? 0;
      const norm = tf + BM25_K1 * (1 - BM25_B + (BM25_B * p.length) / index.avgLength);
      scores.set(i, (scores.get(i) ?? 0) + qWeight * termIdf * ((tf * (BM25_K1 + 1)) / norm));
    }
  }
  if (scores.size === 0) return null;
  let maxScore = 0;
  for (const s of scores.values()) maxScore = Math.max(maxScore, s);
  const callerTerms = termSet(words);
  let best: TRetrieval | null = null;
  let bestRank = -1;
  for (const [i, score] of scores) {
    const passage = index.passages[i];
    if (!passage) continue;
    const coverage = coverageOf(index, words, (t) => passage.tf.has(t));
    const questionCoverage = passage.questionWords
      ? coverageOf(null, passage.questionWords, (t) => callerTerms.has(t))
      : 1;
    // Coverage decides (did we match what they asked?); the entry's own question and BM25 break near-ties.
    const rank = coverage + 0.1 * questionCoverage + 0.15 * (score / maxScore);
    if (rank > bestRank + 1e-9) {
      bestRank = rank;
      best = { passage, coverage, questionCoverage, score };
    }
  }
  return best && best.coverage >= MIN_CONFIDENCE ? best : null;
}

// The part of a passage worth saying: up to three sentences of a Q&A answer; the best one or two of a document.
// Retrievals are cached per query, so the chosen sentences are computed once per query too.
function answerText(retrieval: TRetrieval, normalized: string): string {
  retrieval.answer ??= pickAnswer(retrieval, normalized);
  return retrieval.answer;
}

function pickAnswer(retrieval: TRetrieval, normalized: string): string {
  const { passage } = retrieval;
  if (passage.kind === "qa") return passage.sentences.slice(0, 3).join(" ");
  const words = contentWords(normalized);
  let bestIndex = 0;
  let bestCoverage = -1;
  passage.sentences.forEach((sentence, i) => {
    const terms = termSet(contentWords(normalizeText(sentence)));
    // Within one passage every caller word matters equally; corpus rarity would favour stray synonyms.
    const c = coverageOf(null, words, (t) => terms.has(t));
    if (c > bestCoverage + 1e-9) {
      bestCoverage = c;
      bestIndex = i;
    }
  });
  const picked = [passage.sentences[bestIndex] ?? ""];
  const next = passage.sentences[bestIndex + 1];
  const first = picked[0] ?? "";
  // A fragment needs the sentence after it; otherwise add the next one if it keeps the answer short.
  if (next && (first.length < 40 || first.length + next.length < 260)) picked.push(next);
  return picked.join(" ");
}

// ---- Phone numbers and names ----------------------------------------------------------------------------

// "oh", "to", "too", "for", "ate" sound like digits but only count between other digits (see below).
const DIGIT_WORDS: Record<string, string> = Object.fromEntries(
  "zero:0 oh:0 o:0 one:1 two:2 to:2 too:2 three:3 four:4 for:4 five:5 six:6 seven:7 eight:8 ate:8 nine:9"
    .split(" ")
    .map((pair) => pair.split(":")),
);
const TEEN_WORDS: Record<string, string> = Object.fromEntries(
  "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
    .split(" ")
    .map((word, i) => [word, String(10 + i)]),
);
const TENS_WORDS: Record<string, string> = Object.fromEntries(
  "twenty thirty forty fifty sixty seventy eighty ninety".split(" ").map((word, i) => [word, String(2 + i)]),
);
const STRICT_DIGIT_WORDS = new Set(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]);

function isNumberToken(token: string | undefined): boolean {
  if (token === undefined) return false;
  return /^\d+$/.test(token) || STRICT_DIGIT_WORDS.has(token) || token in TEEN_WORDS || token in TENS_WORDS;
}

// "five five five, one two three four" -> "5551234"; digits, "double five", "fifty five", "eight hundred" all work.
export function parseSpokenPhoneNumber(text: string): string | null {
  const lower = text.toLowerCase();
  const hasPlus = /^\s*(\+|plus\b)/.test(lower);
  const tokens = lower
    .replace(/[^a-z0-9]+/g, " ")
    .trim()
    .split(" ");
  let digits = "";
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] ?? "";
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    if (/^\d+$/.test(t)) digits += t;
    else if (t === "double" || t === "triple") {
      const d = next === undefined ? undefined : /^\d$/.test(next) ? next : DIGIT_WORDS[next];
      if (d !== undefined && (isNumberToken(next) || next === "oh" || next === "o")) {
        digits += d.repeat(t === "double" ? 2 : 3);
        i++;
      }
    } else if (t in TEEN_WORDS) digits += TEEN_WORDS[t];
    else if (t in TENS_WORDS) {
      const unit =
        next !== undefined && STRICT_DIGIT_WORDS.has(next) && next !== "zero" ? DIGIT_WORDS[next] : undefined;
      digits += (TENS_WORDS[t] ?? "") + (unit ?? "0");
      if (unit !== undefined) i++;
    } else if (t === "hundred") digits += "00";
    else if (t === "thousand") digits += "000";
    else if (STRICT_DIGIT_WORDS.has(t)) digits += DIGIT_WORDS[t];
    // "oh", "to", "for" only count as digits between other digits, so "oh, it's five five five" keeps no zero.
    else if (t in DIGIT_WORDS && (isNumberToken(prev) || prev === "oh" || prev === "o") && isNumberToken(next)) {
      digits += DIGIT_WORDS[t];
    } else if ((t === "oh" || t === "o") && isNumberToken(next) && digits.length > 0) digits += "0";
  }
  return normalizePhoneNumber((hasPlus ? "+" : "") + digits);
}

const NAME_LEAD_IN = /\b(?:my name is|my name's|name is|this is|it is|it's|i am|i'm|call me|you can call me)\s+(.+)$/i;
const NOT_A_NAME = new Set(
  (
    "what when where why how who can could do does is are will would no not never i " +
    "calling just about the a sorry wait hold please sure yes"
  ).split(" "),
);

export function parseName(raw: string): string | null {
  let t = raw.trim().replace(/[.!?]+$/g, "");
  const leadIn = NAME_LEAD_IN.exec(t);
  if (leadIn?.[1]) t = leadIn[1];
  for (let i = 0; i < 3; i++) t = t.replace(/^(?:um+|uh+|er+|yeah|yes|sure|okay|ok|so|well|hi|hello)[,.]?\s+/i, "");
  t = t.split(/\s*(?:,|\band\b|\bbut\b|\bfrom\b|\bcalling\b|\bi'm\b|\bi am\b|\bhere\b)\s*/i)[0] ?? "";
  const words = t.split(/\s+/).filter((w) => w !== "");
  if (words.length === 0 || words.length > (leadIn ? 4 : 3)) return null;
  if (words.some((w) => !/^[\p{L}][\p{L}'.-]*$/u.test(w))) return null;
  if (NOT_A_NAME.has((words[0] ?? "").toLowerCase())) return null;
  return words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(" ");
}

function parseMessageBody(raw: string): string | null {
  const t = raw
    .trim()
    .replace(/^(?:um+|uh+|yeah|yes|sure|okay|ok|so)[,.]?\s+/i, "")
    .replace(
      /^(?:the message is|my message is|message is|just|please|can you|could you)?\s*(?:tell|let)\s+(?:them|him|her|the team|everyone)\s+(?:know\s+)?(?:that\s+)?/i,
      "",
    )
    .replace(/^(?:the message is|my message is|message is|it's|it is)[:,]?\s+/i, "")
    .trim();
  return /[\p{L}\d]/u.test(t) ? t : null;
}

// ---- Conversation state ---------------------------------------------------------------------------------

type TSlot = "name" | "callback" | "message" | `field:${string}`;

type TDraft = {
  name?: string;
  callback?: string;
  message?: string;
  details: Record<string, string>;
  skipped: string[];
};

type TPending =
  | { kind: "none" }
  | { kind: "anything_else" }
  | { kind: "offer_message" }
  | { kind: "message_or_transfer"; departmentId?: string }
  | { kind: "confirm_transfer"; departmentId: string }
  | { kind: "which_department"; attempts: number }
  | { kind: "slot"; slot: TSlot; attempts: number };

// lastAgent: what the caller last heard, for "sorry, can you say that again?".
type TState = { pending: TPending; draft: TDraft | null; knownName?: string; lastAgent?: string };

type TReply = { say: string[]; tool?: { name: string; args: Record<string, unknown> }; knowledgeIds?: string[] };

type TContext = {
  snapshot: TAgentSnapshot;
  index: TIndex;
  now: Date;
  callerNumber?: string;
  isOpen?: boolean;
};

const YES =
  /^(yes|yeah|yep|yup|ya|sure|ok|okay|please|correct|right|absolutely|definitely|of course|go ahead|sounds good|that would be great|that works|please do|alright|all right|why not|yes please)\b/;
const NO =
  /^(no|nope|nah|not really|not now|no thanks|no thank you|i am good|i am fine|i am all set|all set|that is all|that is it|that will be all|nothing|nothing else)\b/;
const GOODBYE =
  /\b(bye|goodbye|bye bye|good bye|see you|see ya|talk to you later|have a (good|nice|great|lovely) (day|one|night|evening|weekend))\b/;
const THANKS_ONLY =
  /^(ok |okay |great |perfect |awesome |alright )?(thanks|thank you|thank you so much|thanks so much|thanks a lot|thank you very much|cheers|great|perfect|awesome)( so much| very much| a lot)?$/;
const GREETING_ONLY = /^(hi|hello|hey|hiya|good (morning|afternoon|evening)|hi there|hello there|hey there)( there)?$/;
const HOW_ARE_YOU = /\b(how are you|how is it going|how are things|how are you doing)\b/;
const IDENTITY =
  /\b(who are you|what is your name|who am i (talking|speaking) (to|with)|(are you|am i (talking|speaking) (to|with)|is this) (a |an )?(real|human|person|robot|bot|machine|ai|computer|artificial|recording))/;
const STRONG_HUMAN =
  /\b(representative|operator|receptionist|human|real person|live person|actual person|real human|somebody real|someone real)\b/;
const TRANSFER_VERB =
  /\b(transfer|connect|put me through|patch me through|speak (to|with)|talk (to|with)|get me through)\b/;
// "I need a manager", "can I get a real person", or just "Agent!": asking for someone without a verb like "speak".
const HUMAN_REQUEST =
  /\b(?:i (?:want|need|would like)|(?:can|could|may) i (?:get|have)|get me|give me)\s+(?:(?:a|an|the|your|some)\s+)?(?:(?:real|live|actual)\s+)?(?:person|human|human being|agent|manager|supervisor|owner|someone|somebody|anyone|anybody)\b|^(?:agent|manager|supervisor|person|human being)(?: please)?$/;
const LEAVE_MESSAGE =
  /\b((leave|take|give|send|pass) (a |me |them |him |her )?(message|voicemail|note)|call me back|callback|call back|have (someone|somebody) call)\b/;
const HISTORY =
  /\b(called (before|earlier|yesterday|last week|last time|previously)|my (last|previous|earlier) call|(spoke|talked) (to|with) (someone|you|somebody) (before|earlier|yesterday|last week)|following up|follow up on my)\b/;
const HOURS_INTENT = /\b(hours?|open|opening|opens|close|closing|closes|closed|what time)\b/;
const REPEAT =
  /^(?:(?:sorry|i am sorry|pardon|excuse me|um|uh|oh|what)\s+)*(?:(?:(?:can|could|would|will) you|please)\s+)*(?:repeat(?: that| it| yourself| the last part| what you said)?|say (?:that|it) again|say again|come again|pardon(?: me)?|what did you (?:just )?say|what was that|i did not (?:quite )?(?:catch|hear|get|understand) (?:that|you|it|what you said)|what|sorry|huh)(?:\s+(?:again|please|sorry|one more time))*$/;
const QUESTION_START =
  /^(?:(?:wait|sorry|actually|oh|um|uh|hold on|hang on|before that|quick question|also|and|but|so|ok|okay)\s+)*(what|when|where|how|why|do|does|did|are|is|can|could|will|would)\b/;
const CANCEL_FLOW =
  /^(never mind|nevermind|forget it|cancel|cancel that|stop|no thanks|no thank you|do not bother|i changed my mind)$/;
const SKIP_FIELD =
  /^(skip|skip it|pass|no|nope|i do not know|do not know|not sure|i am not sure|i would rather not|rather not|prefer not to say|none|no thanks)$/;
const USE_CALLER_NUMBER =
  /\b(this (one|number)|that (one|number)|same (one|number)|the number i am calling from|calling from|use (it|that|this|the same)|current number|my number is fine|that is fine|that is good|that is the one)\b/;

function isAffirmative(normalized: string): boolean {
  if (!YES.test(normalized)) return false;
  return contentWords(normalized.replace(YES, "")).length <= 2;
}

function isNegative(normalized: string): boolean {
  if (!NO.test(normalized)) return false;
  return contentWords(normalized.replace(NO, "")).length <= 1;
}

function firstName(name: string): string {
  return name.split(" ")[0] ?? name;
}

function lowerLabel(label: string): string {
  const t = label.trim();
  return /^[A-Z][a-z]/.test(t) ? t.charAt(0).toLowerCase() + t.slice(1) : t;
}

// Capture fields that are really the caller's name or number are filled from those slots instead of asked twice.
function fieldRole(key: string): "name" | "callback" | null {
  if (/(^|_)name$/.test(key) && !/(company|business|pet|product|child|patient)/.test(key)) return "name";
  if (/(phone|mobile|callback|cell)/.test(key)) return "callback";
  return null;
}

function nextSlot(draft: TDraft, ctx: TContext): TSlot | null {
  if (!draft.name) return "name";
  if (!draft.callback) return "callback";
  if (!draft.message) return "message";
  for (const f of ctx.snapshot.config.captureFields) {
    if (fieldRole(f.key) !== null) continue;
    if (draft.details[f.key] === undefined && !draft.skipped.includes(f.key)) return `field:${f.key}`;
  }
  return null;
}

function askFor(slot: TSlot, ctx: TContext, attempt: number): string {
  if (slot === "name")
    return attempt === 0
      ? "Could I get your name, please?"
      : "Sorry, I didn't catch your name. Could you say it again?";
  if (slot === "callback") {
    if (attempt > 0) return "Sorry, I didn't get a full phone number. Could you say it again, digit by digit?";
    const own = ctx.callerNumber?.replace(/[^0-9]/g, "");
    return own && own.length >= 4
      ? `What's the best number to reach you? I can use the number you're calling from, ending in ${speakDigits(own.slice(-4))}.`
      : "What's the best number to reach you?";
  }
  if (slot === "message")
    return attempt === 0
      ? "And what message would you like me to pass on?"
      : "Sorry, what would you like the message to say?";
  const key = slot.slice("field:".length);
  const field = ctx.snapshot.config.captureFields.find((f) => f.key === key);
  const label = field ? lowerLabel(field.label) : key.replace(/_/g, " ");
  return attempt === 0 ? `Could you also tell me your ${label}?` : `Sorry, could you repeat your ${label}?`;
}

function anythingElse(state: TState, say: string[], extra?: Partial<TReply>): [TState, TReply] {
  return [
    { ...state, pending: { kind: "anything_else" } },
    { say: [...say, "Is there anything else I can help you with?"], ...extra },
  ];
}

function departmentById(ctx: TContext, id: string | undefined): TDepartment | undefined {
  return id === undefined ? undefined : ctx.index.departments.find((d) => d.department.id === id)?.department;
}

function departmentByName(ctx: TContext, normalized: string): TDepartment | undefined {
  const stems = new Set(normalized.split(" ").map(stem));
  const padded = ` ${normalized} `;
  let best: TDepartment | undefined;
  let bestLength = 0;
  for (const d of ctx.index.departments) {
    const whole = d.nameNormalized !== "" && padded.includes(` ${d.nameNormalized} `);
    const allStems = d.nameStems.length > 0 && d.nameStems.every((s) => stems.has(s));
    if ((whole || allStems) && d.nameNormalized.length > bestLength) {
      best = d.department;
      bestLength = d.nameNormalized.length;
    }
  }
  return best;
}

// Best department by what its whenToTransfer says; only when one clearly beats the others.
function departmentByDescription(ctx: TContext, normalized: string): TDepartment | undefined {
  const words = contentWords(normalized);
  if (words.length === 0) return undefined;
  const scored = ctx.index.departments
    .map((d) => {
      let score = 0;
      for (const w of words) {
        if (d.terms.has(w.stem)) score += 1;
        else if (w.concept && d.terms.has(w.concept)) score += CONCEPT_CREDIT;
      }
      return { d, score };
    })
    .sort((a, b) => b.score - a.score);
  const top = scored[0];
  const second = scored[1];
  if (!top || top.score < CONCEPT_CREDIT) return undefined;
  if (second && second.score >= top.score) return undefined;
  return top.d.department;
}

function operatorDepartment(ctx: TContext): TDepartment | undefined {
  const departments = ctx.index.departments.map((d) => d.department);
  if (departments.length === 1) return departments[0];
  return departments.find((d) =>
    /\b(operator|reception|front desk|general|main|office|customer service)\b/i.test(d.name),
  );
}

function offerMessage(state: TState, lead: string[]): [TState, TReply] {
  return [
    { ...state, pending: { kind: "offer_message" } },
    { say: [...lead, "I can take a message and have someone call you back. Would you like that?"] },
  ];
}

function transferTo(state: TState, ctx: TContext, department: TDepartment, lead?: string): [TState, TReply] {
  if (ctx.isOpen === false) return closedNoTransfer(state, ctx);
  const name = department.name.trim();
  return [
    { ...state, pending: { kind: "none" } },
    {
      say: [lead ?? `Sure, let me transfer you to ${name}.`],
      tool: { name: "transfer_call", args: { department: name } },
    },
  ];
}

// Not the after-hours message again: a call answered while closed opened with it.
function closedNoTransfer(state: TState, ctx: TContext): [TState, TReply] {
  if (ctx.snapshot.config.businessHours.afterHours === "take_message")
    return offerMessage(state, ["We're closed right now, so I can't put you through to anyone."]);
  return anythingElse(state, ["We're closed right now, so I can't put you through to anyone. Please call back during our business hours."]);
}

function handleTransferRequest(state: TState, ctx: TContext, normalized: string, recent: string): [TState, TReply] {
  if (ctx.index.departments.length === 0) {
    return offerMessage(state, ["I'm sorry, there's nobody I can transfer you to right now."]);
  }
  if (ctx.isOpen === false) return closedNoTransfer(state, ctx);
  const named = departmentByName(ctx, normalized);
  if (named) return transferTo(state, ctx, named);
  const described = departmentByDescription(ctx, normalized) ?? departmentByDescription(ctx, recent);
  if (described)
    return transferTo(
      state,
      ctx,
      described,
      `Sure, let me transfer you to ${described.name.trim()}. They can help with that.`,
    );
  const fallback = operatorDepartment(ctx);
  if (fallback) return transferTo(state, ctx, fallback);
  return askWhichDepartment(state, ctx, 0);
}

function askWhichDepartment(state: TState, ctx: TContext, attempts: number): [TState, TReply] {
  const names = ctx.index.departments.map((d) => d.department.name.trim());
  const list =
    names.length <= 2 ? names.join(" or ") : `${names.slice(0, -1).join(", ")}, or ${names[names.length - 1]}`;
  const say =
    attempts === 0
      ? [`Sure. Which department would you like? I can connect you with ${list}.`]
      : [`Sorry, which one? ${list}?`];
  return [{ ...state, pending: { kind: "which_department", attempts } }, { say }];
}

function startMessage(
  state: TState,
  ctx: TContext,
  raw: string,
  lead = "Sure, I can take a message.",
): [TState, TReply] {
  const draft: TDraft = { details: {}, skipped: [] };
  const leadName = /\b(my name is|my name's|this is)\b/i.test(raw) ? parseName(raw) : null;
  const name = leadName ?? state.knownName;
  if (name) draft.name = name;
  return askNext({ ...state, draft }, ctx, [lead]);
}

function askNext(state: TState, ctx: TContext, lead: string[]): [TState, TReply] {
  const draft = state.draft;
  if (!draft) return anythingElse(state, lead);
  const slot = nextSlot(draft, ctx);
  if (slot !== null) {
    return [{ ...state, pending: { kind: "slot", slot, attempts: 0 } }, { say: [...lead, askFor(slot, ctx, 0)] }];
  }
  const details: Record<string, string> = { ...draft.details };
  for (const f of ctx.snapshot.config.captureFields) {
    const role = fieldRole(f.key);
    if (role === "name" && draft.name) details[f.key] = draft.name;
    if (role === "callback" && draft.callback) details[f.key] = draft.callback;
  }
  const args: Record<string, unknown> = {
    name: draft.name ?? "",
    callback_number: draft.callback ?? "",
    message: draft.message ?? "",
    // The offline engine has no model to judge it: the same check the message store falls back on.
    urgent: looksUrgent(draft.message ?? ""),
  };
  if (Object.keys(details).length > 0) args.details = details;
  return [
    { ...state, draft: null, pending: { kind: "none" } },
    { say: [...lead, "Let me save that message for you."], tool: { name: "take_message", args } },
  ];
}

function onSlotAnswer(
  state: TState,
  ctx: TContext,
  pending: Extract<TPending, { kind: "slot" }>,
  raw: string,
  normalized: string,
): [TState, TReply] {
  const draft: TDraft = { ...(state.draft ?? { details: {}, skipped: [] }) };
  draft.details = { ...draft.details };
  const retry = (): [TState, TReply] => {
    // "Wait, what are your hours?" instead of a name: answer it, then ask again.
    if (QUESTION_START.test(normalized)) {
      const [, answer] = onCaller({ ...state, pending: { kind: "none" } }, ctx, raw, "");
      // Only real answers (they end by offering more help); a "not sure" would derail the message.
      if (!answer.tool && answer.say.some((line) => /anything else/i.test(line))) {
        const say = [...answer.say.filter((line) => !/anything else/i.test(line)), askFor(pending.slot, ctx, 0)];
        return [
          { ...state, draft, pending },
          answer.knowledgeIds ? { say, knowledgeIds: answer.knowledgeIds } : { say },
        ];
      }
    }
    return [
      { ...state, draft, pending: { ...pending, attempts: pending.attempts + 1 } },
      { say: [askFor(pending.slot, ctx, pending.attempts + 1)] },
    ];
  };

  if (CANCEL_FLOW.test(normalized)) {
    return anythingElse({ ...state, draft: null }, ["No problem, I won't take a message."]);
  }
  if (GOODBYE.test(normalized) && pending.slot !== "message") return goodbye(state, ctx);

  if (pending.slot === "name") {
    const name = parseName(raw);
    if (name) draft.name = name;
    else if (pending.attempts >= 1 && raw.trim() !== "") draft.name = raw.trim().slice(0, 60);
    else return retry();
    return askNext({ ...state, draft, knownName: draft.name }, ctx, [`Thanks, ${firstName(draft.name)}.`]);
  }

  if (pending.slot === "callback") {
    let number: string | null = null;
    if (ctx.callerNumber && (isAffirmative(normalized) || USE_CALLER_NUMBER.test(normalized))) {
      number = normalizePhoneNumber(ctx.callerNumber);
    }
    number ??= parseSpokenPhoneNumber(raw);
    if (!number) {
      if (pending.attempts >= 2 && ctx.callerNumber && normalizePhoneNumber(ctx.callerNumber)) {
        draft.callback = normalizePhoneNumber(ctx.callerNumber) ?? undefined;
        return askNext({ ...state, draft }, ctx, ["I'll use the number you're calling from."]);
      }
      if (pending.attempts >= 2) {
        return anythingElse({ ...state, draft: null }, [
          "I'm sorry, I'm having trouble getting the number, so I can't take the message right now.",
        ]);
      }
      return retry();
    }
    draft.callback = number;
    // Reading the number back lets the caller correct it in their next answer.
    return askNext({ ...state, draft }, ctx, [`Got it, ${speakDigits(number)}.`]);
  }

  if (pending.slot === "message") {
    // "No, that's wrong, it's five five five..." right after the read-back corrects the number.
    if (/^(no|nope|wrong|that is wrong|that is not right|incorrect|actually)\b/.test(normalized)) {
      const corrected = parseSpokenPhoneNumber(raw);
      if (corrected) {
        draft.callback = corrected;
        return askNext({ ...state, draft }, ctx, [`Sorry about that. I have ${speakDigits(corrected)}.`]);
      }
      if (isNegative(normalized) || /\b(number|wrong)\b/.test(normalized)) {
        delete draft.callback;
        return [
          { ...state, draft, pending: { kind: "slot", slot: "callback", attempts: 0 } },
          { say: ["Sorry about that. What's the right number?"] },
        ];
      }
    }
    const message = parseMessageBody(raw);
    if (!message) return retry();
    draft.message = message;
    return askNext({ ...state, draft }, ctx, ["Okay."]);
  }

  const key = pending.slot.slice("field:".length);
  if (SKIP_FIELD.test(normalized)) {
    draft.skipped = [...draft.skipped, key];
    return askNext({ ...state, draft }, ctx, ["That's fine."]);
  }
  const value = raw
    .trim()
    .replace(/^(?:um+|uh+|yeah|sure|okay|ok|so)[,.]?\s+/i, "")
    .replace(/^(?:it's|it is|my [\w\s]{1,30}? is)\s+/i, "")
    .replace(/[.!?]+$/, "")
    .trim();
  if (value === "") return retry();
  draft.details[key] = value.slice(0, 1000);
  return askNext({ ...state, draft }, ctx, ["Thanks."]);
}

function goodbye(state: TState, ctx: TContext): [TState, TReply] {
  const team = ctx.snapshot.teamName.trim();
  return [
    { ...state, pending: { kind: "none" }, draft: null },
    {
      say: [team ? `Thanks for calling ${team}.` : "Thanks for calling.", "Have a great day. Goodbye!"],
      tool: { name: "end_call", args: { reason: "The caller said goodbye." } },
    },
  ];
}

function notSure(state: TState, ctx: TContext, normalized: string): [TState, TReply] {
  const lead = "I'm sorry, I don't have that information.";
  if (ctx.index.departments.length > 0 && ctx.isOpen !== false) {
    const department = departmentByDescription(ctx, normalized);
    return [
      { ...state, pending: { kind: "message_or_transfer", departmentId: department?.id } },
      {
        say: [
          lead,
          department
            ? `I can transfer you to ${department.name.trim()}, or take a message for the team. Which would you prefer?`
            : "I can take a message for the team, or transfer you to someone who can help. Which would you prefer?",
        ],
      },
    ];
  }
  return offerMessage(state, [lead]);
}

function requestedDays(normalized: string, today: number | undefined): number[] | "now" | null {
  if (/\b(right now|now|currently|at the moment|still open)\b/.test(normalized)) return "now";
  if (/\btoday\b|\btonight\b/.test(normalized) && today !== undefined) return [today];
  if (/\btomorrow\b/.test(normalized) && today !== undefined) return [(today + 1) % 7];
  if (/\bweekends?\b/.test(normalized)) return [6, 0];
  const days: number[] = [];
  ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"].forEach((name, i) => {
    if (new RegExp(`\\b${name}s?\\b`).test(normalized)) days.push(i);
  });
  return days.length > 0 ? days : null;
}

function hoursAnswer(ctx: TContext, normalized: string): string[] {
  const hours = ctx.snapshot.config.businessHours;
  const today = isValidTimeZone(hours.timeZone) ? zonedDayAndMinute(hours.timeZone, ctx.now).day : undefined;
  const asked = requestedDays(normalized, today);
  const dayLine = (day: number): string => {
    const text = describeDay(hours, day);
    const label = day === today ? "today" : `on ${dayName(day)}`;
    return text === ""
      ? `We're closed ${label}.`
      : text === "all day"
        ? `We're open all day ${label}.`
        : `${label === "today" ? "Today" : `On ${dayName(day)}`} we're open from ${text}.`;
  };
  if (asked === "now") {
    const lines = [ctx.isOpen === false ? "We're closed right now." : "Yes, we're open right now."];
    if (today !== undefined) {
      const todayText = describeDay(hours, today);
      if (todayText !== "" && todayText !== "all day") lines.push(`Today's hours are ${todayText}.`);
      else if (ctx.isOpen === false) lines.push(dayLine((today + 1) % 7));
    }
    return lines;
  }
  if (asked) return asked.map(dayLine);
  return splitSentences(speakWeeklyHours(hours));
}

function onCaller(state: TState, ctx: TContext, raw: string, recentCaller: string): [TState, TReply] {
  const normalized = normalizeText(raw);
  const tokens = normalized.split(" ").filter((t) => t !== "");
  if (tokens.length === 0 || tokens.every((t) => FILLERS.has(t))) {
    return [state, { say: ["Sorry, I didn't catch that. Could you say it again?"] }];
  }
  // Said again word for word, and nothing else changes: a question the agent asked is still open.
  if (REPEAT.test(normalized)) return [state, { say: [state.lastAgent ?? ctx.snapshot.config.greeting] }];
  const pending = state.pending;
  if (pending.kind === "slot") return onSlotAnswer(state, ctx, pending, raw, normalized);

  const knownName = /\b(my name is|my name's)\b/i.test(raw) ? (parseName(raw) ?? state.knownName) : state.knownName;
  state = { ...state, knownName };
  const wantsMessage = LEAVE_MESSAGE.test(normalized) || /\bmessage\b/.test(normalized);
  const wantsTransfer =
    STRONG_HUMAN.test(normalized) ||
    TRANSFER_VERB.test(normalized) ||
    HUMAN_REQUEST.test(normalized) ||
    /\b(transfer|put me through)\b/.test(normalized);

  switch (pending.kind) {
    case "offer_message":
      if (isAffirmative(normalized)) return startMessage(state, ctx, raw, "Okay.");
      if (isNegative(normalized)) return anythingElse(state, ["No problem."]);
      break;
    case "message_or_transfer":
      if (wantsMessage || isAffirmative(normalized)) return startMessage(state, ctx, raw, "Okay.");
      if (wantsTransfer || /\b(transfer|person|someone|connect)\b/.test(normalized)) {
        const department = departmentById(ctx, pending.departmentId);
        const named = departmentByName(ctx, normalized);
        if (named ?? department) return transferTo(state, ctx, (named ?? department) as TDepartment);
        return handleTransferRequest(state, ctx, normalized, recentCaller);
      }
      if (isNegative(normalized)) return anythingElse(state, ["No problem."]);
      break;
    case "confirm_transfer": {
      const department = departmentById(ctx, pending.departmentId);
      if (department && isAffirmative(normalized)) return transferTo(state, ctx, department);
      if (isNegative(normalized)) return anythingElse(state, ["Okay."]);
      break;
    }
    case "which_department": {
      const department = departmentByName(ctx, normalized) ?? departmentByDescription(ctx, normalized);
      if (department) return transferTo(state, ctx, department);
      // "Thanks, goodbye" is not a department: the caller is leaving.
      if (GOODBYE.test(normalized)) return goodbye(state, ctx);
      if (isNegative(normalized) || wantsMessage) return startMessage(state, ctx, raw, "Okay.");
      if (pending.attempts === 0) return askWhichDepartment(state, ctx, 1);
      return offerMessage(state, ["Sorry, I couldn't tell which department you meant."]);
    }
    case "anything_else":
      if (isNegative(normalized)) return goodbye(state, ctx);
      if (isAffirmative(normalized))
        return [{ ...state, pending: { kind: "none" } }, { say: ["Sure. What can I help you with?"] }];
      break;
    default:
      break;
  }
  state = { ...state, pending: { kind: "none" } };

  if (GOODBYE.test(normalized)) return goodbye(state, ctx);
  if (THANKS_ONLY.test(normalized)) return anythingElse(state, ["You're welcome!"]);
  if (/^(that is all|that is it|that will be all|nothing else|i am all set|that is everything)\b/.test(normalized))
    return goodbye(state, ctx);
  if (wantsMessage && LEAVE_MESSAGE.test(normalized)) return startMessage(state, ctx, raw);
  if (IDENTITY.test(normalized)) {
    const agent = ctx.snapshot.agentName.trim() || "a virtual assistant";
    const team = ctx.snapshot.teamName.trim();
    return [
      state,
      {
        say: [
          `I'm ${agent}, the virtual assistant${team ? ` for ${team}` : ""}.`,
          "I can answer questions, take a message, or connect you with the right person.",
        ],
      },
    ];
  }
  if (wantsTransfer) return handleTransferRequest(state, ctx, normalized, recentCaller);
  if (HISTORY.test(normalized)) {
    return [
      state,
      {
        say: ["Let me check your earlier calls."],
        tool: { name: "lookup_caller_history", args: { reason: raw.trim().slice(0, 200) } },
      },
    ];
  }
  if (wantsMessage) return startMessage(state, ctx, raw);

  const withoutGreeting = normalized.replace(/^(hi|hello|hey|good (morning|afternoon|evening))( there)?\s*/, "").trim();
  if (GREETING_ONLY.test(normalized) || withoutGreeting === "") {
    return [state, { say: ["Hi! How can I help you today?"] }];
  }
  if (HOW_ARE_YOU.test(normalized) && contentWords(normalized.replace(HOW_ARE_YOU, "")).length === 0) {
    return [state, { say: ["I'm doing well, thanks for asking.", "How can I help you today?"] }];
  }

  // A bare department name ("Billing, please") is a transfer request; "where can I park" is not one for "Parking".
  const named = departmentByName(ctx, normalized);
  const namedEntry = named && ctx.index.departments.find((d) => d.department === named);
  if (namedEntry && contentWords(normalized).every((w) => namedEntry.nameStems.includes(w.stem))) {
    return handleTransferRequest(state, ctx, normalized, recentCaller);
  }

  const retrieval = retrieve(ctx.index, withoutGreeting);
  const isHoursQuestion = HOURS_INTENT.test(normalized);
  const hoursEnabled = ctx.snapshot.config.businessHours.isEnabled;
  // With hours configured, knowledge only wins when it answers this exact question ("weekend hours" for
  // "open on Saturday"), never for "are you open now" or a general "what are your hours".
  const knowledgeBeatsHours =
    retrieval !== null &&
    retrieval.coverage >= HOURS_OVERRIDE_CONFIDENCE &&
    retrieval.questionCoverage >= 0.6 &&
    requestedDays(normalized, undefined) !== "now";
  if (retrieval && (!isHoursQuestion || !hoursEnabled || knowledgeBeatsHours)) {
    return anythingElse(state, [answerText(retrieval, withoutGreeting)], { knowledgeIds: [retrieval.passage.itemId] });
  }
  if (isHoursQuestion && hoursEnabled) return anythingElse(state, hoursAnswer(ctx, normalized));

  if (contentWords(withoutGreeting).length === 0) {
    if (isAffirmative(normalized) || isNegative(normalized))
      return [state, { say: ["Okay. How can I help you today?"] }];
    return [state, { say: ["Sorry, I didn't quite get that. Could you say it another way?"] }];
  }

  const described = departmentByDescription(ctx, normalized);
  if (described && ctx.isOpen !== false) {
    return [
      { ...state, pending: { kind: "confirm_transfer", departmentId: described.id } },
      { say: [`${described.name.trim()} can help with that. Would you like me to transfer you?`] },
    ];
  }
  return notSure(state, ctx, normalized);
}

function onToolResult(
  state: TState,
  ctx: TContext,
  message: Extract<TChatMessage, { role: "tool-result" }>,
): [TState, TReply] {
  const failed = isToolFailure(message.result);
  const { call, result } = message;
  switch (call.name) {
    case "transfer_call": {
      const department = typeof call.args.department === "string" ? call.args.department : "that department";
      if (!failed)
        return [{ ...state, pending: { kind: "none" } }, { say: ["You're being connected now. Please hold."] }];
      return offerMessage(state, [`I'm sorry, I couldn't connect you to ${department} right now.`]);
    }
    case "take_message": {
      if (failed) {
        const department = operatorDepartment(ctx);
        if (department && ctx.isOpen !== false) {
          return [
            { ...state, pending: { kind: "confirm_transfer", departmentId: department.id } },
            {
              say: [
                "I'm sorry, I couldn't save your message just now.",
                `I can transfer you to ${department.name.trim()} instead. Would you like that?`,
              ],
            },
          ];
        }
        return anythingElse(state, [
          "I'm sorry, I couldn't save your message just now.",
          "Please try calling back a little later.",
        ]);
      }
      const name =
        typeof call.args.name === "string" && call.args.name.trim() ? `, ${firstName(call.args.name.trim())}` : "";
      const number = typeof call.args.callback_number === "string" ? call.args.callback_number : "";
      return anythingElse(state, [
        `All done${name}. I've passed your message on.`,
        number ? `Someone will call you back at ${speakDigits(number)}.` : "Someone will get back to you soon.",
      ]);
    }
    case "end_call":
      return [state, { say: [] }];
    case "lookup_caller_history": {
      if (failed)
        return [
          state,
          { say: ["I'm sorry, I couldn't look up your earlier calls right now.", "How can I help you today?"] },
        ];
      const summary = typeof result.summary === "string" ? toSpoken(result.summary) : "";
      const calls = Array.isArray(result.calls) ? result.calls.length : undefined;
      const say: string[] = [];
      if (summary) say.push(...splitSentences(summary).slice(0, 2));
      else if (calls === 0) say.push("I don't see any earlier calls from this number.");
      else if (calls !== undefined)
        say.push(`I can see ${calls === 1 ? "one earlier call" : `${calls} earlier calls`} from this number.`);
      else say.push("I've checked your earlier calls.");
      say.push("How can I help you today?");
      return [state, { say }];
    }
    default:
      return failed
        ? [state, { say: ["Sorry, something went wrong on my side.", "How else can I help?"] }]
        : [state, { say: [] }];
  }
}

function onEvent(state: TState, ctx: TContext, text: string, recentCaller: string): [TState, TReply] {
  const lower = text.toLowerCase();
  const dtmf = /(?:press(?:ed)?|dtmf|digits?|keypad|key)\D*?([0-9*#]+)/.exec(lower);
  if (dtmf?.[1]) {
    const keys = dtmf[1];
    if (state.pending.kind === "slot" && state.pending.slot === "callback") {
      return onSlotAnswer(state, ctx, state.pending, keys.replace(/[*#]/g, ""), keys.replace(/[*#]/g, ""));
    }
    if (keys.replace(/#/g, "") === "0") {
      if (ctx.index.departments.length === 0)
        return offerMessage(state, ["There's no operator I can connect you to right now."]);
      const department = operatorDepartment(ctx);
      if (department)
        return transferTo(state, ctx, department, `Sure, let me connect you to ${department.name.trim()}.`);
      return handleTransferRequest({ ...state, pending: { kind: "none" } }, ctx, "operator", recentCaller);
    }
    return [state, { say: ["Sorry, I can't use keypad choices on this line.", "Just tell me what you need."] }];
  }
  if (/silen|no (speech|response|answer)|quiet|did not say|didn't say/.test(lower)) {
    return [state, { say: ["Are you still there?"] }];
  }
  if (/fail|error/.test(lower)) {
    return offerMessage({ ...state, pending: { kind: "none" } }, ["Sorry, something went wrong on my side."]);
  }
  return [state, { say: [] }];
}

// ---- The turn -------------------------------------------------------------------------------------------

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const CALLER_NUMBER_LINE = new RegExp(`^${escapeRegExp(CALLER_NUMBER_LABEL)}[ \\t]*(.*)$`, "m");
const OPEN_NOW_LINE = new RegExp(`^${escapeRegExp(OPEN_NOW_LABEL)}[ \\t]*(.*)$`, "m");

function readContext(request: TLlmRequest, now: Date): TContext {
  const snapshot = request.agent;
  const numberLine = CALLER_NUMBER_LINE.exec(request.system)?.[1]?.trim();
  const callerNumber = numberLine ? (normalizePhoneNumber(numberLine) ?? undefined) : undefined;
  const openLine = OPEN_NOW_LINE.exec(request.system)?.[1]?.trim();
  let isOpen: boolean | undefined;
  if (openLine === "yes" || openLine === "no") isOpen = openLine === "yes";
  else if (snapshot.config.businessHours.isEnabled && isValidTimeZone(snapshot.config.businessHours.timeZone)) {
    isOpen = isWithinBusinessHours(snapshot.config.businessHours, now);
  }
  return { snapshot, index: indexFor(snapshot), now, callerNumber, isOpen };
}

export type TOfflineReply = {
  text: string;
  sentences: string[];
  toolCall?: { name: string; args: Record<string, unknown> };
  knowledgeIds: string[];
};

// Replays the conversation through the same state machine that produced it and returns the reply to the last
// message. Agent text is not parsed back: the state after each caller turn is what this engine decided then.
export function offlineReply(request: TLlmRequest, now: Date = new Date()): TOfflineReply {
  const ctx = readContext(request, now);
  let state: TState = { pending: { kind: "none" }, draft: null };
  let reply: TReply = { say: [] };
  let recentCaller = "";
  const messages = request.messages;
  if (messages.length === 0) {
    reply = { say: [ctx.snapshot.config.greeting] };
  }
  for (const message of messages) {
    if (message.role === "caller") {
      [state, reply] = onCaller(state, ctx, message.text, recentCaller);
      recentCaller = normalizeText(message.text);
    } else if (message.role === "event") {
      [state, reply] = onEvent(state, ctx, message.text, recentCaller);
    } else if (message.role === "tool-result") {
      [state, reply] = onToolResult(state, ctx, message);
    } else if (message.role === "agent") {
      if (message.text.trim()) state = { ...state, lastAgent: message.text.trim() };
      reply = { say: [] };
    } else {
      reply = { say: [] };
    }
  }
  const sentences = reply.say.flatMap((s) => splitSentences(s));
  return {
    text: sentences.join(" "),
    sentences,
    ...(reply.tool ? { toolCall: reply.tool } : {}),
    knowledgeIds: reply.knowledgeIds ?? [],
  };
}

function abortError(): DOMException {
  return new DOMException("The operation was aborted.", "AbortError");
}

export type TOfflineLlmOptions = { now?: () => Date };

export function createOfflineLlm(options: TOfflineLlmOptions = {}): TLlmProvider {
  const clock = options.now ?? (() => new Date());
  return {
    name: "offline-local",
    async *stream(request: TLlmRequest): AsyncIterable<TLlmEvent> {
      if (request.signal.aborted) throw abortError();
      const reply = offlineReply(request, clock());
      // Text events concatenate into the full reply; one sentence each so TTS can start on the first.
      for (let i = 0; i < reply.sentences.length; i++) {
        if (request.signal.aborted) throw abortError();
        yield { type: "text", text: i === 0 ? (reply.sentences[i] ?? "") : ` ${reply.sentences[i] ?? ""}` };
      }
      if (request.signal.aborted) throw abortError();
      if (reply.toolCall) {
        yield {
          type: "tool-call",
          call: {
            id: `offline-${request.messages.length}-${reply.toolCall.name}`,
            name: reply.toolCall.name,
            args: reply.toolCall.args,
          },
        };
      }
      yield { type: "done", ...(reply.knowledgeIds.length > 0 ? { knowledgeIds: reply.knowledgeIds } : {}) };
    },
  };
}
