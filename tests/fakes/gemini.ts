import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { FaultQueue, ResponseTimings, listenLocal, sleep, writeFlushed } from "./faults";

// Fake Gemini API (generativelanguage.googleapis.com) for `@google/genai` (3.x, pinned to `v1beta` by lib/net/gemini-http-options.ts) and the legacy SDK
// (protocols.md §6.2): `POST /{v1beta|v1}/models/{model}:streamGenerateContent?alt=sse` and `:generateContent`.
// SSE events are exactly `data: {json}\r\n\r\n`. Replies are scripted per request, and the request is checked
// the way the real API checks it (turn alternation, function call/response pairing, thought signatures,
// empty text parts), so a client that builds history wrongly fails here as it would in production.

export type TGeminiPart = Record<string, unknown>;
export type TGeminiContent = { role?: string; parts?: TGeminiPart[] };
export type TGeminiRequestBody = {
  contents?: TGeminiContent[];
  systemInstruction?: TGeminiContent;
  tools?: { functionDeclarations?: Record<string, unknown>[] }[];
  toolConfig?: Record<string, unknown>;
  generationConfig?: Record<string, unknown>;
  [key: string]: unknown;
};

export type TGeminiScriptPart =
  | string
  | { text: string; thought?: boolean }
  | { functionCall: { name: string; args?: Record<string, unknown>; id?: string }; thoughtSignature?: string };

export type TGeminiScript = {
  // One entry per streamed event; a plain string reply is split into a few events by itself.
  chunks?: (TGeminiScriptPart | TGeminiScriptPart[])[];
  // Structured output for `:generateContent` with a response schema.
  json?: unknown;
  finishReason?: string;
  blockReason?: string;
};

export type TGeminiReply = string | TGeminiScriptPart[] | TGeminiScript;

export type TGeminiRequestInfo = {
  index: number;
  method: "streamGenerateContent" | "generateContent";
  model: string;
  body: TGeminiRequestBody;
  lastUserText: string | null;
  functionResponses: { name: string; response: unknown; id?: string }[];
};

export type TGeminiFault =
  | { kind: "status"; status: number; message?: string }
  | { kind: "hang" }
  | { kind: "disconnect"; afterChunks: number }
  | { kind: "error-chunk"; afterChunks: number; status?: number };

export type TGeminiRequestLog = {
  method: TGeminiRequestInfo["method"];
  apiVersion: string;
  model: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: TGeminiRequestBody;
  status: number;
  error?: string;
  chunksSent: number;
  isAborted: boolean;
};

export type TFakeGeminiOptions = {
  apiKey?: string;
  respond?: (request: TGeminiRequestInfo) => TGeminiReply | Promise<TGeminiReply>;
  firstTokenLatencyMs?: number;
  interChunkDelayMs?: number;
  // Attach a thoughtSignature to the first function call of each reply (as Gemini 2.5+/3 do) and insist it
  // comes back unchanged in later requests.
  shouldSignFunctionCalls?: boolean;
  shouldRequireAlternation?: boolean;
};

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

const DEFAULT_MESSAGES: Record<number, string> = {
  429: "Resource has been exhausted (e.g. check quota).",
  500: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
  503: "The model is overloaded. Please try again later.",
  504: "Deadline expired before operation could complete.",
};

export function googleError(status: number, message?: string, details?: unknown[]): Record<string, unknown> {
  return {
    error: {
      code: status,
      message: message ?? DEFAULT_MESSAGES[status] ?? "Request failed.",
      status: STATUS_NAMES[status] ?? "UNKNOWN",
      ...(details ? { details } : {}),
    },
  };
}

export function lastUserText(body: TGeminiRequestBody): string | null {
  const contents = body.contents ?? [];
  for (let i = contents.length - 1; i >= 0; i--) {
    const content = contents[i];
    if (content?.role === "model") continue;
    const texts = (content?.parts ?? []).flatMap((p) => (typeof p.text === "string" ? [p.text] : []));
    if (texts.length > 0) return texts.join(" ");
  }
  return null;
}

function trailingFunctionResponses(body: TGeminiRequestBody): TGeminiRequestInfo["functionResponses"] {
  const last = body.contents?.at(-1);
  if (!last || last.role === "model") return [];
  return (last.parts ?? []).flatMap((part) => {
    const fr = part.functionResponse as { name?: string; response?: unknown; id?: string } | undefined;
    return fr?.name ? [{ name: fr.name, response: fr.response, ...(fr.id ? { id: fr.id } : {}) }] : [];
  });
}

