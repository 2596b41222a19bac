import type { TAgentSnapshot, TKnowledgeItem } from "@/lib/agents/config";
import type { TSttVocabulary } from "@/voice-server/providers/types";
import { CONSENT_PHRASES } from "./recording-consent";

// What callers of this agent are likely to say. Cloud STT uses these as key terms; the offline engine builds
// its grammar from them, so they must cover the whole conversation the agent can have.
const COMMON_PHRASES = [
  "yes", "no", "yes please", "no thanks", "no thank you", "thank you", "thanks", "okay", "that's all",
  "goodbye", "bye", "that's all thank you goodbye",
  "hello", "hi", "are you there",
  "can you repeat that", "sorry what was that",
  "what are your hours", "when are you open", "are you open today", "are you open now",
  "i'd like to leave a message", "can i leave a message", "take a message",
  "can i speak to a person", "can i talk to someone", "i want to speak to a human", "transfer me", "operator",
  "did i call before", "i called earlier",
  "my name is", "my number is", "call me back",
];

export function sttPhrasesFor(snapshot: TAgentSnapshot): string[] {
  const phrases = new Set<string>(COMMON_PHRASES);
  // The caller is asked whether the call may be recorded: the answers must be heard right.
  if (snapshot.config.recordingMode === "ask_consent") for (const phrase of CONSENT_PHRASES) phrases.add(phrase);
  for (const item of snapshot.knowledge) {
    if (item.kind === "qa" && item.title.trim()) phrases.add(item.title.trim());
  }
  for (const d of snapshot.departments) {
    const name = d.name.trim();
    if (!name) continue;
    phrases.add(name);
    phrases.add(`transfer me to ${name}`);
    phrases.add(`can i speak to ${name}`);
    phrases.add(`i need ${name}`);
  }
  for (const field of snapshot.config.captureFields) phrases.add(field.label.trim());
  // Last, so the lists above keep their place under a key-term limit: the names and terms the answers use
  // ("Delta Dental", "Larkspur Avenue") and what each department handles ("severe tooth pain"), which callers say
  // in their own sentences.
  for (const item of snapshot.knowledge) for (const name of properNames(item.content)) phrases.add(name);
  for (const d of snapshot.departments) for (const term of shortTerms(d.whenToTransfer ?? "")) phrases.add(term);
  return [...phrases].filter(Boolean).slice(0, 500);
}

// Capitalised runs inside sentences: "We accept Delta Dental and Cigna." -> "Delta Dental", "Cigna".
export function properNames(text: string): string[] {
  const names: string[] = [];
  for (const sentence of text.split(/(?<=[.!?])\s+|\n+/)) {
    const words = sentence.trim().split(/\s+/);
    let run: string[] = [];
    const flush = () => {
      if (run.length > 0 && run.length <= 4) names.push(run.join(" "));
      run = [];
    };
    words.forEach((raw, i) => {
      const word = raw.replace(/^[^\p{L}\d]+|[^\p{L}\d]+$/gu, "");
      const isName = i > 0 && /^\p{Lu}[\p{L}'-]*$/u.test(word) && word !== "I";
      if (isName) run.push(word);
      else flush();
      if (isName && /[,;:.!?)]$/.test(raw)) flush();
    });
    flush();
  }
  return names;
}

// The pieces of a "when to transfer" text: "Dental emergencies: severe tooth pain, swelling or bleeding" ->
// "Dental emergencies", "severe tooth pain", "swelling", "bleeding".
export function shortTerms(text: string): string[] {
  return text
    .split(/[,;:.()\n]|\b(?:or|and|a|an|the)\b/i)
    .map((t) => t.trim().replace(/\s+/g, " "))
    .filter((t) => t && t.split(" ").length <= 4);
}

// ---- knowledge terms by class, for the offline recogniser's language model ------------------------------------

const INSURANCE = /\b(insurances?|insurers?|insured|coverage|covered|in[- ]network|(?:insurance|dental|health) plans?|medicaid|medicare)\b/i;
const PRICE = /\b(prices?|pricing|costs?|fees?|charges?|rates?|dollars?|euros?|pounds?)\b|[$€£]\s?\d/i;
const PLACE = /\b(address|located|location|directions|street|avenue|road|boulevard|parking|find us)\b/i;
// Words of a price entry's title that are not the service: "Teeth whitening price" -> "teeth whitening".
const PRICE_WORDS = new Set(
  `how much what what's whats is are does do did a an the of for our your my price prices pricing cost costs fee fees
  charge charges rate rates much`.split(/\s+/),
);
// "next to the post office", "behind the building": landmarks said after these words.
const LANDMARK = /\b(?:next to|near|behind|across from|opposite|beside|close to|in front of|above|below)\s+((?:the\s+)?[\p{L}'-]+(?:\s+[\p{L}'-]+){0,2})/giu;
const MAX_FACT_SENTENCES = 400;

// The agent's terms by what they name, for a recogniser that generalises from patterns: the insurers its insurance
// entries name, the services its price entries are about, the streets and landmarks of its address, its departments.
// An entry is classed by its words, so it works for whatever business the knowledge describes.
export function sttVocabularyFor(snapshot: TAgentSnapshot): TSttVocabulary {
  const insurers = new Set<string>();
  const services = new Set<string>();
  const places = new Set<string>();
  const facts: string[] = [];
  for (const item of snapshot.knowledge) {
    const text = `${item.title} ${item.content}`;
    if (INSURANCE.test(text)) for (const name of properNames(item.content)) insurers.add(name);
    if (PRICE.test(text)) for (const service of servicesOf(item)) services.add(service);
    if (PLACE.test(text)) for (const place of placesOf(item.content)) places.add(place);
    for (const sentence of item.content.split(/(?<=[.!?])\s+|\n+/)) {
      if (sentence.trim() && facts.length < MAX_FACT_SENTENCES) facts.push(sentence.trim());
    }
  }
  const departments = snapshot.departments.map((d) => d.name.trim()).filter(Boolean);
  return {
    insurers: [...insurers],
    services: [...services],
    places: [...places],
    departments,
    business: snapshot.teamName.trim() ? [snapshot.teamName.trim()] : [],
    facts,
  };
}

// "Teeth whitening price" -> "teeth whitening", "whitening"; "Checkup and exam price" -> "checkup", "exam".
function servicesOf(item: TKnowledgeItem): string[] {
  const out: string[] = [];
  for (const piece of item.title.toLowerCase().split(/\band\b|[,&/?!.]|\bor\b/)) {
    const words = piece.split(/\s+/).filter((w) => w && !PRICE_WORDS.has(w));
    if (words.length === 0 || words.length > 3) continue;
    out.push(words.join(" "));
    if (words.length > 1) out.push(words.at(-1)!);
  }
  return out;
}

// "418 Larkspur Avenue, next to the post office" -> "Larkspur Avenue", "Larkspur", "the post office".
function placesOf(content: string): string[] {
  const out: string[] = [];
  for (const name of properNames(content)) {
    out.push(name);
    const street = name.match(/^(.+?)\s+(?:street|avenue|road|boulevard|lane|drive|way|place|square)$/i);
    if (street) out.push(street[1]!);
  }
  for (const match of content.matchAll(LANDMARK)) out.push(match[1]!.replace(/[.,;:!?]+$/, ""));
  return out;
}
