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
  day: "today | tomorrow | tonight | this morning | this afternoon | this evening | [on | this | next] <weekday> [morning | afternoon | evening] | next week | [on] the weekend | [on] weekends",
  time: "<hour> [o'clock | thirty | fifteen | forty five] [a.m. | p.m. | in the morning | in the afternoon | in the evening] | noon | midday",
  first: FIRST_NAMES.join(" | "),
  last: LAST_NAMES.join(" | "),
  role: "human | person | real person | live person | actual person | real human | human being | representative | agent | operator | manager | supervisor | receptionist | owner",
  who: "someone | somebody | anyone | anybody | someone real | [a | an | the | your] <role>",
  department:
    "sales | billing | support | technical support | tech support | customer support | customer service | the front desk | reception | accounts | accounting | the office",
  want: "i'd like to | i would like to | i want to | i need to | can i | could i | may i | let me | i'm trying to | i'm calling to | i have to | can i please | could i please",
  // Only multi-word lead-ins: short fillers ("uh", "so", "oh") get inserted into noise and silence.
  lead: "can you tell me | could you tell me | do you know | i want to know | i'd like to know | i was wondering | <hi>",
  hi: "excuse me | hi there | hello there",
  tail: "please | thank you | thanks | thank you very much",
  greeting:
    "hello | hi | hi there | hey | hello there | good morning | good afternoon | good evening | hello is anyone there | is anyone there",
  // "yeah" and "yep" are here so they are not forced onto longer phrases; the agent reads them as "yes".
  yes: "yes | yeah | yep | yes please | sure | yes sure | yeah sure | sure thing | okay | yes okay | correct | that's right | yes that's right | yeah that's right | that's correct | absolutely | of course | sounds good | perfect | go ahead | please do | yes it is | that would be great",
  no: "no | nope | no thanks | no thank you | not really | not now | that's wrong | that's not right | no that's all | no that's it | no that's all thanks | no that's all thank you | no i'm good | no i'm fine",
  human:
    "[<want>] (speak | talk) (to | with) <target> | (can | could | may) i (have | get) <who> | i (want | need) <who> | i'd like <who> | is there <who> i can (speak | talk) (to | with)",
  // "Representative!": the bare request, weighted low and without "a" or "the", so it does not swallow names.
  roleonly: "<role>",
  transfer:
    "[can you | could you | please] (transfer | connect) me [to | with] <target> | [can you | could you | please] put me through [to <target>] | (transfer | connect) me",
  hours:
    "what are your [opening | business | office] hours [<day>] | what are the hours | when are you open [<day>] | when do you (open | close) [<day>] | what time do you (open | close) [<day>] | how late are you open [<day>] | are you [still] (open | closed) [<day> | now | right now]",
  location:
    "where are you [located | based] | (what is | what's) (your | the) address | where is (your | the) (office | store | shop | clinic | location) | how do i (get | find) (there | you)",
  booking:
    "[<want>] (book | make | schedule) (an appointment | a reservation | a booking) [for <day>] [at <time>] | [<want>] (cancel | reschedule | change) my (appointment | reservation | booking)",
  when: "<day> [at <time>] | at <time>",
  goodbye:
    "[okay | alright | that's all | that's it] [thanks | thank you] [very much] (goodbye | bye | bye bye) | [okay] that's all [thanks | thank you] | that's it | have a (nice | good | great) day",
  thanks: "thank you | thanks | thank you very much | thanks a lot",
  message:
    "[<want>] leave a (message | voicemail) [for <target>] | (can | could) you take a message | take a message | (can | could) (someone | somebody | you) call me back | [please] have (someone | somebody) call me back | call me back | (can | could) i get a call back",
  repeat:
    "[sorry] [(can | could | would) you [please]] (repeat that | repeat it | say that again | say it again) | [sorry] what did you say | sorry what | [sorry] what was that | pardon [me] | come again | [sorry] i didn't (catch | hear | get) that",
  unsure: "i don't know | i'm not sure | just a moment | hold on | one second",
  // Phone numbers as callers give them: seven or ten digits, maybe a leading one. A fixed length keeps the
  // recogniser from padding a number with extra digits heard in the pauses.
  phone:
    "[one] <digit> <digit> <digit> <digit> <digit> <digit> <digit> <digit> <digit> <digit> | <digit> <digit> <digit> <digit> <digit> <digit> <digit>",
  // How callers hand over a number: a lead-in of their own, or none.
  number: "[<numberlead>] <phone>",
  numberlead:
    "[my | the] [phone | cell | mobile | home | work | callback] number (is | it's) | my (cell | phone | mobile) is | my number's | it's | it is | that's | [you can] (reach | call) me [back] (at | on) | [please] call [me] [back] (at | on) | please call",
  // No bare "<first> <last>": with so few names it is what noise and unclear words get heard as.
  name: "(my name is | this is | it's | i'm | the name is) <first> [<last>]",
  determiner: "a | the | your | my | any | some",
  // Knowledge questions in the caller's own words: question frames around the topic words of the agent's phrases.
  // One reference to <topics>: each reference copies the whole topic list into the search graph.
  ask: "<question> [<determiner>] <topics> [cost]",
  question:
    "do you (have | offer | do | take | accept | see | treat | sell | provide | allow) | how much (is | are | does | do | for) | (what | how) about | where (is | are) | what is | what's | (is | are) there | tell me about | i have a question about | where can i | can i (get | bring | have)",
};

