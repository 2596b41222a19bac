// Retrieval over the agent's knowledge: a BM25 index of Q&A entries and document passages, scored by how much of
// the caller's question a passage covers. Also indexes departments by the words of their "when to transfer" text.
import type { TAgentSnapshot, TDepartment } from "@/lib/agents/config";
import { STOP_WORDS, contentWords, normalizeText, termSet, type TWord } from "./text";
import { conceptOf } from "./concepts";
import { routingConceptsOf } from "./routing";
import { stem } from "./stem";
import { splitSentences, toSpoken } from "./speakable";

export type TPassage = {
  itemId: string;
  kind: "qa" | "document";
  // What gets spoken: the answer for Q&A, the passage's sentences for documents (a heading is indexed, not said).
  sentences: string[];
  tf: Map<string, number>;
  length: number;
  // Q&A only: the question's words, to tell "weekend hours" apart from a caller asking about hours in general.
  questionWords?: TWord[];
};

// terms: stems and synonym concepts of the name and "when to transfer" text; routes: the kinds of call they
// point to (see routing.ts).
export type TDepartmentEntry = {
  department: TDepartment;
  nameStems: string[];
  nameNormalized: string;
  terms: Set<string>;
  routes: Set<string>;
};

// coverage: how much of the caller's question the passage covers; questionCoverage: for Q&A, how much of the
// entry's question the caller asked about.
export type TRetrieval = { passage: TPassage; coverage: number; questionCoverage: number; score: number; answer?: string };

export type TIndex = {
  passages: TPassage[];
  df: Map<string, number>;
  postings: Map<string, number[]>;
  avgLength: number;
  departments: TDepartmentEntry[];
  retrievals: Map<string, TRetrieval | null>;
  // Names the knowledge spells with a capital ("Cigna", "MetLife", "Larkspur"): stem -> the passages that hold it.
  names: Map<string, number[]>;
};

const BM25_K1 = 1.2;
const BM25_B = 0.75;
export const CONCEPT_CREDIT = 0.8;
// Small knowledge bases would otherwise make every known word look common; idf is computed as if there were at
// least this many passages.
const MIN_VIRTUAL_PASSAGES = 20;
export const MIN_CONFIDENCE = 0.5;
export const HOURS_OVERRIDE_CONFIDENCE = 0.75;
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

