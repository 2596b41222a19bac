import { randomUUID } from "node:crypto";
import { GoogleGenAI, type Content, type GenerateContentConfig, type Part } from "@google/genai";
import { ProviderError, type TChatMessage, type TLlmEvent, type TLlmProvider, type TLlmRequest } from "../types";
import { abortError, backoffMs, sleep } from "../shared/async";
import { geminiHttpOptions } from "@/lib/net/gemini-http-options";

// Gemini through `@google/genai` 2.x streaming (protocols.md §6). The SDK does not retry unless asked, so the
// retry budget lives here: failures before the first token are retried with backoff inside a short budget;
// once anything was yielded the caller may already be hearing it, so a failure is thrown, never replayed.

export type TGeminiLlmOptions = {
  apiKey: string;
  baseUrl?: string;
  model?: string;
  temperature?: number;
  maxOutputTokens?: number;
  // Thinking adds seconds of silence on a phone line; 0 turns it off where the model allows it.
  thinkingBudget?: number;
  firstTokenTimeoutMs?: number;
  // Longest wait between two chunks once the answer has started.
  stallTimeoutMs?: number;
  retryBudgetMs?: number;
  maxRetries?: number;
};

type TConfig = {
  model: string;
  temperature?: number;
  maxOutputTokens?: number;
  thinkingBudget?: number;
  firstTokenTimeoutMs: number;
  stallTimeoutMs: number;
  retryBudgetMs: number;
  maxRetries: number;
};

// Ids we invent for calls Gemini returned without one; they are not sent back.
const LOCAL_ID_PREFIX = "gemini-local-";

export function createGeminiLlm(options: TGeminiLlmOptions): TLlmProvider {
  if (!options.apiKey) throw new Error("Gemini API key is required");
  const model = options.model ?? "gemini-2.5-flash";
  const ai = new GoogleGenAI({
    apiKey: options.apiKey,
    httpOptions: geminiHttpOptions(options.baseUrl),
  });
  const config: TConfig = {
    model,
    temperature: options.temperature,
    maxOutputTokens: options.maxOutputTokens,
    thinkingBudget: options.thinkingBudget ?? (/^gemini-2\.5-flash/.test(model) ? 0 : undefined),
    firstTokenTimeoutMs: options.firstTokenTimeoutMs ?? 4000,
    stallTimeoutMs: options.stallTimeoutMs ?? 8000,
    retryBudgetMs: options.retryBudgetMs ?? 2500,
    maxRetries: options.maxRetries ?? 2,
  };
  return { name: "gemini", stream: (request) => stream(ai, config, request) };
}

