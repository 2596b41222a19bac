import type { TAgentSnapshot } from "@/lib/agents/config";
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