export class FakeGemini {
  apiKey: string;
  respond: (request: TGeminiRequestInfo) => TGeminiReply | Promise<TGeminiReply>;
  firstTokenLatencyMs: number;
  interChunkDelayMs: number;
  shouldSignFunctionCalls: boolean;
  shouldRequireAlternation: boolean;

  readonly requests: TGeminiRequestLog[] = [];
  // Request received -> first response chunk written, per request (see ResponseTimings).
  readonly timings = new ResponseTimings();
  readonly faults = new FaultQueue<TGeminiFault, TGeminiRequestLog>();
  private readonly signatures = new Map<string, Set<string>>();
  private readonly stops = new Set<AbortController>();

  private constructor(
    readonly url: string,
    private readonly closeServer: () => Promise<void>,
    options: TFakeGeminiOptions,
  ) {
    this.apiKey = options.apiKey ?? "test-gemini-key";
    this.respond = options.respond ?? (() => "Okay.");
    this.firstTokenLatencyMs = options.firstTokenLatencyMs ?? 350;
    this.interChunkDelayMs = options.interChunkDelayMs ?? 30;
    this.shouldSignFunctionCalls = options.shouldSignFunctionCalls ?? true;
    this.shouldRequireAlternation = options.shouldRequireAlternation ?? true;
  }

