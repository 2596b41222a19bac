import { readFile } from "node:fs/promises";

// JSGF grammars for the offline recogniser. Free-form recognition of phone audio with the stock pocketsphinx
// model is unusable, but a grammar of what callers are likely to say recognises scripted callers reliably.

export type TDictionary = ReadonlySet<string>;

const dictionaries = new Map<string, Promise<TDictionary>>();

// Words of a CMU-format pronouncing dictionary ("word PH ON ES", alternates as "word(2) ...").
export function loadDictionary(path: string): Promise<TDictionary> {
  let loaded = dictionaries.get(path);
  if (!loaded) {
    loaded = readFile(path, "utf8").then((text) => {
      const words = new Set<string>();
      for (const line of text.split("\n")) {
        const end = line.indexOf(" ");
        if (end <= 0) continue;
        const word = line.slice(0, end);
        const alt = word.indexOf("(");
        words.add(alt > 0 ? word.slice(0, alt) : word);
      }
      if (words.size === 0) throw new Error(`No words in pronouncing dictionary ${path}`);
      return words;
    });
    loaded.catch(() => dictionaries.delete(path));
    dictionaries.set(path, loaded);
  }
  return loaded;
}

const wordList = (list: string): string[] => list.trim().split(/\s+/);

const ONES = wordList(`
  zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen
  seventeen eighteen nineteen
`);
const TENS = ["", "", ...wordList("twenty thirty forty fifty sixty seventy eighty ninety")];

// How a caller would say a number: "42" -> "forty two", "911" -> "nine one one" (long numbers digit by digit).
export function numberToWords(digits: string): string {
  const n = Number(digits);
  if (digits.length > 1 && digits.startsWith("0")) return [...digits].map((d) => ONES[Number(d)]).join(" ");
  if (n < 20) return ONES[n]!;
  if (n < 100) return `${TENS[Math.floor(n / 10)]}${n % 10 ? ` ${ONES[n % 10]}` : ""}`;
  if (n < 1000 && n % 100 === 0) return `${ONES[n / 100]} hundred`;
  if (n >= 1100 && n < 2100 && digits.length === 4) {
    // Years and clock times: "1990" -> "nineteen ninety", "2025" -> "twenty twenty five".
    const hi = Math.floor(n / 100);
    const lo = n % 100;
    return `${numberToWords(String(hi))} ${lo === 0 ? "hundred" : lo < 10 ? `oh ${ONES[lo]}` : numberToWords(String(lo))}`;
  }
  return [...digits].map((d) => ONES[Number(d)]).join(" ");
}