async function* stream(ai: GoogleGenAI, config: TConfig, request: TLlmRequest): AsyncGenerator<TLlmEvent> {
  const { signal } = request;
  if (signal.aborted) throw abortError();
  const contents = toGeminiContents(request.messages);
  if (contents.length === 0)
    throw new ProviderError("llm", "bad_response", "Nothing to send to Gemini: empty conversation");
  const generationConfig: GenerateContentConfig = {
    ...(request.system.trim() ? { systemInstruction: request.system } : {}),
    ...(request.tools.length > 0
      ? {
          tools: [
            {
              functionDeclarations: request.tools.map((tool) => ({
                name: tool.name,
                description: tool.description,
                parametersJsonSchema: tool.parameters,
              })),
            },
          ],
        }
      : {}),
    ...(config.temperature !== undefined ? { temperature: config.temperature } : {}),
    ...(config.maxOutputTokens !== undefined ? { maxOutputTokens: config.maxOutputTokens } : {}),
    ...(config.thinkingBudget !== undefined ? { thinkingConfig: { thinkingBudget: config.thinkingBudget } } : {}),
  };
  const startedAt = Date.now();
  for (let attempt = 0; ; attempt++) {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    let timeout: "first-token" | "stall" | null = null;
    let timer: NodeJS.Timeout | undefined;
    const arm = (kind: "first-token" | "stall", ms: number) => {
      timer = setTimeout(() => {
        timeout = kind;
        controller.abort();
      }, ms);
    };
    let hasOutput = false;
    let isComplete = false;
    let iterator: AsyncIterator<unknown> | undefined;
    try {
      arm("first-token", config.firstTokenTimeoutMs);
      const response = await ai.models.generateContentStream({
        model: config.model,
        contents,
        config: { ...generationConfig, abortSignal: controller.signal },
      });
      const chunks = response[Symbol.asyncIterator]();
      iterator = chunks;
      let usage: { promptTokenCount?: number; candidatesTokenCount?: number } | undefined;
      let finishReason: string | undefined;
      let hasChunk = false;
      for (;;) {
        // The clock only runs while we wait on Gemini, not while the session digests what we yielded.
        if (hasChunk) arm("stall", config.stallTimeoutMs);
        const next = await chunks.next();
        clearTimeout(timer);
        if (next.done) break;
        hasChunk = true;
        const chunk = next.value;
        usage = chunk.usageMetadata ?? usage;
        const blockReason = chunk.promptFeedback?.blockReason;
        if (blockReason && !hasOutput) {
          throw new ProviderError("llm", "bad_response", `Gemini blocked the prompt (${blockReason})`);
        }
        const candidate = chunk.candidates?.[0];
        finishReason = candidate?.finishReason ?? finishReason;
        for (const part of candidate?.content?.parts ?? []) {
          // Parts already received must not reach a session that has moved on.
          if (signal.aborted) throw abortError();
          if (part.thought) continue;
          if (part.functionCall?.name) {
            hasOutput = true;
            yield {
              type: "tool-call",
              call: {
                id: part.functionCall.id ?? `${LOCAL_ID_PREFIX}${randomUUID()}`,
                name: part.functionCall.name,
                args: part.functionCall.args ?? {},
                ...(part.thoughtSignature ? { thoughtSignature: part.thoughtSignature } : {}),
              },
            };
          } else if (typeof part.text === "string" && part.text.length > 0) {
            hasOutput = true;
            yield { type: "text", text: part.text };
          }
        }
      }
      if (!hasOutput) {
        const error = new ProviderError(
          "llm",
          "bad_response",
          `Gemini returned no text or tool call (finishReason ${finishReason ?? "none"})`,
        );
        // An empty answer or a malformed call is usually a one-off; another sample is worth a try.
        if (finishReason === undefined || finishReason === "STOP" || finishReason === "MALFORMED_FUNCTION_CALL") {
          retryableBadResponses.add(error);
        }
        throw error;
      }
      if (signal.aborted) throw abortError();
      // The response has been read to its end: nothing left to abort.
      isComplete = true;
      yield { type: "done", inputTokens: usage?.promptTokenCount, outputTokens: usage?.candidatesTokenCount };
      return;
    } catch (error) {
      if (signal.aborted) throw abortError();
      const failure = classify(error, timeout, config);
      if (hasOutput || !isRetryable(failure) || attempt >= config.maxRetries) throw failure;
      const delayMs = retryDelayMs(failure, attempt);
      if (Date.now() - startedAt + delayMs > config.retryBudgetMs) throw failure;
      await sleep(delayMs, signal);
      if (signal.aborted) throw abortError();
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      // Only a request cut short needs aborting (each abort builds a DOMException with a stack, per reply).
      if (!isComplete) {
        controller.abort();
        iterator?.return?.().catch(() => {});
      }
    }
  }
}

const retryableBadResponses = new WeakSet<ProviderError>();

function isRetryable(error: ProviderError): boolean {
  return error.kind === "rate_limited" || error.kind === "unavailable" || retryableBadResponses.has(error);
}

function retryDelayMs(error: ProviderError, attempt: number): number {
  return backoffMs({ baseMs: error.kind === "rate_limited" ? 400 : 250, attempt, jitter: 0.2 });
}