  static async start(options: TFakeGeminiOptions = {}): Promise<FakeGemini> {
    const server = createServer();
    const listening = await listenLocal(server);
    const fake = new FakeGemini(`http://127.0.0.1:${listening.port}`, listening.close, options);
    // No one knows the port before start() returns, so nothing can arrive before this handler.
    server.on("request", (req, res) => {
      fake.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, googleError(500, String(error)));
        else res.destroy();
      });
    });
    return fake;
  }

  async close(): Promise<void> {
    for (const stop of this.stops) stop.abort();
    this.faults.clear();
    await this.closeServer();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const route =
      /^\/(v1beta|v1|v1alpha)\/(?:models|tunedModels)\/([^/:]+):(streamGenerateContent|generateContent)$/.exec(
        url.pathname,
      );
    if (!route || req.method !== "POST") {
      return sendJson(res, 404, googleError(404, `Method not found: ${req.method} ${url.pathname}`));
    }
    const [, apiVersion = "", model = "", method = ""] = route;
    const answered = this.timings.start();
    const log: TGeminiRequestLog = {
      method: method as TGeminiRequestLog["method"],
      apiVersion,
      model,
      query: url.searchParams,
      headers: req.headers,
      body: {},
      status: 200,
      chunksSent: 0,
      isAborted: false,
    };
    this.requests.push(log);
    const fail = (status: number, message?: string, details?: unknown[]) => {
      log.status = status;
      log.error = message;
      sendJson(res, status, googleError(status, message, details));
    };
    const raw = await readBody(req);
    const key = req.headers["x-goog-api-key"] ?? url.searchParams.get("key");
    if (!key) return fail(403, "Method doesn't allow unregistered callers (callers without established identity).");
    if (key !== this.apiKey) {
      return fail(400, "API key not valid. Please pass a valid API key.", [
        { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com" },
      ]);
    }
    try {
      log.body = JSON.parse(raw.toString("utf8")) as TGeminiRequestBody;
    } catch {
      return fail(400, "Invalid JSON payload received.");
    }
    const problem = this.validate(log.body);
    if (problem) return fail(400, problem);

    const fault = this.faults.take(log);
    if (fault?.kind === "status") return fail(fault.status, fault.message);

    const stop = new AbortController();
    this.stops.add(stop);
    res.on("close", () => {
      if (!res.writableFinished) log.isAborted = true;
      stop.abort();
    });
    try {
      if (fault?.kind === "hang") {
        await new Promise<void>((resolve) => stop.signal.addEventListener("abort", () => resolve(), { once: true }));
        return;
      }
      const info: TGeminiRequestInfo = {
        index: this.requests.length - 1,
        method: log.method,
        model,
        body: log.body,
        lastUserText: lastUserText(log.body),
        functionResponses: trailingFunctionResponses(log.body),
      };
      const script = normalize(await this.respond(info), log.method === "streamGenerateContent");
      this.sign(script);
      const responseId = randomUUID().replaceAll("-", "").slice(0, 20);
      const promptTokens = Math.max(1, Math.ceil(raw.length / 4));
      await sleep(this.firstTokenLatencyMs, stop.signal);
      if (stop.signal.aborted) return;

      if (log.method === "generateContent") {
        if (fault?.kind === "disconnect" || fault?.kind === "error-chunk") return void res.destroy();
        const parts = script.events.flat();
        answered();
        return sendJson(
          res,
          200,
          responseChunk(parts, model, responseId, promptTokens, countTokens(parts), script, true),
        );
      }

      const isSse = url.searchParams.get("alt") === "sse";
      res.writeHead(200, { "Content-Type": isSse ? "text/event-stream" : "application/json" });
      if (!isSse) res.write("[");
      let outputTokens = 0;
      for (let i = 0; i < script.events.length; i++) {
        if (i > 0) await sleep(this.interChunkDelayMs, stop.signal);
        if (stop.signal.aborted) return;
        if (fault?.kind === "disconnect" && i >= fault.afterChunks) return void res.destroy();
        if (fault?.kind === "error-chunk" && i >= fault.afterChunks) {
          const error = googleError(fault.status ?? 500);
          res.end(isSse ? `data: ${JSON.stringify(error)}\r\n\r\n` : `${i > 0 ? "," : ""}${JSON.stringify(error)}]`);
          return;
        }
        const parts = script.events[i] ?? [];
        outputTokens += countTokens(parts);
        const isLast = i === script.events.length - 1;
        const chunk = responseChunk(parts, model, responseId, promptTokens, outputTokens, script, isLast);
        const text = isSse ? `data: ${JSON.stringify(chunk)}\r\n\r\n` : `${i > 0 ? "," : ""}${JSON.stringify(chunk)}`;
        // Wait until it is on the wire, so an injected disconnect never swallows chunks already "sent".
        const written = writeFlushed(res, text, stop.signal);
        answered();
        await written;
        log.chunksSent += 1;
      }
      res.end(isSse ? undefined : "]");
    } finally {
      this.stops.delete(stop);
    }
  }

  private sign(script: TNormalizedScript): void {
    if (!this.shouldSignFunctionCalls) return;
    let isFirst = true;
    for (const part of script.events.flat()) {
      if (!part.functionCall) continue;
      // Like Gemini 3 with parallel calls: only the first function call of a reply carries the signature.
      if (isFirst && typeof part.thoughtSignature !== "string") {
        part.thoughtSignature = Buffer.from(`sig:${randomUUID()}`).toString("base64");
      }
      isFirst = false;
      if (typeof part.thoughtSignature === "string") {
        const key = callKey(part.functionCall as Record<string, unknown>);
        const known = this.signatures.get(key) ?? new Set<string>();
        known.add(part.thoughtSignature);
        this.signatures.set(key, known);
      }
    }
  }

  private validate(body: TGeminiRequestBody): string | null {
    const contents = body.contents;
    if (!Array.isArray(contents) || contents.length === 0) {
      return "* GenerateContentRequest.contents: contents is not specified";
    }
    let previous: TGeminiContent | undefined;
    for (const [index, content] of contents.entries()) {
      const role = content.role ?? "user";
      if (!["user", "model", "function"].includes(role)) {
        return `Please use a valid role: user, model. (contents[${index}].role = ${role})`;
      }
      const parts = content.parts;
      if (!Array.isArray(parts) || parts.length === 0) {
        return `* GenerateContentRequest.contents[${index}].parts: contents.parts must not be empty.`;
      }
      for (const part of parts) {
        if (typeof part.text === "string" && part.text.length === 0 && !part.thoughtSignature) {
          return "Unable to submit request because it has an empty text parameter. Add a value to the parameter and try again.";
        }
        const response = (part.functionResponse as { response?: unknown } | undefined)?.response;
        if (part.functionResponse && (typeof response !== "object" || response === null || Array.isArray(response))) {
          return `* GenerateContentRequest.contents[${index}].parts.function_response.response: must be an object`;
        }
      }
      const previousRole = previous ? (previous.role === "model" ? "model" : "user") : null;
      const side = role === "model" ? "model" : "user";
      if (this.shouldRequireAlternation && previousRole === side) {
        return "Please ensure that multiturn requests alternate between user and model.";
      }
      const calls = parts.filter((p) => p.functionCall);
      const responses = parts.filter((p) => p.functionResponse);
      const previousCalls = (previous?.parts ?? []).filter((p) => p.functionCall);
      if (responses.length > 0 && previousCalls.length === 0) {
        return "Please ensure that function response turn comes immediately after a function call turn.";
      }
      if (previousCalls.length > 0 && responses.length !== previousCalls.length) {
        return "Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.";
      }
      if (previousCalls.length > 0) {
        const called = previousCalls.map((p) => String((p.functionCall as { name?: unknown }).name)).sort();
        const answered = responses.map((p) => String((p.functionResponse as { name?: unknown }).name)).sort();
        if (called.join(",") !== answered.join(",")) {
          return `Function response names [${answered.join(", ")}] do not match the function calls [${called.join(", ")}].`;
        }
      }
      for (const [position, call] of calls.entries()) {
        const known = this.signatures.get(callKey(call.functionCall as Record<string, unknown>));
        if (known && !(typeof call.thoughtSignature === "string" && known.has(call.thoughtSignature))) {
          const name = String((call.functionCall as { name?: unknown }).name);
          return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${name}\` , position ${position + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`;
        }
      }
      previous = content;
    }
    for (const tool of body.tools ?? []) {
      for (const declaration of tool.functionDeclarations ?? []) {
        if (typeof declaration.name !== "string" || !/^[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}$/.test(declaration.name)) {
          return `* GenerateContentRequest.tools[0].function_declarations: invalid name ${String(declaration.name)}`;
        }
        if (declaration.parameters && declaration.parametersJsonSchema) {
          return "parameters and parameters_json_schema cannot both be set.";
        }
      }
    }
    return null;
  }
}

