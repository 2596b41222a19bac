// What this agent is for, derived from its knowledge and departments: used to tell a question it simply has no
// entry for ("how much is a crown?") from one it was never meant to answer ("what's the weather like?"), and to
// redirect the caller to what it can do instead of guessing or saying nothing.
import type { TAgentSnapshot } from "@/lib/agents/config";
import { primaryConceptOf } from "./concepts";
import type { TIndex } from "./knowledge";
import { routingConceptsOf } from "./routing";
import { stem } from "./stem";
import { STOP_WORDS, contentWords, normalizeText } from "./text";

// Subjects no business line answers. The list is short on purpose: anything else is out of scope only when none
// of its words appears in the agent's knowledge or departments.
const OFF_TOPIC =
  /\b(weather|forecast|rain|raining|snow|snowing|temperature outside|sports?|scores?|games? (last night|tonight|today)|who won|football|baseball|basketball|soccer|nfl|nba|playoffs?|super bowl|world cup|elections?|president|politics|political|vote|voting|congress|senate|news|stock market|stocks?|bitcoin|crypto|jokes?|recipe|movies?|capital of|lottery|horoscope)\b/;

// How a topic reads in "I can answer questions about ...", for the synonym groups that name common topics.
const CONCEPT_TOPICS: Record<string, string> = {
  "#hours": "our opening hours",
  "#weekend": "weekend hours",
  "#location": "where to find us",
  "#parking": "parking",
  "#price": "prices",
  "#payment": "payment",
  "#insurance": "insurance",
  "#booking": "appointments",
  "#cancel": "cancellations",
  "#refund": "refunds",
  "#delivery": "delivery",
  "#jobs": "jobs",
  "#discount": "discounts",
  "#warranty": "warranties",
  "#pets": "pets",
};

// Verbs a question title asks with ("Do you see cats?", "Do you sell pet food?"): never a topic of their own.
const ASKING_VERBS = new Set(
  "see sees sell sells take takes accept accepts offer offers provide provides do does have has get gets treat treats need needs use uses work works carry carries stock stocks handle handles".split(" "),
);

const topicsCache = new WeakMap<TAgentSnapshot, string[]>();

// Up to `limit` short topic phrases from the knowledge titles, hours first when they are configured.
export function knowledgeTopics(snapshot: TAgentSnapshot, limit = 4): string[] {
  let topics = topicsCache.get(snapshot);
  if (!topics) {
    topics = [];
    if (snapshot.config.businessHours.isEnabled) topics.push(CONCEPT_TOPICS["#hours"] ?? "our opening hours");
    for (const item of snapshot.knowledge) {
      const words = normalizeText(item.title)
        .replace(/\bhow much price\b/g, "price")
        .split(" ")
        .filter((w) => w !== "" && !STOP_WORDS.has(w) && !ASKING_VERBS.has(w));
      let label: string | undefined;
      const nouns: string[] = [];
      for (const w of words) {
        const concept = primaryConceptOf(stem(w));
        if (concept) label ??= CONCEPT_TOPICS[concept];
        else nouns.push(w);
      }
      const noun = nouns.slice(0, 3).join(" ");
      const topic = noun && label === "prices" ? `${noun} prices` : noun || label;
      if (topic && !topics.includes(topic)) topics.push(topic);
    }
    topicsCache.set(snapshot, topics);
  }
  return topics.slice(0, limit);
}

function list(items: string[], conjunction: string): string {
  if (items.length <= 2) return items.join(` ${conjunction} `);
  return `${items.slice(0, -1).join(", ")}, ${conjunction} ${items[items.length - 1]}`;
}

function departmentPhrase(name: string): string {
  const t = name.trim();
  // "Billing" and "Sales" read as they are; "Front desk" reads better as "the front desk".
  return /^(the |our )/i.test(t) || /^[A-Z][a-z]+$/.test(t) ? t : `the ${t.charAt(0).toLowerCase()}${t.slice(1)}`;
}

