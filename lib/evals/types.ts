import { z } from "zod";

// A test scenario: what the caller does, step by step, and what must happen. Parsed with zod wherever it comes in
// (server actions, the API, rows read back), so a bad scenario is refused with a message that says which part.

const zPhrase = z.string().trim().min(1, "A phrase cannot be empty.").max(200, "A phrase is at most 200 characters.");

export const ZScenarioStep = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("say"), text: z.string().trim().min(1, "A caller line cannot be empty.").max(1_000, "A caller line is at most 1000 characters.") }),
  z.object({ kind: z.literal("pause"), ms: z.number().int().min(50, "A pause is at least 50 ms.").max(30_000, "A pause is at most 30000 ms.") }),
  z.object({ kind: z.literal("dtmf"), digits: z.string().regex(/^[0-9*#]{1,20}$/, "DTMF digits are 0-9, * and # (at most 20).") }),
  z.object({ kind: z.literal("silence"), seconds: z.number().int().min(1, "Silence is at least 1 second.").max(60, "Silence is at most 60 seconds.") }),
  z.object({ kind: z.literal("hangup") }),
  // The caller talks over the agent: this line starts afterMs after the agent starts its next reply (or at once
  // if it is already speaking). Voice mode plays it over the agent's audio; text mode types it at that moment.
  z.object({
    kind: z.literal("interrupt"),
    afterMs: z.number().int().min(0, "An interruption is at least 0 ms into the reply.").max(30_000, "An interruption is at most 30000 ms into the reply."),
    text: z.string().trim().min(1, "An interruption needs what the caller says.").max(1_000, "A caller line is at most 1000 characters."),
  }),
]);
export type TScenarioStep = z.infer<typeof ZScenarioStep>;

export const ZExpectation = z.discriminatedUnion("kind", [
  // Some agent reply mentions one of the phrasings (case-insensitive).
  z.object({ kind: z.literal("mentions"), anyOf: z.array(zPhrase).min(1, "Give at least one phrasing.").max(10) }),
  // No agent reply mentions any of them.
  z.object({ kind: z.literal("avoids"), anyOf: z.array(zPhrase).min(1, "Give at least one phrasing.").max(10) }),
  z.object({ kind: z.literal("transfer"), department: zPhrase }),
  // A message was stored whose fields contain these values (case-insensitive; a number compares by its digits).
  z.object({
    kind: z.literal("message"),
    name: z.string().trim().max(200).optional(),
    callbackNumber: z.string().trim().max(40).optional(),
    contains: z.string().trim().max(200).optional(),
  }),
  // The agent ended the call, with a goodbye.
  z.object({ kind: z.literal("ended_politely") }),
  // No caller turn waited longer than this for the agent to start answering.
  z.object({ kind: z.literal("max_dead_air"), seconds: z.number().min(0.5, "Dead air limit is at least 0.5 s.").max(60) }),
  z.object({ kind: z.literal("max_turns"), turns: z.number().int().min(1, "At least 1 turn.").max(100) }),
  // A free-text instruction for a judge: the LLM with a Gemini key, the deterministic judge otherwise.
  z.object({
    kind: z.literal("judge"),
    instruction: z.string().trim().min(3, "Write what the judge should check.").max(1_000, "A judge instruction is at most 1000 characters."),
  }),
]);
export type TExpectation = z.infer<typeof ZExpectation>;

export const ZScenarioInput = z.object({
  name: z.string().trim().min(1, "Give the scenario a name.").max(120, "A name is at most 120 characters."),
  steps: z
    .array(ZScenarioStep)
    .min(1, "A scenario needs at least one caller step.")
    .max(40, "A scenario has at most 40 steps.")
    .refine((steps) => steps.some((s) => s.kind !== "pause"), "A scenario needs something the caller does besides pausing."),
  expectations: z
    .array(ZExpectation)
    .min(1, "A scenario needs at least one expectation.")
    .max(20, "A scenario has at most 20 expectations.")
    .refine((list) => list.filter((e) => e.kind === "judge").length <= 1, "A scenario has at most one judge instruction."),
});
export type TScenarioInput = z.infer<typeof ZScenarioInput>;

export const MAX_SCENARIOS_PER_AGENT = 50;

// judgedBy: which judge decided a "judge" expectation (the LLM, or the deterministic rules without a key).
export type TExpectationResult = { expectation: TExpectation; passed: boolean; reason: string; judgedBy?: "llm" | "rules" };

export type TResultTurn = {
  speaker: "caller" | "agent" | "event";
  text: string;
  atMs: number;
  isInterrupted?: boolean;
  // Voice mode: the line the script said, when the caller turn (what speech-to-text heard) is matched to it.
  said?: string;
};

export type TResultLatencies = {
  // Caller turn end to the agent's first words, per caller turn (null: the agent never answered it).
  replyMs: (number | null)[];
  greetingMs: number | null;
  // Voice mode, per agent reply, from the call record: speech-to-text final, LLM first token, TTS first byte.
  stages?: { sttFinalMs: number | null; llmFirstTokenMs: number | null; ttsFirstByteMs: number | null }[];
};

export const ZRunTarget = z.enum(["draft", "live"], { error: 'version must be "draft" or "live".' });
export type TRunTarget = z.infer<typeof ZRunTarget>;

// text: typed caller lines through the CallSession in the worker (seconds per scenario). voice: caller lines
// synthesized and streamed as 20 ms mu-law frames to the voice server, speech-to-text included, as a phone call.
export const ZRunMode = z.enum(["text", "voice"], { error: 'mode must be "text" or "voice".' });
export type TRunMode = z.infer<typeof ZRunMode>;
