import { stem } from "./stem";

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

// Words this engine reads callers by but the recogniser does not listen for (synonymsOf() ignores them): a
// business writes "exam", a caller says "checkup". A group named like one above adds to that concept.
const UNDERSTANDING_GROUPS: Record<string, string> = {
  exam: "exam, exams, examination, examinations, checkup, checkups, check up",
  whitening: "whitening, whiten, whitened, bleaching, bleach",
  price: "dollar, dollars, bucks",
  insurance: "medicaid, medicare, ppo, hmo, insurances",
  // A caller names the child; the business writes "children".
  children:
    "son, sons, daughter, daughters, baby, babies, toddler, toddlers, teen, teens, teenager, teenagers, boy, boys, girl, girls, grandson, granddaughter, grandchild, grandchildren, infant, infants, youngster",
  // Where a business that comes to you works.
  area: "area, areas, neighborhood, neighbourhood, suburb, suburbs, town, towns, city, county, region, district, zone, radius, miles, nearby, outskirts",
  // Trades: a caller says what they see ("clogged", "dripping", "tap"), the business writes the job.
  blocked: "blocked, block, blockage, blockages, clog, clogs, clogged, unclog, unblock, plugged",
  leak: "leak, leaks, leaking, leaky, drip, drips, dripping",
  faucet: "faucet, faucets, tap, taps, spigot",
  // An "email address" is no street address: an entry "What is your email address?" must not answer "what's your
  // address", nor "email address" count as a location.
  contact: "email, email address, e mail address, e mail",
  // The number of an order or an account is no phone number ("have your order number ready").
  reference:
    "reference, order number, account number, invoice number, reference number, tracking number, confirmation number, case number",
};

// Primary: the synonym groups alone (what the recogniser is told); CONCEPT_OF adds the understanding groups.
const PRIMARY_CONCEPT_OF = new Map<string, string>();
const CONCEPT_OF = new Map<string, string>();
// Multi-word synonyms ("money back") are folded into the group's first word before tokenising.
const PHRASE_SYNONYMS: Array<[RegExp, string]> = [];
for (const [group, list] of Object.entries(SYNONYM_GROUPS)) {
  const members = list.split(",").map((m) => m.trim());
  const first = members[0] ?? group;
  for (const member of members) {
    if (member.includes(" ")) PHRASE_SYNONYMS.push([new RegExp(`\\b${member}\\b`, "g"), first]);
    else {
      PRIMARY_CONCEPT_OF.set(stem(member), `#${group}`);
      CONCEPT_OF.set(stem(member), `#${group}`);
    }
  }
}
for (const [group, list] of Object.entries(UNDERSTANDING_GROUPS)) {
  const members = list.split(",").map((m) => m.trim());
  const first = members[0] ?? group;
  for (const member of members) {
    if (member.includes(" ")) PHRASE_SYNONYMS.push([new RegExp(`\\b${member}\\b`, "g"), first]);
    else if (!CONCEPT_OF.has(stem(member))) CONCEPT_OF.set(stem(member), `#${group}`);
  }
}

// The single words this engine treats as meaning the same as `word` (itself included), so the offline recogniser
// can listen for "address" when the knowledge only says "located".
export function synonymsOf(word: string): string[] {
  const concept = PRIMARY_CONCEPT_OF.get(stem(word.toLowerCase()));
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

// Every single-word member of the synonym groups: words this engine acts on (the sound-alike repair's targets).
export function conceptWords(): string[] {
  return Object.values(SYNONYM_GROUPS).flatMap((list) =>
    list
      .split(",")
      .map((m) => m.trim())
      .filter((m) => m !== "" && !m.includes(" ")),
  );
}

// The concept token ("#price") a stemmed word belongs to, if any.
export function conceptOf(stemmed: string): string | undefined {
  return CONCEPT_OF.get(stemmed);
}

// The same, from the synonym groups alone (not the understanding-only words).
export function primaryConceptOf(stemmed: string): string | undefined {
  return PRIMARY_CONCEPT_OF.get(stemmed);
}

export function foldPhraseSynonyms(normalized: string): string {
  let t = normalized;
  for (const [re, rep] of PHRASE_SYNONYMS) t = t.replace(re, rep);
  return t;
}