// The caller asked about something this agent is not for: a subject no business line answers, or nothing in
// their words appears in the agent's knowledge or departments.
export function isOffTopic(normalized: string): boolean {
  return OFF_TOPIC.test(normalized);
}

export function isOutOfScope(index: TIndex, normalized: string): boolean {
  if (OFF_TOPIC.test(normalized)) return true;
  const words = contentWords(normalized);
  if (words.length === 0) return false;
  return !words.some(
    (w) =>
      index.df.has(w.stem) ||
      (w.concept !== undefined && index.df.has(w.concept)) ||
      index.departments.some(
        (d) =>
          d.terms.has(w.stem) ||
          (w.concept !== undefined && d.terms.has(w.concept)) ||
          routingConceptsOf(w.stem).some((r) => d.routes.has(r)),
      ),
  );
}

// "I can answer questions about our opening hours, where to find us and insurance, take a message, or put you
// through to the front desk or Billing."
export function whatICanDo(snapshot: TAgentSnapshot, canTransfer: boolean): string {
  const topics = knowledgeTopics(snapshot);
  const actions: string[] = [];
  if (topics.length > 0) actions.push(`answer questions about ${list(topics, "and")}`);
  actions.push("take a message");
  const departments = snapshot.departments.filter((d) => d.name.trim() !== "").map((d) => departmentPhrase(d.name));
  if (canTransfer && departments.length > 0) actions.push(`put you through to ${list(departments.slice(0, 4), "or")}`);
  return `I can ${list(actions, "or")}.`;
}

// Places that are other businesses, not this one: "is the pharmacy next door open?" asks about the pharmacy.
const OTHER_PLACE =
  "pharmacy|pharmacies|drugstore|drug store|chemist|bank|atm|post office|hospital|restaurant|cafe|coffee shop|diner|gym|grocery|grocery store|supermarket|gas station|petrol station|school|church|mall|cinema|movie theater|hotel|bar|pub|bakery|laundromat|dry cleaners?|car wash|dmv|library|police station|city hall|bus stop|train station|subway|walmart|target|costco|starbucks|mcdonalds";
// Where another place is, from here: a neighbour named by where it is is a neighbour, whatever it is called.
const NEIGHBOUR = "next door|across the (?:street|road|hall|way)|down the (?:street|road|block|hall)|around the corner|nearby|near by|close by|downstairs|upstairs|on the corner|in the same building|opposite";
const SUBJECT_PLACE = new RegExp(
  String.raw`\b(?:is|are|does|do|will|would|was|can|could|when|what time|how late) (?:the|that|a) ((?:(?!the\b)[a-z]+ ){0,2}?(?:${OTHER_PLACE}))\b|\b(?:the|that) ((?:[a-z]+ ){0,2}?(?:${OTHER_PLACE}))(?: (?:${NEIGHBOUR}))? (?:is|are|opens?|closes?|open|closed|hours)\b|\b(?:${OTHER_PLACE}) (?:hours|opening)\b`,
);
const SUBJECT_NEIGHBOUR = new RegExp(String.raw`\b(?:is|are|does|do|will|when|what time|how late) (?:the|that) ([a-z]+(?: [a-z]+)?) (?:${NEIGHBOUR})\b`);
// The business itself, however a caller names it.
const SELF = new Set(
  "office clinic practice surgery place building business shop store salon studio team staff front desk reception lot parking garage entrance door".split(" ").map(stem),
);

function inIndex(index: TIndex, word: string): boolean {
  const w = contentWords(word)[0];
  if (!w) return false;
  return (
    index.df.has(w.stem) ||
    (w.concept !== undefined && index.df.has(w.concept)) ||
    index.departments.some((d) => d.terms.has(w.stem) || (w.concept !== undefined && d.terms.has(w.concept)))
  );
}

const PLACE_AT_END = new RegExp(`(?:${OTHER_PLACE})$`);