// Lowercase words the dictionary knows. Words it does not know are dropped, because one unknown word makes
// pocketsphinx reject the whole grammar.
export function normalizePhrase(text: string, dict: TDictionary): string[] {
  const spaced = text
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`]/g, "'")
    .replace(/&/g, " and ")
    .replace(/%/g, " percent ")
    .replace(/\+/g, " plus ")
    .replace(/@/g, " at ")
    .replace(/(\d)([a-z])/g, "$1 $2")
    .replace(/([a-z])(\d)/g, "$1 $2")
    .replace(/\d+/g, (d) => ` ${numberToWords(d)} `);
  const words: string[] = [];
  for (const raw of spaced.split(/[^a-z0-9'.-]+/)) {
    const token = raw.replace(/^['.-]+|['.-]+$/g, "");
    if (!token) continue;
    if (dict.has(token)) {
      words.push(token);
      continue;
    }
    // "wi-fi" may be in the dictionary while "check-in" is not; "u.s." may be known as "u.s." or not at all.
    for (const part of token.split(/[.-]+/)) {
      if (dict.has(part)) words.push(part);
      else if (part.endsWith("'s") && dict.has(part.slice(0, -2))) words.push(part.slice(0, -2));
    }
  }
  return words;
}

// ---- built-in call vocabulary -----------------------------------------------------------------------------

const FIRST_NAMES = wordList(`
  james john robert michael william david richard joseph thomas charles daniel matthew anthony mark paul
  steven andrew kevin brian peter mary patricia jennifer linda elizabeth barbara susan jessica sarah karen
  lisa nancy emma olivia sophia anna maria laura emily rachel alex sam chris jordan taylor carlos jose
  luis juan mohammed
`);
const LAST_NAMES = wordList(`
  smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez wilson
  anderson thomas taylor moore jackson martin lee thompson white harris clark lewis walker young allen
  king wright scott green baker adams nelson campbell mitchell nguyen patel
`);

const BUILTIN_RULES: Record<string, string> = {
  // No "oh" for zero: that short a word is the first thing inserted into noise.
  digit: "zero | one | two | three | four | five | six | seven | eight | nine",
  hour: "one | two | three | four | five | six | seven | eight | nine | ten | eleven | twelve",
  weekday: "monday | tuesday | wednesday | thursday | friday | saturday | sunday",
  day: "today | tomorrow | tonight | this morning | this afternoon | this evening | [on | this | next] <weekday> [morning | afternoon | evening] | next week | the weekend",
  time: "<hour> [o'clock | thirty | fifteen | forty five] [a.m. | p.m. | in the morning | in the afternoon | in the evening] | noon | midday",
  first: FIRST_NAMES.join(" | "),
  last: LAST_NAMES.join(" | "),
  who: "a human | a person | a real person | a live person | someone | somebody | anyone | a representative | an agent | an operator | a manager | the manager | a receptionist | a real human | your manager | the owner",
  department:
    "sales | billing | support | technical support | tech support | customer support | customer service | the front desk | reception | accounts | accounting | the office",
  want: "i'd like to | i would like to | i want to | i need to | can i | could i | may i | let me | i'm trying to | i'm calling to",
  // Only multi-word lead-ins: short fillers ("uh", "so", "oh") get inserted into noise and silence.
  lead: "can you tell me | could you tell me | do you know | i want to know | i'd like to know | i was wondering | excuse me",
  tail: "please | thank you | thanks",
  greeting:
    "hello | hi | hi there | hey | hello there | good morning | good afternoon | good evening | hello is anyone there | is anyone there",
  // Canonical forms only: "yeah" and "yep" come out as "yes", which is all the agent needs.
  yes: "yes | yes please | sure | okay | correct | that's right | that's correct | absolutely | of course | sounds good | perfect",
  no: "no | no thanks | no thank you | not really | not now | that's wrong | that's not right",
  human: "[<want>] (speak | talk) (to | with) <target> | (speak | talk) to <target>",
  transfer:
    "[can you | could you | please] (transfer | connect) me [to | with] <target> | put me through to <target> | (transfer | connect) me",
  hours:
    "what are your [opening | business | office] hours | what are the hours | when are you open | when do you (open | close) | what time do you (open | close) [<day>] | are you open [<day> | now | on weekends]",
  booking:
    "[<want>] (book | make | schedule) (an appointment | a reservation | a booking) [for <day>] [at <time>] | [<want>] (cancel | reschedule | change) my (appointment | reservation | booking)",
  when: "<day> [at <time>] | at <time>",
  goodbye:
    "goodbye | bye | bye bye | thank you bye | thanks bye | thank you goodbye | that's all | that's all thanks | that's it | have a nice day | have a good day",
  thanks: "thank you | thanks | thank you very much | thanks a lot",
  message: "[<want>] leave a (message | voicemail) | can you take a message | take a message",
  repeat:
    "[can you | could you] repeat that | say that again | sorry what | what did you say | pardon | i didn't catch that",
  unsure: "i don't know | i'm not sure | just a moment | hold on | one second",
  number: "[my] [phone] number is <digits> | it's <digits>",
  name: "(my name is | this is | it's) <first> [<last>]",
  digits: "<digit> <digit> <digit>+",
};

// Weighted so everyday intents and the agent's own phrases win over the open-ended digit and name loops.
const INTENT_WEIGHTS: [string, number][] = [
  ["greeting", 8],
  ["yes", 8],
  ["no", 8],
  ["human", 8],
  ["transfer", 8],
  ["hours", 8],
  ["booking", 8],
  ["goodbye", 8],
  ["thanks", 8],
  ["message", 8],
  ["repeat", 8],
  ["unsure", 4],
  ["when", 2],
  ["number", 2],
  ["name", 2],
];

// Long phrases may be cut short by the caller: the last words are optional continuations, as long as most of
// the phrase (and at least three words) is said.
function phraseRule(words: string[]): string {
  if (words.length <= 4) return words.join(" ");
  const core = Math.max(3, Math.ceil(words.length * 0.6));
  const head = words.slice(0, core).join(" ");
  const rest = words.slice(core);
  return `${head} ${rest.map((w) => `[${w}`).join(" ")}${"]".repeat(rest.length)}`;
}

export type TGrammarOptions = { maxPhrases?: number; maxWordsPerPhrase?: number };

export function buildGrammar(phrases: string[], dict: TDictionary, options: TGrammarOptions = {}): string {
  const maxPhrases = options.maxPhrases ?? 400;
  const maxWords = options.maxWordsPerPhrase ?? 16;
  const seen = new Set<string>();
  const full: string[] = [];
  const known: string[] = [];
  for (const phrase of phrases) {
    const words = normalizePhrase(phrase, dict).slice(0, maxWords);
    const key = words.join(" ");
    if (!key || seen.has(key)) continue;
    seen.add(key);
    full.push(phraseRule(words));
    // Short phrases are likely department or people names: also reachable as "transfer me to <known>".
    if (words.length <= 4) known.push(key);
    if (full.length >= maxPhrases) break;
  }
  const body = INTENT_WEIGHTS.map(([rule, weight]) => `/${weight}/ <${rule}>`);
  if (full.length > 0) body.push("/8/ <phrase>");
  const rules: Record<string, string> = {
    body: body.join(" | "),
    target: `/8/ <who> | /8/ <department> | /1/ <first> [<last>]${known.length > 0 ? " | /8/ <known>" : ""}`,
    ...BUILTIN_RULES,
  };
  if (known.length > 0) rules.known = known.join(" | ");
  if (full.length > 0) rules.phrase = full.join(" | ");
  const lines = [
    "#JSGF V1.0;",
    "grammar call;",
    // Bare digit strings get no lead-in or tail, so fillers cannot be glued onto them.
    "public <utterance> = [<lead>] <body> [<tail>] | /1/ <digits>;",
    ...Object.entries(rules).map(([name, rule]) => `<${name}> = ${rule};`),
  ];
  return `${lines.join("\n")}\n`;
}

// Every word the built-in rules use; for checking them against the dictionary.
export function builtinGrammarWords(): string[] {
  const words = new Set<string>();
  for (const body of Object.values(BUILTIN_RULES)) {
    for (const token of body.replace(/<[^>]+>/g, " ").split(/[\s|()[\]+*]+/)) if (token) words.add(token);
  }
  return [...words];
}
