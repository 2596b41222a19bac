import type { TTemplateContent } from "@/lib/agents/templates";
import { proposeScenarios } from "./propose";
import type { TScenarioInput } from "./types";

// The suite every agent made from a template starts with, built from the template's own knowledge and departments
// (the same proposals as the Tests tab's button) plus a call that ends: a business that edits an answer or a
// department sees at once which scenario its change breaks.
export function starterSuite(content: Pick<TTemplateContent, "knowledge" | "departments">): TScenarioInput[] {
  return [
    // Proposals read only the kind, title and content of entries, and the name and reason of departments.
    ...proposeScenarios({
      knowledge: content.knowledge.map((k, i) => ({ ...k, id: `template-${i}` })),
      departments: content.departments.map((d, i) => ({ ...d, id: `template-${i}` })),
    }),
    {
      name: "Says goodbye",
      steps: [{ kind: "say", text: "Thanks, that's all. Goodbye." }],
      expectations: [{ kind: "ended_politely" }, { kind: "max_turns", turns: 4 }, { kind: "max_dead_air", seconds: 5 }],
    },
  ];
}
