// Text normalisation for the offline engine: lower-casing and contractions, stop words, and the caller's content
// words folded to stems and concepts (see stem.ts and concepts.ts).
import { stem } from "./stem";
import { conceptOf, conceptWords, foldPhraseSynonyms } from "./concepts";
import { routingWords } from "./routing";

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

export function memoize<T>(fn: (input: string) => T): (input: string) => T {
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

// Contractions written without the apostrophe (a recogniser that drops punctuation, a caller typing a test line)
// and chat spellings, as whole words. Only unambiguous ones: "well", "were", "ill", "id" and "its"-as-possessive
// are ordinary words too ("its" is read as "it is": "its about my bill" is far likelier on a phone line).
const UNPUNCTUATED: Record<string, string> = Object.fromEntries(
  (
    "whats:what is|wheres:where is|whens:when is|hows:how is|whos:who is|thats:that is|theres:there is|" +
    "heres:here is|its:it is|im:i am|ive:i have|youre:you are|youve:you have|youll:you will|youd:you would|" +
    "theyre:they are|theyve:they have|weve:we have|dont:do not|doesnt:does not|didnt:did not|cant:can not|" +
    "couldnt:could not|wouldnt:would not|shouldnt:should not|isnt:is not|arent:are not|wasnt:was not|" +
    "werent:were not|wont:will not|havent:have not|hasnt:has not|aint:is not|u:you|ur:your|pls:please|" +
    "plz:please|thx:thanks|gonna:going to|wanna:want to|gotta:got to|lemme:let me|gimme:give me|kinda:kind of|" +
    "dunno:do not know|yall:you all|cuz:because|coz:because|tmrw:tomorrow|tmr:tomorrow|appt:appointment|" +
    "appts:appointments|thru:through|nite:night"
  )
    .split("|")
    .map((pair) => pair.split(":") as [string, string]),
);

function normalizeUncached(text: string): string {
  let t = text.toLowerCase().replace(/[\u2018\u2019`´]/g, "'");
  t = t.replace(/[a-z]+/g, (word) => UNPUNCTUATED[word] ?? word);
  for (const [re, rep] of CONTRACTIONS) t = t.replace(re, rep);
  return joinSplitWords(
    t
      .replace(/\bhow much\b/g, "how much price")
      .replace(/[^a-z0-9]+/g, " ")
      .trim(),
  );
}

// A word the engine acts on, written or heard as two ("tooth ache", "check up", "wisdom teeth" stays): each way of
// cutting such a word into two real-looking halves, mapped back to the word. Built once from the synonym and
// routing tables, so the knowledge and the caller's line are joined alike.
let splitWords: Map<string, string> | undefined;
function splitWordTable(): Map<string, string> {
  if (splitWords) return splitWords;
  splitWords = new Map();
  for (const word of new Set([...conceptWords(), ...routingWords()])) {
    if (word.length < 6 || !/^[a-z]+$/.test(word)) continue;
    for (let i = 3; i <= word.length - 2; i++) splitWords.set(`${word.slice(0, i)} ${word.slice(i)}`, word);
  }
  return splitWords;
}

function joinSplitWords(normalized: string): string {
  const table = splitWordTable();
  const words = normalized.split(" ");
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const joined = i + 1 < words.length ? table.get(`${words[i]} ${words[i + 1]}`) : undefined;
    if (joined) {
      out.push(joined);
      i++;
    } else out.push(words[i] ?? "");
  }
  return out.join(" ");
}

export const STOP_WORDS = new Set(
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
    "provide do able way exactly precisely talk speak speaking person people guy guys team issue problem regarding re mean think take " +
    // Filler a caller wraps a question in ("I'm trying to get my teeth cleaned, roughly what would that be?").
    "getting gets try trying tried folks again roughly approximately usually typically generally normally anyway"
  ).split(/\s+/),
);

export const FILLERS = new Set(["um", "umm", "uh", "uhh", "er", "erm", "ah", "hmm", "hm", "mm", "mhm", "huh", "eh"]);

export type TWord = { stem: string; concept?: string };

// Callers must not mutate the returned array: it is shared through the memo.
export const contentWords = memoize(contentWordsUncached);

function contentWordsUncached(normalized: string): TWord[] {
  const t = foldPhraseSynonyms(normalized);
  const out: TWord[] = [];
  for (const raw of t.split(" ")) {
    if (raw === "" || STOP_WORDS.has(raw) || FILLERS.has(raw)) continue;
    const s = stem(raw);
    const concept = conceptOf(s);
    out.push(concept ? { stem: s, concept } : { stem: s });
  }
  return out;
}

export function termSet(words: TWord[]): Set<string> {
  const terms = new Set<string>();
  for (const w of words) {
    terms.add(w.stem);
    if (w.concept) terms.add(w.concept);
  }
  return terms;
}
