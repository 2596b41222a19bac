// Related concepts for choosing a department by meaning. Broader than the synonym groups in concepts.ts (which
// retrieval relies on and which must stay tight): here "toothache", "swollen" and "can't sleep" all point at the
// same kind of call as an "emergency" line, though none of them is a synonym of the others.
// Each word is stemmed with the engine's stemmer, so one form per word is enough ("bleed" covers "bleeding").
import { stem } from "./stem";

const ROUTING_CONCEPTS: Record<string, string> = {
  emergency:
    "emergency urgent urgently asap immediately pain painful hurt hurts ache aches aching achy toothache sore agony " +
    "excruciating unbearable throb throbbing swollen swelling swell puffy puffed bleed bleeding bled blood broken " +
    "broke break cracked crack chipped chip knocked abscess infection infected fever injury injured accident trauma " +
    "severe sleep killing kill dying unbearable awful terrible worst " +
    // At home or at work rather than in the body: water, power and fire.
    "flood flooding overflow overflowing burst gushing pouring spraying sewage sewer " +
    "smoke sparks sparking fire shock electrocuted freezing frozen everywhere " +
    // A person or an animal in danger, whatever the business calls it: poisoned, unable to breathe, collapsed, fitting.
    "poison poisoned poisoning toxic swallowed breath breathing breathe choking choke gasping wheezing collapse " +
    "collapsed unconscious unresponsive fainted seizure seizures seizing convulsion convulsing vomiting vomit bloated",
  billing:
    "bill bills billing billed invoice invoiced charge charged overcharged payment pay paid paying refund " +
    "reimburse receipt statement balance owe owed debt account charges dispute plan subscription",
  appointment:
    "appointment book booking booked schedule scheduled reschedule cancel cancellation slot availability " +
    "available visit checkup consultation move late running reservation reserve postpone",
  sales: "buy purchase order pricing price quote estimate sales sell deal discount cost",
  support:
    "outage down error bug crash crashing setup install troubleshoot troubleshooting fix working login password " +
    "broken glitch reset connect connection",
};

const CONCEPTS_OF = new Map<string, string[]>();
for (const [concept, list] of Object.entries(ROUTING_CONCEPTS)) {
  for (const word of list.split(/\s+/)) {
    if (word === "") continue;
    const s = stem(word);
    const concepts = CONCEPTS_OF.get(s) ?? [];
    if (!concepts.includes(concept)) concepts.push(concept);
    CONCEPTS_OF.set(s, concepts);
  }
}

// Every word the routing concepts list (the sound-alike repair's targets).
export function routingWords(): string[] {
  return Object.values(ROUTING_CONCEPTS).flatMap((list) => list.split(/\s+/).filter((w) => w !== ""));
}

// The kinds of call a stemmed word points to ("swollen" -> ["emergency"]); empty for words that carry no intent.
export function routingConceptsOf(stemmed: string): readonly string[] {
  return CONCEPTS_OF.get(stemmed) ?? [];
}

// Signs that alone describe an emergency ("toothache", "bleeding"); the rest of the emergency concept ("terrible",
// "can't sleep") only counts in pairs.
const STRONG_SIGNS = new Set(
  (
    "emergency emergencies toothache pain painful hurt hurts agony bleed bleeding bled blood swollen swelling swell " +
    "puffy puffed broken broke cracked chipped knocked abscess infection infected fever injury injured accident trauma " +
    "flood flooding overflow overflowing burst sewage smoke sparks fire electrocuted " +
    "poison poisoned poisoning toxic breath breathing breathe choking gasping collapse collapsed unconscious " +
    "unresponsive fainted seizure seizures seizing convulsion convulsing"
  )
    .split(" ")
    .map(stem),
);

const EXPLICIT_URGENCY =
  /\b(emergency|emergencies|urgent|urgently|asap|as soon as possible|right away|immediately|straight away)\b/;

// Damage is only a strong sign when it is done to someone ("I broke a tooth"), not to a thing ("my car broke
// down", "the screen is cracked").
const DAMAGE = new Set("broken broke break cracked crack chipped chip knocked".split(" ").map(stem));
const BODY = new Set(
  (
    "tooth teeth molar molars wisdom jaw mouth gum gums face lip lips tongue crown filling cheek head nose bone arm " +
    "leg wrist ankle hand finger foot knee hip rib eye ear neck back skin"
  )
    .split(" ")
    .map(stem),
);

const PERSON = new Set(
  "i me myself son daughter kid kids child children baby toddler boy girl husband wife partner mom mum mother dad father grandma grandpa grandmother grandfather brother sister friend patient person man woman"
    .split(" ")
    .map(stem),
);

// The line speaks of a person or a part of a body, not only of an animal or a thing.
export function namesAPerson(stems: readonly string[]): boolean {
  return stems.some((s) => PERSON.has(s) || BODY.has(s));
}

// Pain said plainly is only a strong sign in a part of the body ("my tooth aches", "my jaw is sore"); "a sore
// subject" or "this ache of a form" is not.
const SYMPTOM = new Set("ache aches aching achy sore throb throbbing".split(" ").map(stem));

// How many signs of an emergency the caller's words carry (stems of normalizeText() output).
export function emergencySigns(stems: readonly string[]): { strong: number; weak: number } {
  let strong = 0;
  let weak = 0;
  const set = new Set(stems);
  const hurtsSomeone = [...set].some((s) => BODY.has(s));
  for (const s of set) {
    if (!routingConceptsOf(s).includes("emergency")) continue;
    if ((STRONG_SIGNS.has(s) && (!DAMAGE.has(s) || hurtsSomeone)) || (SYMPTOM.has(s) && hurtsSomeone)) strong++;
    else weak++;
  }
  return { strong, weak };
}

// The caller describes an emergency: one strong sign, or two weaker ones.
export function describesEmergency(stems: readonly string[]): boolean {
  const { strong, weak } = emergencySigns(stems);
  return strong >= 1 || weak >= 2;
}

// An emergency, or a plain request for haste ("please call me back as soon as possible"): a message left in this
// call is marked urgent. Runs on normalizeText() output.
export function soundsUrgent(normalized: string, stems: readonly string[]): boolean {
  return EXPLICIT_URGENCY.test(normalized) || describesEmergency(stems);
}
