import type { TAgentSnapshot } from "@/lib/agents/config";

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
  return [...phrases].filter(Boolean).slice(0, 500);
}