function classify(error: unknown, timeout: "first-token" | "stall" | null, config: TConfig): ProviderError {
  if (error instanceof ProviderError) return error;
  if (timeout === "first-token") {
    return new ProviderError("llm", "timeout", `Gemini sent nothing within ${config.firstTokenTimeoutMs} ms`, {
      cause: error,
    });
  }
  if (timeout === "stall") {
    return new ProviderError("llm", "timeout", `Gemini stalled for ${config.stallTimeoutMs} ms mid-answer`, {
      cause: error,
    });
  }
  const status = apiErrorStatus(error);
  const message = error instanceof Error ? error.message : String(error);
  if (status === undefined) {
    return new ProviderError("llm", "unavailable", `Gemini request failed: ${message}`, { cause: error });
  }
  const detail = `Gemini HTTP ${status}: ${summarize(message)}`;
  if (status === 429) return new ProviderError("llm", "rate_limited", detail, { cause: error });
  if (status === 401 || status === 403 || /API_KEY_INVALID|API key not valid/.test(message)) {
    return new ProviderError("llm", "auth", detail, { cause: error });
  }
  if (status >= 500) return new ProviderError("llm", "unavailable", detail, { cause: error });
  return new ProviderError("llm", "bad_response", detail, { cause: error });
}

function apiErrorStatus(error: unknown): number | undefined {
  if (!(error instanceof Error) || error.name !== "ApiError") return undefined;
  const status = (error as Error & { status?: unknown }).status;
  return typeof status === "number" ? status : undefined;
}

// ApiError messages are the JSON error body; keep just Google's sentence.
function summarize(message: string): string {
  const match = /"message"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(message);
  return match?.[1] ?? message.slice(0, 200);
}

// Gemini wants user/model alternation, each function call turn answered by a turn with exactly its function
// responses, and no empty text parts. Our history is a flat list of events, so it is folded into that shape.
export function toGeminiContents(messages: TChatMessage[]): Content[] {
  const answered = new Set<string>();
  const called = new Set<string>();
  for (const message of messages) {
    if (message.role === "tool-result") answered.add(message.call.id);
    if (message.role === "agent-tool-call") called.add(message.call.id);
  }
  const contents: Content[] = [];
  const add = (role: "user" | "model", part: Part) => {
    const last = contents.at(-1);
    if (last?.role === role) last.parts?.push(part);
    else contents.push({ role, parts: [part] });
  };
  for (const message of messages) {
    switch (message.role) {
      case "caller":
        if (message.text.trim()) add("user", { text: message.text });
        break;
      case "agent":
        if (message.text.trim()) add("model", { text: message.text });
        break;
      case "event":
        if (message.text.trim()) add("user", { text: `[event] ${message.text}` });
        break;
      case "agent-tool-call": {
        // A call whose result never came (interrupted, hung up) would make Gemini reject the whole history.
        if (!answered.has(message.call.id)) break;
        const { id, name, args, thoughtSignature } = message.call;
        add("model", {
          functionCall: { ...(id.startsWith(LOCAL_ID_PREFIX) ? {} : { id }), name, args },
          ...(thoughtSignature ? { thoughtSignature } : {}),
        });
        break;
      }
      case "tool-result": {
        if (!called.has(message.call.id)) break;
        const { id, name } = message.call;
        add("user", {
          functionResponse: { ...(id.startsWith(LOCAL_ID_PREFIX) ? {} : { id }), name, response: message.result },
        });
        break;
      }
    }
  }
  for (const content of contents) {
    // Function responses must open the turn that follows the call turn; words said meanwhile come after.
    if (content.role === "user" && content.parts) {
      content.parts = [
        ...content.parts.filter((part) => part.functionResponse),
        ...content.parts.filter((part) => !part.functionResponse),
      ];
    }
  }
  if (contents[0]?.role === "model")
    contents.unshift({ role: "user", parts: [{ text: "[event] The call was answered." }] });
  return contents;
}