// How each kind of utterance may start and end. Questions take lead-ins ("can you tell me ..."), requests a
// greeting ("hi there, ..."), and both a polite tail; answers (names, numbers, yes and no) take neither, so a
// filler can never turn noise into "emma white please".
type TFrame = "question" | "request" | "bare";

// Weighted so everyday intents and the agent's own phrases win over the open-ended name and number rules.
const INTENTS: [rule: string, weight: number, frame: TFrame][] = [
  ["greeting", 8, "bare"],
  ["yes", 8, "bare"],
  ["no", 8, "bare"],
  ["human", 8, "request"],
  ["transfer", 8, "request"],
  ["hours", 8, "question"],
  ["location", 8, "question"],
  ["booking", 8, "request"],
  ["goodbye", 8, "bare"],
  ["thanks", 8, "bare"],
  ["message", 8, "request"],
  ["repeat", 8, "request"],
  ["unsure", 4, "bare"],
  ["roleonly", 2, "request"],
  ["when", 2, "bare"],
  ["number", 2, "bare"],
  ["name", 4, "bare"],
];

function framed(rule: string, frame: TFrame): string {
  if (frame === "question") return `[<lead>] <${rule}> [<tail>]`;
  if (frame === "request") return `[<hi>] <${rule}> [<tail>]`;
  return `<${rule}>`;
}

// Words of a question that say what it is about: "Do you accept insurance?" -> "insurance". Opening hours,
// names and numbers have their own rules.
const NOT_TOPICS = new Set(
  wordList(`
    a an the and or but if of to in on at by for with from about as into is am are was were be been do does did
    have has had will would shall should can could may might must i i'm i'd me my we our us you your you're it
    it's its they them their this that these those there here what what's which who when where why how much many
    any some all no not yes please thanks thank hi hello hey okay just also very really get got go come tell
    know want need like speak talk transfer connect call called calling leave message take repeat say said
    someone somebody anyone person human agent operator manager offer accept see treat sell provide allow
    today now there's that's sorry before earlier back bye goodbye name number
    hour hours open opens opening close closes closing closed time times
  `),
);

const QUESTION = /\?\s*$|^\s*(what|when|where|who|how|why|which|do|does|did|is|are|can|could|will|would|may|should)\b/i;

const NAME_JOINERS = new Set(wordList("of and the for"));

// "Can I speak to billing?" is a transfer, not a question about billing.
const REQUEST_WORDS = new Set(wordList("speak talk transfer connect need leave message repeat"));

type TTopics = { words: string[]; pairs: string[] };