// The question is about another place than this business: its subject is another kind of business ("the bank")
// or a neighbour ("the deli next door") that the agent's knowledge and departments never mention ("next to the
// library" makes the library a landmark the agent knows). "Are you next to the pharmacy?" asks where this
// business is: the pharmacy is not its subject.
export function asksAboutAnotherPlace(index: TIndex, normalized: string): boolean {
  const place = SUBJECT_PLACE.exec(normalized);
  if (place) {
    const phrase = (place[1] ?? place[2] ?? place[0]).replace(/ (?:hours|opening)$/, "");
    const facility = PLACE_AT_END.exec(phrase)?.[0];
    return facility !== undefined && !facility.split(" ").some((w) => inIndex(index, w));
  }
  const neighbour = SUBJECT_NEIGHBOUR.exec(normalized)?.[1];
  return (
    neighbour !== undefined &&
    neighbour.split(" ").every((w) => STOP_WORDS.has(w) || (!SELF.has(stem(w)) && !inIndex(index, w)))
  );
}

// Everyday domains a line can be about that a business may have nothing to do with. A word of one, when the
// agent's knowledge and departments use none of its words (nor a topic that makes the domain at home there: a car
// is at home where there is parking), says the line is about something else: "do you handle car insurance claims?"
// asks a dental office about cars, not about the insurers it takes.
const DOMAINS: Array<{ words: string; atHome?: string; isAnimals?: boolean }> = [
  { words: "car cars auto autos automobile automotive vehicle vehicles truck trucks lorry motorcycle motorbike boat boats", atHome: "#parking" },
  {
    words: "pet pets dog dogs puppy puppies cat cats kitten kittens animal animals horse horses pony rabbit rabbits bunny bird birds parrot hamster guinea vet vets veterinary veterinarian",
    atHome: "#pets",
    isAnimals: true,
  },
  { words: "flight flights airline airlines vacation vacations cruise cruises passport passports visa visas" },
];
const DOMAIN_STEMS = DOMAINS.map((d) => ({ stems: new Set(d.words.split(" ").map(stem)), atHome: d.atHome, isAnimals: d.isAnimals === true }));
const DOMAIN_OF = new Map<string, number>();
DOMAIN_STEMS.forEach((d, i) => {
  for (const s of d.stems) DOMAIN_OF.set(s, i);
});
// A kind of a thing named by what it covers ("life insurance", "a home warranty", "pet cover"): that kind is only
// this business's when its knowledge or departments use the word.
const KIND_OF = /\b(life|home|homeowners|house|renters|flood|earthquake|travel|pet|car|auto|motor|vehicle|business|liability|boat|phone|mortgage) (insurance|insurer|cover|coverage|policy|policies|warranty|claims?)\b/;

function usesStem(index: TIndex, s: string): boolean {
  return index.df.has(s) || index.departments.some((d) => d.terms.has(s));
}

const foreignCache = new WeakMap<TIndex, Map<number, boolean>>();
function isForeignDomain(index: TIndex, domain: number): boolean {
  let cache = foreignCache.get(index);
  if (!cache) foreignCache.set(index, (cache = new Map()));
  let foreign = cache.get(domain);
  if (foreign === undefined) {
    const d = DOMAIN_STEMS[domain]!;
    foreign = ![...d.stems].some((s) => usesStem(index, s)) && !(d.atHome !== undefined && usesStem(index, d.atHome));
    cache.set(domain, foreign);
  }
  return foreign;
}

// The caller's word that puts the line in a domain this agent has nothing to do with, or null. `animalsOnly`:
// only a word for an animal counts (the one in trouble is a pet, where the business treats none).
export function foreignWord(index: TIndex, normalized: string, options: { animalsOnly?: boolean } = {}): string | null {
  if (!options.animalsOnly) {
    const kind = KIND_OF.exec(normalized)?.[1];
    if (kind && !usesStem(index, stem(kind))) return kind;
  }
  for (const w of contentWords(normalized)) {
    const domain = DOMAIN_OF.get(w.stem);
    if (domain === undefined || (options.animalsOnly && !DOMAIN_STEMS[domain]!.isAnimals)) continue;
    if (isForeignDomain(index, domain)) return w.stem;
  }
  return null;
}