// Capitalised words inside a sentence, and words like "MetLife": insurers, brands, street and product names.
function namesIn(text: string): string[] {
  const out: string[] = [];
  for (const sentence of splitSentences(text.replace(/\n+/g, ". "))) {
    const words = sentence.split(/[^\p{L}'-]+/u).filter((w) => w !== "");
    words.forEach((w, i) => {
      if ((i > 0 && /^\p{Lu}/u.test(w)) || /^\p{L}+\p{Lu}/u.test(w)) out.push(...normalizeText(w).split(" "));
    });
  }
  return out.filter((w) => w.length >= 3 && !STOP_WORDS.has(w));
}

function buildIndex(snapshot: TAgentSnapshot): TIndex {
  const passages: TPassage[] = [];
  const passageNames: string[][] = [];
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
      passageNames.push(namesIn(`${item.title}. ${item.content}`));
    } else {
      const titleWords = contentWords(normalizeText(item.title));
      for (const { heading, sentences } of documentPassages(item.content)) {
        const tf = new Map<string, number>();
        let length = addTerms(tf, titleWords, 1);
        length += addTerms(tf, contentWords(normalizeText(`${heading} ${sentences.join(" ")}`)), 1);
        passages.push({ itemId: item.id, kind: "document", sentences, tf, length });
        passageNames.push(namesIn(`${heading}. ${sentences.join(" ")}`));
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
      const routes = new Set<string>();
      for (const w of contentWords(normalizeText(`${department.name} ${department.whenToTransfer}`))) {
        terms.add(w.stem);
        if (w.concept) terms.add(w.concept);
        for (const r of routingConceptsOf(w.stem)) routes.add(r);
      }
      return { department, nameStems, nameNormalized, terms, routes };
    });
  // A name is only a name of one thing when few passages hold it and no department uses it ("Dental" in
  // "Delta Dental" is also in "dental emergencies"); concept words ("Parking") are topics, not names.
  // The business's own name is said on every call ("is this Bright Smile Dental?"), so it names nothing.
  const own = new Set(normalizeText(`${snapshot.teamName} ${snapshot.agentName}`).split(" ").map(stem));
  const names = new Map<string, number[]>();
  passageNames.forEach((list, i) => {
    for (const w of list) {
      const s = stem(w);
      if (own.has(s) || conceptOf(s) || departments.some((d) => d.terms.has(s))) continue;
      const at = names.get(s) ?? [];
      if (!at.includes(i)) at.push(i);
      names.set(s, at);
    }
  });
  for (const [s, at] of names) if (at.length > 2) names.delete(s);
  return {
    passages,
    df,
    postings,
    avgLength: passages.length > 0 ? total / passages.length : 1,
    departments,
    retrievals: new Map(),
    names,
  };
}

export function indexFor(snapshot: TAgentSnapshot): TIndex {
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
export function coverageOf(index: TIndex | null, words: TWord[], has: (term: string) => boolean): number {
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


// Best passage for the caller's words, or null when nothing covers enough of what they asked.
export function retrieve(index: TIndex, normalized: string): TRetrieval | null {
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

// Whether the passage holds one of the caller's own words (stemmed), not only a synonym of one.
export function sharesAWord(retrieval: TRetrieval, normalized: string): boolean {
  return contentWords(normalized).some((w) => retrieval.passage.tf.has(w.stem));
}

// The passage a caller's words name by one of its names ("do you take Aetna, I think?"), when retrieval found
// nothing: a name the knowledge spells out is strong evidence even among misheard words. Null when the line names
// nothing, or names things in different passages.
export function retrieveByName(index: TIndex, normalized: string): TRetrieval | null {
  const hits = new Map<number, number>();
  for (const w of contentWords(normalized)) {
    for (const i of index.names.get(w.stem) ?? []) hits.set(i, (hits.get(i) ?? 0) + 1);
  }
  if (hits.size === 0) return null;
  const ranked = [...hits].sort((a, b) => b[1] - a[1]);
  const [best, second] = ranked;
  if (!best || (second && second[1] === best[1])) return null;
  const passage = index.passages[best[0]];
  return passage ? { passage, coverage: MIN_CONFIDENCE, questionCoverage: 0, score: 0 } : null;
}

// Concepts that describe something about a thing ("how much", "can I book") rather than name a topic: they only
// say which entry is meant together with the thing itself, so a line that adds a word the knowledge lacks ("how
// much is a root canal?") is not answered from the one entry that has a price.
const ATTRIBUTE_CONCEPTS = new Set(["#price", "#payment", "#booking", "#cancel", "#refund", "#delivery", "#discount", "#warranty", "#allowed"]);

// The passage a line points to by the words of it the knowledge knows, when the line as a whole was covered by
// none (everyday filler: "is there somewhere to park?", "what part of town are you in?"). Words the knowledge does
// not hold are set aside and "where" only asks; what is left must name a topic (parking, insurance, an exam: a
// concept, not a word in passing like "next") that one passage clearly holds more than any other.
export function retrieveByTopic(index: TIndex, normalized: string): TRetrieval | null {
  const words = contentWords(normalized).filter((w) => w.stem !== stem("where"));
  const known = words.filter((w) => index.df.has(w.stem) || (w.concept !== undefined && index.df.has(w.concept)));
  if (known.length === 0) return null;
  const scored = index.passages.map((passage, i) => {
    let score = 0;
    let isTopic = false;
    for (const group of groupWords(known)) {
      const weight = Math.max(...group.stems.map((s) => idf(index, s)));
      // A word in an entry's question (counted twice) says more than the same word in passing in an answer.
      const tf = Math.max(0, ...group.stems.map((s) => passage.tf.get(s) ?? 0));
      const conceptTf = group.concept ? (passage.tf.get(group.concept) ?? 0) : 0;
      const matched = tf > 0 ? (weight * Math.min(tf, 2)) / 2 : (weight * CONCEPT_CREDIT * Math.min(conceptTf, 2)) / 2;
      if (tf === 0 && conceptTf === 0) continue;
      score += matched;
      if (group.concept && !ATTRIBUTE_CONCEPTS.has(group.concept)) isTopic = true;
    }
    return { i, score, isTopic };
  });
  scored.sort((a, b) => b.score - a.score);
  const [best, second] = scored;
  if (!best || !best.isTopic || (second && best.score < 1.25 * second.score)) return null;
  const passage = index.passages[best.i];
  return passage ? { passage, coverage: MIN_CONFIDENCE, questionCoverage: 0, score: best.score } : null;
}

// The part of a passage worth saying: up to three sentences of a Q&A answer; the best one or two of a document.
// Retrievals are cached per query, so the chosen sentences are computed once per query too.
export function answerText(retrieval: TRetrieval, normalized: string): string {
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