type TNormalizedScript = { events: TGeminiPart[][]; finishReason: string; blockReason?: string };

function normalize(reply: TGeminiReply, isStreaming: boolean): TNormalizedScript {
  const script: TGeminiScript = typeof reply === "string" || Array.isArray(reply) ? { chunks: [reply].flat() } : reply;
  const toPart = (part: TGeminiScriptPart): TGeminiPart =>
    typeof part === "string" ? { text: part } : (structuredClone(part) as TGeminiPart);
  let events: TGeminiPart[][] = (script.chunks ?? []).map((chunk) =>
    (Array.isArray(chunk) ? chunk : [chunk]).map(toPart),
  );
  if (script.json !== undefined) events.push([{ text: JSON.stringify(script.json) }]);
  // A single text reply streams as a few word groups, the way Gemini streams.
  if (isStreaming && events.length === 1 && events[0]?.length === 1 && typeof events[0][0]?.text === "string") {
    const words = String(events[0][0].text).match(/\S+\s*/g) ?? [];
    const groups: TGeminiPart[][] = [];
    for (let i = 0; i < words.length; i += 4) groups.push([{ text: words.slice(i, i + 4).join("") }]);
    if (groups.length > 0) events = groups;
  }
  return { events, finishReason: script.finishReason ?? "STOP", blockReason: script.blockReason };
}

function responseChunk(
  parts: TGeminiPart[],
  model: string,
  responseId: string,
  promptTokens: number,
  outputTokens: number,
  script: TNormalizedScript,
  isLast: boolean,
): Record<string, unknown> {
  const usageMetadata = isLast
    ? {
        promptTokenCount: promptTokens,
        candidatesTokenCount: outputTokens,
        totalTokenCount: promptTokens + outputTokens,
      }
    : { promptTokenCount: promptTokens, totalTokenCount: promptTokens };
  if (script.blockReason) {
    return {
      promptFeedback: { blockReason: script.blockReason, safetyRatings: [] },
      usageMetadata,
      modelVersion: model,
      responseId,
    };
  }
  const candidate: Record<string, unknown> = { content: { parts, role: "model" }, index: 0 };
  if (isLast) candidate.finishReason = script.finishReason;
  return { candidates: [candidate], usageMetadata, modelVersion: model, responseId };
}

function countTokens(parts: TGeminiPart[]): number {
  return parts.reduce((n, part) => n + Math.ceil(JSON.stringify(part.text ?? part.functionCall ?? "").length / 4), 0);
}

function callKey(call: Record<string, unknown>): string {
  return typeof call.id === "string" ? `id:${call.id}` : `${String(call.name)}:${stableJson(call.args ?? {})}`;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.destroy();
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=UTF-8",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
