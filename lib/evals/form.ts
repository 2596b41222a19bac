import { z } from "zod";
import { formatCallerScript, parseCallerScript } from "./script-text";
import type { TExpectation, TScenarioInput } from "./types";

// The scenario form (Tests tab) as fields, turned into a scenario. Each expectation is a field: "mentions" and
// "avoids" take one fact per line, with alternative phrasings separated by "|" ("9 am | nine in the morning").

const optionalText = (max: number) => z.string().trim().max(max, `At most ${max} characters.`).default("");
const optionalNumber = (label: string, min: number, max: number, isInt = true) =>
  z
    .string()
    .trim()
    .default("")
    .refine((v) => v === "" || (Number.isFinite(Number(v)) && (!isInt || Number.isInteger(Number(v))) && Number(v) >= min && Number(v) <= max), {
      message: `${label} is ${isInt ? "a whole number" : "a number"} from ${min} to ${max}.`,
    });

export const ZScenarioForm = z.object({
  name: z.string().trim().min(1, "Give the scenario a name.").max(120, "At most 120 characters."),
  script: z.string().max(20_000, "The script is too long."),
  mentions: optionalText(4_000),
  avoids: optionalText(4_000),
  transferTo: optionalText(200),
  messageName: optionalText(200),
  messageNumber: optionalText(40),
  messageContains: optionalText(200),
  endedPolitely: z.string().optional(),
  maxDeadAirSec: optionalNumber("Dead air", 0.5, 60, false),
  maxTurns: optionalNumber("Turns", 1, 100),
  judge: z.string().trim().max(1_000, "A judge instruction is at most 1000 characters.").default(""),
});
export type TScenarioForm = z.infer<typeof ZScenarioForm>;

function phraseLines(text: string): string[][] {
  return text
    .split(/\r?\n/)
    .map((line) =>
      line
        .split("|")
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .filter((alternatives) => alternatives.length > 0);
}

export type TFormResult = { ok: true; scenario: TScenarioInput } | { ok: false; fieldErrors: Record<string, string> };

export function scenarioFromForm(form: TScenarioForm): TFormResult {
  const script = parseCallerScript(form.script);
  if (!script.ok) return { ok: false, fieldErrors: { script: script.error } };
  const expectations: TExpectation[] = [];
  for (const anyOf of phraseLines(form.mentions)) expectations.push({ kind: "mentions", anyOf });
  for (const anyOf of phraseLines(form.avoids)) expectations.push({ kind: "avoids", anyOf });
  if (form.transferTo) expectations.push({ kind: "transfer", department: form.transferTo });
  if (form.messageName || form.messageNumber || form.messageContains) {
    expectations.push({
      kind: "message",
      ...(form.messageName ? { name: form.messageName } : {}),
      ...(form.messageNumber ? { callbackNumber: form.messageNumber } : {}),
      ...(form.messageContains ? { contains: form.messageContains } : {}),
    });
  }
  if (form.endedPolitely === "on" || form.endedPolitely === "true") expectations.push({ kind: "ended_politely" });
  if (form.maxDeadAirSec) expectations.push({ kind: "max_dead_air", seconds: Number(form.maxDeadAirSec) });
  if (form.maxTurns) expectations.push({ kind: "max_turns", turns: Number(form.maxTurns) });
  if (form.judge) {
    if (form.judge.length < 3) return { ok: false, fieldErrors: { judge: "Write what the judge should check." } };
    expectations.push({ kind: "judge", instruction: form.judge });
  }
  if (expectations.length === 0) return { ok: false, fieldErrors: { mentions: "Add at least one expectation: a fact to mention, a transfer, a message, a limit or a judge instruction." } };
  return { ok: true, scenario: { name: form.name, steps: script.steps, expectations } };
}

// The other way, to fill the edit form.
export function formFromScenario(scenario: TScenarioInput): Record<keyof TScenarioForm, string> {
  const e = scenario.expectations;
  const message = e.find((x) => x.kind === "message");
  return {
    name: scenario.name,
    script: formatCallerScript(scenario.steps),
    mentions: e.flatMap((x) => (x.kind === "mentions" ? [x.anyOf.join(" | ")] : [])).join("\n"),
    avoids: e.flatMap((x) => (x.kind === "avoids" ? [x.anyOf.join(" | ")] : [])).join("\n"),
    transferTo: e.find((x) => x.kind === "transfer")?.department ?? "",
    messageName: message?.name ?? "",
    messageNumber: message?.callbackNumber ?? "",
    messageContains: message?.contains ?? "",
    endedPolitely: e.some((x) => x.kind === "ended_politely") ? "on" : "",
    maxDeadAirSec: String(e.find((x) => x.kind === "max_dead_air")?.seconds ?? ""),
    maxTurns: String(e.find((x) => x.kind === "max_turns")?.turns ?? ""),
    judge: e.find((x) => x.kind === "judge")?.instruction ?? "",
  };
}

export function describeExpectation(e: TExpectation): string {
  switch (e.kind) {
    case "mentions":
      return `Mentions ${e.anyOf.map((p) => `"${p}"`).join(" or ")}`;
    case "avoids":
      return `Never mentions ${e.anyOf.map((p) => `"${p}"`).join(" or ")}`;
    case "transfer":
      return `Transfers to ${e.department}`;
    case "message":
      return `Stores a message${[e.name && ` from "${e.name}"`, e.callbackNumber && ` with number ${e.callbackNumber}`, e.contains && ` about "${e.contains}"`].filter(Boolean).join(",")}`;
    case "ended_politely":
      return "Agent ends the call with a goodbye";
    case "max_dead_air":
      return `No wait over ${e.seconds} s for a reply`;
    case "max_turns":
      return `At most ${e.turns} turns`;
    case "judge":
      return `Judge: ${e.instruction}`;
  }
}
