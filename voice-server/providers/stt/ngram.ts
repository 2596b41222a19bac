// A small trigram language model in ARPA format, for pocketsphinx. Interpolated absolute discounting, written out
// as a back-off model (each listed n-gram carries its interpolated probability, each history the weight that
// makes its distribution sum to one), over a unigram that keeps some mass for every vocabulary word, so the
// recogniser can hear words and word orders the corpus never put together.

export type TNgramOptions = {
  // Words that get a small probability even when the corpus never uses them (e.g. a general vocabulary).
  extraVocabulary?: Iterable<string>;
  // Share of unigram mass spread evenly over the whole vocabulary.
  uniformShare?: number;
  discount?: number;
};

const BOS = "<s>";
const EOS = "</s>";
const LOG_ZERO = -99;

type TCounts = Map<string, Map<string, number>>; // history ("" for unigrams, "a" or "a b") -> next word -> count

function bump(counts: TCounts, history: string, word: string, by: number): void {
  let next = counts.get(history);
  if (!next) counts.set(history, (next = new Map()));
  next.set(word, (next.get(word) ?? 0) + by);
}

const log10 = (p: number) => (p > 0 ? Math.log10(p) : LOG_ZERO);
const fmt = (x: number) => x.toFixed(4);

// sentences: lists of words (already normalised to dictionary spelling), each with a weight (repeat count).
export function buildArpa(sentences: Array<{ words: string[]; weight?: number }>, options: TNgramOptions = {}): string {
  const discount = options.discount ?? 0.5;
  const uniformShare = options.uniformShare ?? 0.02;
  const orders: TCounts[] = [new Map(), new Map(), new Map()];
  const vocabulary = new Set<string>();
  for (const { words, weight = 1 } of sentences) {
    if (words.length === 0) continue;
    const padded = [BOS, ...words, EOS];
    for (const w of words) vocabulary.add(w);
    for (let i = 1; i < padded.length; i++) {
      const w = padded[i]!;
      bump(orders[0]!, "", w, weight);
      bump(orders[1]!, padded[i - 1]!, w, weight);
      if (i >= 2) bump(orders[2]!, `${padded[i - 2]} ${padded[i - 1]}`, w, weight);
    }
  }
  for (const w of options.extraVocabulary ?? []) vocabulary.add(w);
  if (vocabulary.size === 0) throw new Error("Cannot build a language model from no words");
  vocabulary.add(EOS);

  // Unigrams: discounted corpus counts, plus a uniform floor over the vocabulary.
  const unigramCounts = orders[0]!.get("") ?? new Map<string, number>();
  const total = [...unigramCounts.values()].reduce((a, b) => a + b, 0);
  const unigram = new Map<string, number>();
  for (const w of vocabulary) {
    const fromCorpus = total > 0 ? (unigramCounts.get(w) ?? 0) / total : 0;
    unigram.set(w, (1 - uniformShare) * fromCorpus + uniformShare / vocabulary.size);
  }

  // P(w | h) for a listed history, interpolated with the lower order.
  const lowerOf = (history: string) => history.split(" ").slice(1).join(" ");
  const probability = (order: number, history: string, word: string): number => {
    if (order === 0) return unigram.get(word) ?? 0;
    const next = orders[order]!.get(history);
    const lower = probability(order - 1, order === 1 ? "" : lowerOf(history), word);
    if (!next) return lower;
    let sum = 0;
    for (const c of next.values()) sum += c;
    const count = next.get(word) ?? 0;
    return Math.max(count - discount, 0) / sum + ((discount * next.size) / sum) * lower;
  };

  const sections: string[][] = [[], [], []];
  const backoff = (order: number, history: string): number => {
    // Weight for continuing from `history` (an n-gram of `order` words) to a word it was never followed by.
    const next = orders[order]?.get(history);
    if (!next) return 0;
    let seen = 0;
    let seenLower = 0;
    for (const w of next.keys()) {
      seen += probability(order, history, w);
      seenLower += probability(order - 1, order === 1 ? "" : lowerOf(history), w);
    }
    return log10(Math.max(1 - seen, 1e-12) / Math.max(1 - seenLower, 1e-12));
  };

  sections[0]!.push(`${LOG_ZERO} ${BOS} ${fmt(backoff(1, BOS))}`);
  for (const w of [...vocabulary].sort()) {
    const bo = w === EOS ? "" : ` ${fmt(backoff(1, w))}`;
    sections[0]!.push(`${fmt(log10(unigram.get(w)!))} ${w}${bo}`);
  }
  for (const [history, next] of [...orders[1]!].sort(([a], [b]) => a.localeCompare(b))) {
    for (const w of [...next.keys()].sort()) {
      const bo = w === EOS ? "" : ` ${fmt(backoff(2, `${history} ${w}`))}`;
      sections[1]!.push(`${fmt(log10(probability(1, history, w)))} ${history} ${w}${bo}`);
    }
  }
  for (const [history, next] of [...orders[2]!].sort(([a], [b]) => a.localeCompare(b))) {
    for (const w of [...next.keys()].sort()) sections[2]!.push(`${fmt(log10(probability(2, history, w)))} ${history} ${w}`);
  }
  return [
    "\\data\\",
    ...sections.map((s, i) => `ngram ${i + 1}=${s.length}`),
    "",
    ...sections.flatMap((s, i) => [`\\${i + 1}-grams:`, ...s, ""]),
    "\\end\\",
    "",
  ].join("\n");
}
