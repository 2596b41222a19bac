import { afterEach, describe, expect, it } from "vitest";
import { FakeGemini } from "@/tests/fakes/gemini";
import type { TObservedCall } from "./checks";
import { checkScenario, createGeminiJudge, judgeByRules, rulesFromInstruction } from "./judge";
import { parseCallerScript, formatCallerScript } from "./script-text";
import { ZScenarioInput } from "./types";

const call = (over: Partial<TObservedCall> = {}): TObservedCall => ({
  turns: [
    { speaker: "agent", text: "Thanks for calling Acme Dental, how can I help?", atMs: 0 },
    { speaker: "caller", text: "My face is swollen and it hurts", atMs: 3_000 },
    { speaker: "agent", text: "I'm sorry to hear that. Let me put you through to our emergency line.", atMs: 5_000 },
    { speaker: "event", text: "Transferred to Emergency", atMs: 6_000 },
  ],
  transfers: ["Emergency"],
  messages: [],
  endReason: "transferred",
  latencies: { replyMs: [2_000], greetingMs: 400 },
  ...over,
});

describe("the deterministic judge (no Gemini key)", () => {
  it("reads quoted phrases, negations, transfers, messages and limits out of an instruction", () => {
    expect(
      rulesFromInstruction('The agent says "emergency" and never mentions "price". It transfers the call to the Emergency department. At most 6 turns.'),
    ).toEqual([
      { kind: "mentions", anyOf: ["emergency"] },
      { kind: "avoids", anyOf: ["price"] },
      { kind: "transfer", department: "Emergency" },
      { kind: "max_turns", turns: 6 },
    ]);
    expect(rulesFromInstruction("Takes a message; ends the call politely; no dead air over 4 seconds")).toEqual([
      { kind: "message" },
      { kind: "ended_politely" },
      { kind: "max_dead_air", seconds: 4 },
    ]);
  });

  it("passes and fails with the reasons of the checks it ran, and says so when it understood nothing", () => {
    const judge = { kind: "judge" as const, instruction: 'Apologizes, transfers to Emergency and never says "price".' };
    const ok = judgeByRules(judge, call());
    expect(ok).toMatchObject({ passed: true, judgedBy: "rules" });
    expect(ok.reason).toMatch(/^Judged by rules \(no Gemini key\): /);
    const bad = judgeByRules({ kind: "judge", instruction: 'Transfers to Billing and says "nine".' }, call());
    expect(bad.passed).toBe(false);
    expect(bad.reason).toContain('transferred to "Emergency", not "Billing"');
    expect(bad.reason).toContain('No reply mentioned "nine"');
    const vague = judgeByRules({ kind: "judge", instruction: "The agent is empathetic and helpful." }, call());
    expect(vague.passed).toBe(false);
    expect(vague.reason).toContain("set GEMINI_API_KEY for the LLM judge");
  });

  it("is used by checkScenario when no LLM judge is configured", async () => {
    const results = await checkScenario([{ kind: "transfer", department: "emergency" }, { kind: "judge", instruction: 'Says "sorry".' }], call(), null);
    expect(results.map((r) => [r.expectation.kind, r.passed, r.judgedBy ?? null])).toEqual([
      ["transfer", true, null],
      ["judge", true, "rules"],
    ]);
  });
});

describe("the LLM judge (Gemini through @google/genai)", () => {
  let gemini: FakeGemini | null = null;
  afterEach(async () => {
    await gemini?.close();
    gemini = null;
  });

  it("sends the instruction, transcript and facts, and shows the model's verdict and reason", async () => {
    gemini = await FakeGemini.start({
      firstTokenLatencyMs: 5,
      respond: (request) => {
        const prompt = JSON.stringify(request.body.contents);
        return { json: prompt.includes("empathetic") ? { passed: true, reason: "It apologized before transferring." } : { passed: false, reason: "No apology." } };
      },
    });
    const judge = createGeminiJudge({ apiKey: gemini.apiKey, baseUrl: gemini.url, model: "gemini-2.5-flash" });
    const verdict = await judge({ kind: "judge", instruction: "The agent is empathetic before it transfers." }, call());
    expect(verdict).toMatchObject({ passed: true, judgedBy: "llm", reason: "Judged by the LLM: It apologized before transferring." });
    const request = gemini.requests[0]!;
    expect(request.method).toBe("generateContent");
    expect(request.body.generationConfig).toMatchObject({ responseMimeType: "application/json" });
    const prompt = JSON.stringify(request.body.contents);
    expect(prompt).toContain("My face is swollen");
    expect(prompt).toContain("Transfers: Emergency");
    const failing = await judge({ kind: "judge", instruction: "The agent is cold." }, call());
    expect(failing).toMatchObject({ passed: false, reason: "Judged by the LLM: No apology." });
  });

  it("fails the expectation with a reason when the model answers nonsense or cannot be reached", async () => {
    gemini = await FakeGemini.start({ firstTokenLatencyMs: 5, respond: () => ({ json: { verdict: "yes" } }) });
    const judge = createGeminiJudge({ apiKey: gemini.apiKey, baseUrl: gemini.url, model: "gemini-2.5-flash" });
    expect(await judge({ kind: "judge", instruction: "Anything" }, call())).toMatchObject({ passed: false, reason: "The LLM judge gave no usable verdict; run the suite again." });
    const url = gemini.url;
    await gemini.close();
    gemini = null;
    const offline = createGeminiJudge({ apiKey: "k", baseUrl: url, model: "gemini-2.5-flash", timeoutMs: 3_000 });
    const result = await offline({ kind: "judge", instruction: "Anything" }, call());
    expect(result.passed).toBe(false);
    expect(result.reason).toMatch(/^The LLM judge could not be reached/);
  });
});

describe("interruptions in the caller script", () => {
  it("parses [interrupt N] with the rest of its row as the line, and writes it back the same way", () => {
    const parsed = parseCallerScript("What are your hours?\n[interrupt 700] Actually, where are you?\n[hangup]");
    expect(parsed).toEqual({
      ok: true,
      steps: [
        { kind: "say", text: "What are your hours?" },
        { kind: "interrupt", afterMs: 700, text: "Actually, where are you?" },
        { kind: "hangup" },
      ],
    });
    if (parsed.ok) expect(formatCallerScript(parsed.steps)).toBe("What are your hours?\n[interrupt 700] Actually, where are you?\n[hangup]");
    expect(parseCallerScript("[interrupt 700]")).toEqual({ ok: false, error: "Row 1: [interrupt 700] is followed by what the caller says over the agent, and nothing else." });
    expect(parseCallerScript("[interrupt soon] hi")).toEqual({ ok: false, error: "Row 1: [interrupt N] needs milliseconds from 0 to 30000." });
    expect(parseCallerScript("hi\n[interrupt 10] wait [hangup]")).toMatchObject({ ok: false });
  });

  it("allows one judge instruction per scenario", () => {
    const base = { name: "x", steps: [{ kind: "say", text: "hi" }] };
    expect(ZScenarioInput.safeParse({ ...base, expectations: [{ kind: "judge", instruction: "Be nice." }] }).success).toBe(true);
    const two = ZScenarioInput.safeParse({ ...base, expectations: [{ kind: "judge", instruction: "Be nice." }, { kind: "judge", instruction: "Be fast." }] });
    expect(two.success).toBe(false);
    expect(two.error?.issues[0]?.message).toBe("A scenario has at most one judge instruction.");
  });
});
