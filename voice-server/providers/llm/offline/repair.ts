// The words one agent's calls turn on (its knowledge, its departments, the phone intents) and the repair of a line
// towards them, for lines the dialog could not make sense of as heard.
import type { TAgentSnapshot } from "@/lib/agents/config";
import { conceptOf, conceptWords } from "./concepts";
import { routingConceptsOf, routingWords } from "./routing";
import { buildVocabulary, repairHeard, type TVocabulary } from "./sounds-like";
import { stem } from "./stem";
import { FILLERS, STOP_WORDS, memoize, normalizeText } from "./text";

// What callers ask a phone line for, beyond the synonym groups and routing concepts.
// Dictated numbers are answers in their own right, never a misheard word ("zero" is not "sore").
const NUMBER_WORDS = new Set(
  "zero oh one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand double triple".split(
    " ",
  ),
);

const PHONE_WORDS =
  "message voicemail callback human person representative receptionist operator transfer connect goodbye " +
  "thanks appointment reschedule cancel address directions located location parking insurance price cost hours " +
  "open close closed emergency toothache dentist doctor checkup cleaning exam";

type TRepairer = { vocabulary: TVocabulary; repair: (normalized: string) => string | null };
const cache = new WeakMap<TAgentSnapshot, TRepairer>();

function buildRepairer(snapshot: TAgentSnapshot): TRepairer {
  const texts = [
    ...snapshot.knowledge.flatMap((k) => [k.title, k.kind === "qa" ? k.content : k.content.slice(0, 20_000)]),
    ...snapshot.departments.flatMap((d) => [d.name, d.whenToTransfer]),
    ...snapshot.config.captureFields.map((f) => f.label),
    PHONE_WORDS,
    conceptWords().join(" "),
    routingWords().join(" "),
  ];
  const words = texts.flatMap((t) => normalizeText(t).split(" ")).filter((w) => w !== "" && !STOP_WORDS.has(w));
  const vocabulary = buildVocabulary(words);
  const stems = new Set([...vocabulary.words].map(stem));
  const isKnown = (word: string): boolean => {
    if (STOP_WORDS.has(word) || FILLERS.has(word) || NUMBER_WORDS.has(word) || vocabulary.words.has(word)) return true;
    const s = stem(word);
    return stems.has(s) || conceptOf(s) !== undefined || routingConceptsOf(s).length > 0;
  };
  // A call is replayed on every turn, so each line is repaired once per agent, not once per turn.
  return { vocabulary, repair: memoize((normalized) => repairHeard(normalized, vocabulary, isKnown)) };
}

// The line with sound-alike, misspelt, split or clipped words replaced by this agent's words, or null when there
// was nothing to replace.
export function repairedLine(snapshot: TAgentSnapshot, normalized: string): string | null {
  let repairer = cache.get(snapshot);
  if (!repairer) {
    repairer = buildRepairer(snapshot);
    cache.set(snapshot, repairer);
  }
  return repairer.repair(normalized);
}
