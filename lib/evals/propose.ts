import type { TAgentSnapshot } from "@/lib/agents/config";
import type { TScenarioInput } from "./types";

// Scenarios built from the agent's own knowledge and departments: one question per Q&A entry expecting a phrase of
// its answer, one transfer request per department phrased from its "when to transfer" text. A starting point a
// team edits, not a verdict: a phrase picked from an answer is the most specific part of it (numbers, names).

const STOP = new Set(
  "a an the and or but to of in on at for from with by is are was were be been it its this that these those we our you your they their i me my us as if so not no yes do does can will would should could please also any all more most some such than then there here what when where which who how about into over under up down out".split(" "),
);

// The answer's most telling phrase: a clause with a number, else its longest run of content words (up to 4).
export function keyPhrase(answer: string): string | null {
  const clauses = answer
    .split(/[.;,!?\n]+/)
    .map((c) => c.trim())
    .filter(Boolean);
  for (const clause of clauses) {
    const m = clause.match(/\b[\w$]*\d[\w:.$]*(?:\s+(?:am|pm|dollars|minutes|hours|days))?/i);
    if (m) return m[0].replace(/[.]$/, "");
  }
  let best: string[] = [];
  for (const clause of clauses) {
    let run: string[] = [];
    for (const word of clause.split(/\s+/)) {
      const w = word.replace(/[^\w'-]/g, "");
      if (w && !STOP.has(w.toLowerCase()) && w.length > 2) {
        run.push(w);
        if (run.length > best.length) best = [...run];
        if (run.length === 4) run = [];
      } else run = [];
    }
  }
  return best.length ? best.slice(0, 3).join(" ") : null;
}

function questionFor(title: string): string {
  const t = title.trim().replace(/\s+/g, " ");
  if (/\?$/.test(t)) return t;
  return `Can you tell me about ${t.replace(/[.!]$/, "").toLowerCase()}?`;
}

const IRREGULAR: Record<string, string> = { is: "am", has: "have", does: "do", was: "was" };

// The department's reason in the caller's words ("The caller has a question about an invoice, ..." becomes "I have a
// question about an invoice."; "Charges, refunds and plan changes." becomes "It's about charges."), then the ask.
export function transferRequest(whenToTransfer: string, name: string): string {
  const first = (whenToTransfer.trim().replace(/[.!?]+$/, "").split(/,\s*(?:or\s+)?|;|\s+or\s+/)[0] ?? "").trim();
  const ask = `Can I speak to ${name}?`;
  if (!first) return ask;
  const caller = /^(?:the\s+)?caller\s+(\w+)\b(.*)$/i.exec(first);
  if (caller) {
    const verb = (caller[1] ?? "").toLowerCase();
    const mine = IRREGULAR[verb] ?? verb.replace(/(?<=[^s])s$/, "");
    const rest = (caller[2] ?? "").replace(/\b(their|his|her)\b/gi, "my").replace(/\bthey\b/gi, "I");
    return `I ${mine}${rest}. ${ask}`;
  }
  return `It's about ${first.charAt(0).toLowerCase()}${first.slice(1)}. ${ask}`;
}

export function proposeScenarios(snapshot: Pick<TAgentSnapshot, "knowledge" | "departments">, existingNames: Set<string> = new Set()): TScenarioInput[] {
  const out: TScenarioInput[] = [];
  const add = (s: TScenarioInput) => {
    const name = s.name.slice(0, 120);
    if (existingNames.has(name.toLowerCase())) return;
    existingNames.add(name.toLowerCase());
    out.push({ ...s, name });
  };
  for (const entry of snapshot.knowledge) {
    if (entry.kind !== "qa" || !entry.title.trim()) continue;
    const phrase = keyPhrase(entry.content);
    if (!phrase) continue;
    add({
      name: `Asks: ${entry.title.trim()}`,
      steps: [{ kind: "say", text: questionFor(entry.title).slice(0, 1_000) }],
      expectations: [{ kind: "mentions", anyOf: [phrase.slice(0, 200)] }, { kind: "max_dead_air", seconds: 5 }],
    });
  }
  for (const department of snapshot.departments) {
    if (!department.name.trim()) continue;
    add({
      name: `Transfer: ${department.name.trim()}`,
      steps: [{ kind: "say", text: transferRequest(department.whenToTransfer, department.name).slice(0, 1_000) }],
      expectations: [{ kind: "transfer", department: department.name.trim().slice(0, 200) }],
    });
  }
  return out;
}
