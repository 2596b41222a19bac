import { GoogleGenAI, Type, type Schema } from "@google/genai";
import { z } from "zod";
import { structuralOutcome } from "./local-analyzer";
import { KEPT_OUTCOMES, type TAnalysisInput, type TAnalysisResult } from "./types";
import { geminiHttpOptions } from "@/lib/net/gemini-http-options";

export type TGeminiAnalysisConfig = { apiKey: string; baseUrl?: string; model?: string; timeoutMs?: number; attempts?: number };

export class AnalysisError extends Error {
  constructor(message: string, readonly cause?: unknown) {
    super(message);
    this.name = "AnalysisError";
  }
}

const SENTIMENT = { type: Type.STRING, enum: ["positive", "neutral", "negative"] } satisfies Schema;

// Gemini's structured output: a schema, not a prompt asking nicely for JSON. Capture fields come back as key/value
// pairs because a response schema cannot describe an object whose keys depend on the agent.
const RESPONSE_SCHEMA: Schema = {
  type: Type.OBJECT,
  properties: {
    summary: { type: Type.STRING, description: "Two or three sentences: what the caller wanted and how the call ended." },
    sentiment: { ...SENTIMENT, description: "The caller's overall sentiment, weighted towards the end of the call." },
    sentimentScore: { type: Type.NUMBER, description: "-1 very negative .. 1 very positive" },
    topic: { type: Type.STRING, description: "A short noun phrase (2-4 words) naming what the call was about, e.g. 'Appointment booking'." },
    outcome: { type: Type.STRING, enum: ["resolved", "abandoned"], description: "resolved if the caller got what they needed." },
    turnSentiments: {
      type: Type.ARRAY,
      items: { type: Type.OBJECT, properties: { seq: { type: Type.INTEGER }, sentiment: SENTIMENT }, required: ["seq", "sentiment"] },
    },
    capturedFields: {
      type: Type.ARRAY,
      items: { type: Type.OBJECT, properties: { key: { type: Type.STRING }, value: { type: Type.STRING } }, required: ["key", "value"] },
    },
  },
  required: ["summary", "sentiment", "sentimentScore", "topic", "outcome", "turnSentiments", "capturedFields"],
  propertyOrdering: ["summary", "sentiment", "sentimentScore", "topic", "outcome", "turnSentiments", "capturedFields"],
};

const ZSentiment = z.enum(["positive", "neutral", "negative"]);
const ZGeminiAnalysis = z.object({
  summary: z.string().trim().min(1).max(2000),
  sentiment: ZSentiment,
  sentimentScore: z.number().min(-1).max(1),
  topic: z.string().trim().max(120),
  outcome: z.enum(["resolved", "abandoned"]),
  turnSentiments: z.array(z.object({ seq: z.number().int(), sentiment: ZSentiment })),
  capturedFields: z.array(z.object({ key: z.string(), value: z.string() })),
});

function buildPrompt(input: TAnalysisInput): string {
  const transcript = input.turns
    .map((t) => `[${t.seq}] ${t.speaker === "caller" ? "Caller" : "Agent"}${t.isInterrupted ? " (interrupted)" : ""}: ${t.text}`)
    .join("\n");
  const fields =
    input.captureFields.length > 0
      ? input.captureFields.map((f) => `- ${f.key} (${f.label})${f.description ? `: ${f.description}` : ""}`).join("\n")
      : "(none)";
  return [
    "Analyze this phone call between a caller and a business's AI agent.",
    `What the phone system recorded: outcome=${input.outcome ?? "unknown"}, end reason=${input.endReason ?? "unknown"}` +
      `${input.transferredTo ? `, transferred to ${input.transferredTo}` : ""}${input.hasMessage ? ", a message was taken" : ""}.`,
    `Tools the agent used: ${input.toolNames.length > 0 ? input.toolNames.join(", ") : "none"}.`,
    `Topics the business has answers for: ${input.knowledgeTitles.slice(0, 30).join("; ") || "(none)"}.`,
    "Capture fields (extract only values the caller actually said; leave out the rest):",
    fields,
    "Give a sentiment for each caller turn by its [seq] number.",
    "",
    "Transcript:",
    transcript || "(no speech)",
  ].join("\n");
}

// One analysis through Gemini. A reply that is not valid JSON of the expected shape is asked for again, up to
// `attempts` times; then AnalysisError, which the queue retries later with backoff.
export async function analyzeWithGemini(input: TAnalysisInput, config: TGeminiAnalysisConfig): Promise<TAnalysisResult> {
  const ai = new GoogleGenAI({
    apiKey: config.apiKey,
    httpOptions: geminiHttpOptions(config.baseUrl),
  });
  const model = config.model ?? "gemini-2.5-flash";
  const attempts = config.attempts ?? 3;
  const prompt = buildPrompt(input);
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), config.timeoutMs ?? 60_000);
    let text: string | undefined;
    try {
      const response = await ai.models.generateContent({
        model,
        contents: prompt,
        config: {
          responseMimeType: "application/json",
          responseSchema: RESPONSE_SCHEMA,
          temperature: 0.2,
          abortSignal: controller.signal,
        },
      });
      text = response.text;
    } catch (error) {
      // Transport and API errors (quota, 5xx) are for the queue's backoff, not an immediate retry.
      throw new AnalysisError(`Gemini request failed: ${error instanceof Error ? error.message : String(error)}`, error);
    } finally {
      clearTimeout(timer);
    }
    try {
      const parsed = ZGeminiAnalysis.parse(JSON.parse(text ?? ""));
      return toResult(input, parsed);
    } catch (error) {
      lastError = error;
    }
  }
  throw new AnalysisError(`Gemini returned no valid analysis after ${attempts} attempts`, lastError);
}

function toResult(input: TAnalysisInput, parsed: z.infer<typeof ZGeminiAnalysis>): TAnalysisResult {
  const callerSeqs = new Set(input.turns.filter((t) => t.speaker === "caller").map((t) => t.seq));
  const allowedKeys = new Set(input.captureFields.map((f) => f.key));
  const capturedFields: Record<string, string> = {};
  for (const { key, value } of parsed.capturedFields) {
    if (allowedKeys.has(key) && value.trim() !== "" && !(key in capturedFields)) capturedFields[key] = value.trim().slice(0, 500);
  }
  const recorded = input.outcome && KEPT_OUTCOMES.includes(input.outcome) ? input.outcome : null;
  const structural = structuralOutcome(input);
  return {
    summary: parsed.summary,
    sentiment: parsed.sentiment,
    sentimentScore: Math.round(parsed.sentimentScore * 100) / 100,
    turnSentiments: parsed.turnSentiments.filter((t) => callerSeqs.has(t.seq)),
    topic: parsed.topic || null,
    // What the phone system knows for certain wins over the model's reading.
    outcome: recorded ?? structural ?? parsed.outcome,
    capturedFields,
  };
}
