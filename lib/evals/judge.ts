import { GoogleGenAI, Type, type Schema } from "@google/genai";
import { z } from "zod";
import { geminiHttpOptions } from "@/lib/net/gemini-http-options";
import { checkExpectation, type TObservedCall } from "./checks";
import type { TExpectation, TExpectationResult } from "./types";

// A scenario's judge instruction ("the agent offers the emergency line and never gives a price"): with a Gemini
// key, the LLM reads the call and decides, with its reason; without one, the instruction is read by rules into the
// deterministic checks it names (quoted phrases, a transfer, a message, a goodbye, limits), so a suite written
// offline still judges something real, and says plainly when it cannot.

export type TJudgeExpectation = Extract<TExpectation, { kind: "judge" }>;
export type TJudge = (expectation: TJudgeExpectation, call: TObservedCall) => Promise<TExpectationResult>;

const NEGATION = /\b(not|never|no|without|avoid|avoids|avoiding|don't|doesn't|do not|does not|must not|mustn't|shouldn't|should not)\b/i;
// Double quotes only: an apostrophe ("doesn't") would open a phrase.
const QUOTED = /["“”]([^"“”]{1,200})["“”]/g;

export type TRuleClause = TExpectation;

// The deterministic checks an instruction names. Clauses are split on sentence ends, ";" and " and ".
export function rulesFromInstruction(instruction: string): TRuleClause[] {
  const out: TRuleClause[] = [];
  const clauses = instruction
    .split(/(?<=[.!?;])\s+|;|\s+and\s+(?=(?:it|the agent|they|then)?\s*\w)/i)
    .map((c) => c.trim())
    .filter(Boolean);
  for (const clause of clauses) {
    const lower = clause.toLowerCase();
    const isNegated = NEGATION.test(clause);
    const quoted = [...clause.matchAll(QUOTED)].map((m) => (m[1] ?? "").trim()).filter(Boolean);
    if (quoted.length > 0) {
      out.push({ kind: isNegated ? "avoids" : "mentions", anyOf: quoted.slice(0, 10) });
      continue;
    }
    const transfer = /\btransfer(?:s|red|ring)?\s+(?:the\s+(?:call|caller)\s+)?to\s+(?:the\s+)?(.+?)(?:\s+(?:department|line|team))?\s*[.!]?$/i.exec(clause);
    if (transfer?.[1] && !isNegated) {
      out.push({ kind: "transfer", department: transfer[1].trim().slice(0, 200) });
      continue;
    }
    if (/\b(take|takes|took|taking|store|stores|stored|record|records|leave|leaves)\b.*\bmessage\b/.test(lower) && !isNegated) {
      out.push({ kind: "message" });
      continue;
    }
    if (/\b(goodbye|good bye|ends? the call politely|politely ends?|hangs? up politely|says? bye)\b/.test(lower) && !isNegated) {
      out.push({ kind: "ended_politely" });
      continue;
    }
    const turns = /\b(?:at most|no more than|within|under)\s+(\d{1,3})\s+turns?\b/.exec(lower);
    if (turns?.[1]) {
      out.push({ kind: "max_turns", turns: Math.max(1, Math.min(100, Number(turns[1]))) });
      continue;
    }
    const deadAir = /\b(?:no|never)\s+(?:dead air|silence|long pauses?)(?:\s+(?:over|longer than|above)\s+(\d+(?:\.\d+)?)\s*s(?:econds?)?)?/.exec(lower);
    if (deadAir || /\banswers? every (?:question|line|turn)\b/.test(lower)) {
      const seconds = deadAir?.[1] ? Number(deadAir[1]) : 5;
      out.push({ kind: "max_dead_air", seconds: Math.max(0.5, Math.min(60, seconds)) });
      continue;
    }
    if (/\b(apologi[sz]es?|says? sorry)\b/.test(lower)) {
      out.push(isNegated ? { kind: "avoids", anyOf: ["sorry", "apologize", "apologise"] } : { kind: "mentions", anyOf: ["sorry", "apologize", "apologise"] });
    }
  }
  return out;
}

export function judgeByRules(expectation: TJudgeExpectation, call: TObservedCall): TExpectationResult {
  const rules = rulesFromInstruction(expectation.instruction);
  if (rules.length === 0) {
    return {
      expectation,
      passed: false,
      judgedBy: "rules",
      reason:
        "Without a Gemini key the judge reads instructions by rules, and none applied here. It understands quoted phrases the agent must (or must not) say, " +
        '"transfers to <department>", "takes a message", "ends the call politely", "at most N turns" and "no dead air". Rephrase it, or set GEMINI_API_KEY for the LLM judge.',
    };
  }
  const results = rules.map((rule) => checkExpectation(rule, call));
  const failed = results.filter((r) => !r.passed);
  const reasons = (failed.length > 0 ? failed : results).map((r) => r.reason).join(" ");
  return { expectation, passed: failed.length === 0, judgedBy: "rules", reason: `Judged by rules (no Gemini key): ${reasons}` };
}

const ZVerdict = z.object({ passed: z.boolean(), reason: z.string().trim().min(1).max(1_000) });
const VERDICT_SCHEMA: Schema = {
  type: Type.OBJECT,
  properties: {
    passed: { type: Type.BOOLEAN, description: "true only if the call fully satisfies the instruction" },
    reason: { type: Type.STRING, description: "One or two sentences citing what the agent said or did" },
  },
  required: ["passed", "reason"],
  propertyOrdering: ["passed", "reason"],
};

export function judgePrompt(instruction: string, call: TObservedCall): string {
  const lines = call.turns.map((t) => {
    const at = `[${(t.atMs / 1000).toFixed(1)} s]`;
    if (t.speaker === "event") return `${at} (${t.text})`;
    return `${at} ${t.speaker === "caller" ? "Caller" : "Agent"}: ${t.text}${t.isInterrupted ? " (cut off by the caller)" : ""}`;
  });
  const facts = [
    `Call ended: ${call.endReason ?? "still open"}.`,
    `Transfers: ${call.transfers.length > 0 ? call.transfers.join(", ") : "none"}.`,
    `Messages stored: ${call.messages.length > 0 ? call.messages.map((m) => `name "${m.callerName}", number "${m.callbackNumber}", message "${m.message}"`).join("; ") : "none"}.`,
  ];
  return [
    "You are grading a test call between a simulated caller and a business's AI phone agent.",
    "Decide whether the agent's behaviour satisfies the instruction below. Judge only what the transcript and the facts show.",
    "",
    `Instruction: ${instruction}`,
    "",
    ...facts,
    "",
    "Transcript:",
    lines.join("\n") || "(nothing was said)",
  ].join("\n");
}

export function createGeminiJudge(config: { apiKey: string; baseUrl?: string; model: string; timeoutMs?: number }): TJudge {
  const ai = new GoogleGenAI({ apiKey: config.apiKey, httpOptions: geminiHttpOptions(config.baseUrl) });
  return async (expectation, call) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), config.timeoutMs ?? 30_000);
    try {
      const response = await ai.models.generateContent({
        model: config.model,
        contents: judgePrompt(expectation.instruction, call),
        config: { responseMimeType: "application/json", responseSchema: VERDICT_SCHEMA, temperature: 0, abortSignal: controller.signal },
      });
      const verdict = ZVerdict.safeParse(JSON.parse(response.text ?? ""));
      if (!verdict.success) return { expectation, passed: false, judgedBy: "llm", reason: "The LLM judge gave no usable verdict; run the suite again." };
      return { expectation, passed: verdict.data.passed, judgedBy: "llm", reason: `Judged by the LLM: ${verdict.data.reason}` };
    } catch (error) {
      // The judge being unreachable is not a verdict on the agent; it still fails the expectation, saying why.
      const why = error instanceof Error ? error.message : String(error);
      return { expectation, passed: false, judgedBy: "llm", reason: `The LLM judge could not be reached (${why.slice(0, 200)}); run the suite again.` };
    } finally {
      clearTimeout(timer);
    }
  };
}

// Every expectation of a scenario: deterministic checks, and its judge instruction through the judge given (the
// rules when there is none).
export async function checkScenario(expectations: TExpectation[], call: TObservedCall, judge: TJudge | null): Promise<TExpectationResult[]> {
  return Promise.all(
    expectations.map(async (e) => {
      if (e.kind !== "judge") return checkExpectation(e, call);
      return judge ? judge(e, call) : judgeByRules(e, call);
    }),
  );
}