// Topic words of the question phrases, with the words the offline agent takes to mean the same and their plain
// forms ("parking" -> "park"), so "where can I park" reaches an entry titled "Is there parking?". Two-word
// topics ("teeth whitening") only as the phrases have them, so topic words cannot pile up into nonsense.
function topicsOf(questions: string[][], dict: TDictionary, related: (word: string) => string[]): TTopics {
  const words = new Set<string>();
  const pairs = new Set<string>();
  const isTopic = (word: string) => word.length >= 3 && !NOT_TOPICS.has(word) && dict.has(word) && !/\d/.test(word);
  for (const phrase of questions) {
    phrase.forEach((word, i) => {
      if (!isTopic(word)) return;
      const next = phrase[i + 1];
      if (next !== undefined && isTopic(next)) pairs.add(`${word} ${next}`);
      words.add(word);
      // Short related words ("map", "pay") are the first thing noise is heard as.
      for (const variant of related(word)) {
        for (const form of [variant, variant.replace(/ing$/, "")])
          if (form.length >= 4 && isTopic(form)) words.add(form);
      }
    });
  }
  return { words: [...words], pairs: [...pairs] };
}

// Long phrases may be cut short by the caller: the last words are optional continuations, as long as most of
// the phrase (and at least three words) is said.
function phraseRule(words: string[]): string {
  if (words.length <= 4) return words.join(" ");
  const core = Math.max(3, Math.ceil(words.length * 0.6));
  const head = words.slice(0, core).join(" ");
  const rest = words.slice(core);
  return `${head} ${rest.map((w) => `[${w}`).join(" ")}${"]".repeat(rest.length)}`;
}

export type TGrammarOptions = {
  maxPhrases?: number;
  maxWordsPerPhrase?: number;
  maxTopics?: number;
  // Words that mean the same as a topic word, e.g. the offline agent's synonyms.
  related?: (word: string) => string[];
};

export function buildGrammar(phrases: string[], dict: TDictionary, options: TGrammarOptions = {}): string {
  const maxPhrases = options.maxPhrases ?? 400;
  const maxWords = options.maxWordsPerPhrase ?? 16;
  const seen = new Set<string>();
  const full: string[] = [];
  const known: string[] = [];
  const questions: string[][] = [];
  for (const phrase of phrases) {
    const words = normalizePhrase(phrase, dict).slice(0, maxWords);
    const key = words.join(" ");
    if (!key || seen.has(key)) continue;
    seen.add(key);
    if (QUESTION.test(phrase) && !words.some((w) => REQUEST_WORDS.has(w))) questions.push(words);
    full.push(phraseRule(words));
    // Short phrases of names ("Front Desk", "Dr Patel") are likely departments or people: also reachable as
    // "transfer me to <known>". Not "when are you open": as a target it would let noise become nonsense.
    if (words.length <= 4 && words.every((w) => !NOT_TOPICS.has(w) || NAME_JOINERS.has(w))) known.push(key);
    if (full.length >= maxPhrases) break;
  }
  const topics = topicsOf(questions, dict, options.related ?? ((word) => [word]));
  topics.words = topics.words.slice(0, options.maxTopics ?? 300);
  topics.pairs = topics.pairs.slice(0, options.maxTopics ?? 300);
  const body = INTENTS.map(([rule, weight, frame]) => `/${weight}/ ${framed(rule, frame)}`);
  if (full.length > 0) body.push(`/8/ ${framed("phrase", "question")}`);
  if (topics.words.length > 0) body.push(`/2/ ${framed("ask", "question")}`);
  const rules: Record<string, string> = {
    body: body.join(" | "),
    target: `/8/ <who> | /8/ <department>${known.length > 0 ? " | /8/ <known>" : ""} | /4/ (someone | somebody) (in | from) (<department>${known.length > 0 ? " | <known>" : ""})`,
    ...BUILTIN_RULES,
  };
  if (known.length > 0) rules.known = known.join(" | ");
  if (full.length > 0) rules.phrase = full.join(" | ");
  if (topics.words.length > 0) {
    rules.topic = topics.words.join(" | ");
    rules.topics = topics.pairs.length > 0 ? "<topic> | <topicpair>" : "<topic>";
    if (topics.pairs.length > 0) rules.topicpair = topics.pairs.join(" | ");
  } else {
    delete rules.ask;
  }
  const lines = [
    "#JSGF V1.0;",
    "grammar call;",
    // A bare phone number gets no lead-in or tail, so fillers cannot be glued onto it.
    "public <utterance> = /100/ <body> | /2/ <phone>;",
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
