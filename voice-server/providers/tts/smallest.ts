import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { ProviderError, type TMulaw, type TTtsOptions, type TTtsProvider, type TVoice } from "../types";
import { abortError, backoffMs, sleep } from "../shared/async";

// Smallest.AI Waves TTS through SSE (`POST /waves/v1/tts/live`, protocols.md §7.3). SSE rather than the WebSocket
// because `output_format: "ulaw"` is part of the documented request schema there (the WS schema lacks it), so
// audio arrives Twilio-ready, and because aborting a sentence on barge-in is just aborting the request. Accounts
// allow one request in flight, so a 429 is expected when sentences overlap and is retried within a budget.

export type TSmallestTtsOptions = {
  apiKey: string;
  baseUrl?: string;
  model?: "lightning_v3.1" | "lightning_v3.1_pro" | (string & {});
  // Used when the agent's voice is "default".
  defaultVoice?: string;
  speed?: number;
  retryBudgetMs?: number;
  firstByteTimeoutMs?: number;
  // Longest silence between two audio events before the stream counts as stalled.
  stallTimeoutMs?: number;
};

type TConfig = Required<Omit<TSmallestTtsOptions, "model">> & { model: string };

const LANGUAGES = new Set([
  "en",
  "hi",
  "mr",
  "kn",
  "ta",
  "bn",
  "gu",
  "te",
  "ml",
  "pa",
  "or",
  "es",
  "de",
  "fr",
  "it",
  "pl",
  "nl",
  "ru",
  "ar",
  "he",
  "sv",
  "pt",
]);

const LANGUAGE_NAMES: Record<string, string> = {
  english: "en",
  hindi: "hi",
  marathi: "mr",
  kannada: "kn",
  tamil: "ta",
  bengali: "bn",
  gujarati: "gu",
  telugu: "te",
  malayalam: "ml",
  punjabi: "pa",
  odia: "or",
  spanish: "es",
  german: "de",
  french: "fr",
  italian: "it",
  polish: "pl",
  dutch: "nl",
  russian: "ru",
  arabic: "ar",
  hebrew: "he",
  swedish: "sv",
  portuguese: "pt",
};

export function createSmallestTts(options: TSmallestTtsOptions): TTtsProvider {
  if (!options.apiKey) throw new Error("Smallest API key is required");
  const config: TConfig = {
    apiKey: options.apiKey,
    baseUrl: (options.baseUrl ?? "https://api.smallest.ai").replace(/\/+$/, ""),
    model: options.model ?? "lightning_v3.1",
    defaultVoice: options.defaultVoice ?? "magnus",
    speed: options.speed ?? 1,
    retryBudgetMs: options.retryBudgetMs ?? 2500,
    firstByteTimeoutMs: options.firstByteTimeoutMs ?? 5000,
    stallTimeoutMs: options.stallTimeoutMs ?? 5000,
  };
  return {
    name: "smallest",
    synthesize: (text, ttsOptions) => synthesize(config, text, ttsOptions),
    voices: () => listVoices(config),
  };
}

async function* synthesize(config: TConfig, text: string, options: TTtsOptions): AsyncGenerator<TMulaw> {
  const trimmed = text.trim();
  if (!trimmed) return;
  if (options.signal.aborted) throw abortError();
  const language = options.language.split(/[-_]/)[0]?.toLowerCase() ?? "";
  const body = JSON.stringify({
    text: trimmed,
    voice_id: !options.voice || options.voice === "default" ? config.defaultVoice : options.voice,
    model: config.model,
    sample_rate: 8000,
    output_format: "ulaw",
    speed: config.speed,
    ...(LANGUAGES.has(language) ? { language } : {}),
  });
  const startedAt = Date.now();
  for (let attempt = 0; ; attempt++) {
    let hasAudio = false;
    try {
      for await (const chunk of streamOnce(config, body, options.signal)) {
        hasAudio = true;
        yield chunk;
        // Audio already buffered must not play after a barge-in.
        if (options.signal.aborted) throw abortError();
      }
      return;
    } catch (error) {
      if (options.signal.aborted) throw abortError();
      if (hasAudio || !(error instanceof ProviderError) || !isRetryable(error)) throw error;
      const delayMs = retryDelayMs(error, attempt);
      if (Date.now() - startedAt + delayMs > config.retryBudgetMs) throw error;
      await sleep(delayMs, options.signal);
      if (options.signal.aborted) throw abortError();
    }
  }
}

const retryAfterMs = new WeakMap<ProviderError, number>();

function isRetryable(error: ProviderError): boolean {
  return error.kind === "rate_limited" || error.kind === "unavailable";
}

function retryDelayMs(error: ProviderError, attempt: number): number {
  const hinted = retryAfterMs.get(error);
  if (hinted !== undefined) return hinted;
  // A 429 here usually means our own previous sentence still holds the account's single slot.
  return backoffMs({ baseMs: error.kind === "rate_limited" ? 100 : 200, attempt, maxMs: 800, jitter: 0.25 });
}

async function* streamOnce(config: TConfig, body: string, signal: AbortSignal): AsyncGenerator<TMulaw> {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  let isTimedOut = false;
  let isComplete = false;
  let timer = setTimeout(() => {
    isTimedOut = true;
    controller.abort();
  }, config.firstByteTimeoutMs);
  const waitNoLongerThan = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      isTimedOut = true;
      controller.abort();
    }, ms);
  };
  const failure = (error: unknown, what: string) =>
    isTimedOut
      ? new ProviderError("tts", "timeout", `Smallest TTS ${what} timed out`, { cause: error })
      : new ProviderError("tts", "unavailable", `Smallest TTS ${what} failed`, { cause: error });
  try {
    let response: IncomingMessage;
    try {
      response = await postForStream(`${config.baseUrl}/waves/v1/tts/live`, {
        headers: {
          Authorization: `Bearer ${config.apiKey}`,
          "Content-Type": "application/json",
          Accept: "text/event-stream",
        },
        body,
        signal: controller.signal,
      });
    } catch (error) {
      throw failure(error, "request");
    }
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299) {
      const text = await readText(response).catch(() => "");
      throw httpError(status, text, response.headers["retry-after"]);
    }
    response.setEncoding("utf8");
    const header = new WavHeaderStripper();
    let buffer = "";
    const chunks = response[Symbol.asyncIterator]() as AsyncIterator<string>;
    for (;;) {
      let read: IteratorResult<string>;
      try {
        read = await chunks.next();
      } catch (error) {
        throw failure(error, "stream");
      }
      if (read.done) break;
      buffer += read.value;
      for (;;) {
        const end = eventEnd(buffer);
        if (!end) break;
        const data = eventData(buffer.slice(0, end.index));
        buffer = buffer.slice(end.index + end.length);
        if (data === null) continue;
        const event = parseEvent(data);
        if (typeof event.audio === "string" && event.audio.length > 0) {
          waitNoLongerThan(config.stallTimeoutMs);
          const audio = header.push(Buffer.from(event.audio, "base64"));
          if (audio.length > 0) yield audio;
        }
        if (event.done === true) {
          // Read on to the end of the response (it follows at once), so the connection goes back to the
          // keep-alive pool instead of being torn down: a new TCP connection per sentence costs tens of ms
          // under load.
          await drain(chunks, () => waitNoLongerThan(DRAIN_TIMEOUT_MS));
          isComplete = true;
          return;
        }
      }
    }
    throw new ProviderError("tts", "unavailable", "Smallest TTS stream ended before it was done");
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
    // Frees the account's single concurrency slot when the caller stops listening early (barge-in). A complete
    // response has nothing left to abort (and each abort builds a DOMException with a stack, per sentence).
    if (!isComplete) controller.abort();
  }
}

const DRAIN_TIMEOUT_MS = 1_000;

// The rest of a response whose last event was read; a server that keeps it open gets the socket destroyed.
async function drain(chunks: AsyncIterator<string>, armTimeout: () => void): Promise<void> {
  armTimeout();
  try {
    while (!(await chunks.next()).done) {
      // nothing follows `done` that matters
    }
  } catch {
    // timed out or reset: the audio is complete either way
  }
}

function eventEnd(buffer: string): { index: number; length: number } | null {
  const match = /\r\n\r\n|\n\n|\r\r/.exec(buffer);
  return match ? { index: match.index, length: match[0].length } : null;
}

function eventData(block: string): string | null {
  const lines = block.split(/\r\n|\n|\r/).filter((line) => line.startsWith("data:"));
  if (lines.length === 0) return null;
  return lines.map((line) => line.slice(5).replace(/^ /, "")).join("\n");
}

type TSseEvent = { audio?: unknown; done?: unknown; status?: unknown; error?: unknown; message?: unknown };

function parseEvent(data: string): TSseEvent {
  let event: unknown;
  try {
    event = JSON.parse(data);
  } catch (error) {
    throw new ProviderError("tts", "bad_response", "Smallest TTS sent an unreadable event", { cause: error });
  }
  if (!event || typeof event !== "object")
    throw new ProviderError("tts", "bad_response", "Smallest TTS sent a non-object event");
  const typed = event as TSseEvent;
  if (typed.status === "error" || typed.error) {
    const message = typeof typed.message === "string" ? typed.message : JSON.stringify(typed.error ?? typed);
    throw new ProviderError("tts", "unavailable", `Smallest TTS stream error: ${message}`);
  }
  return typed;
}

function httpError(status: number, text: string, retryAfterHeader: string | string[] | null | undefined): ProviderError {
  let message = text.slice(0, 300);
  try {
    const parsed = JSON.parse(text) as { message?: unknown; error?: unknown };
    if (typeof parsed.message === "string") message = parsed.message;
  } catch {
    // not JSON; keep the raw text
  }
  const detail = `Smallest TTS HTTP ${status}${message ? `: ${message}` : ""}`;
  let error: ProviderError;
  if (status === 401 || status === 403) error = new ProviderError("tts", "auth", detail);
  else if (status === 429) error = new ProviderError("tts", "rate_limited", detail);
  else if (status >= 500) error = new ProviderError("tts", "unavailable", detail);
  else error = new ProviderError("tts", "bad_response", detail);
  const retryAfter = Number(Array.isArray(retryAfterHeader) ? retryAfterHeader[0] : retryAfterHeader);
  if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfterMs.set(error, retryAfter * 1000);
  return error;
}

// Sentences stream over node:http rather than fetch: a live call waits on every hop between the socket and the
// first audio chunk, and fetch's web streams add several per chunk (bench:voice, hundreds of calls per process).
const keepAlive = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

function postForStream(url: string, init: { headers: Record<string, string>; body: string; signal: AbortSignal }): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (init.signal.aborted) return reject(init.signal.reason);
    const isHttps = url.startsWith("https:");
    const request = (isHttps ? https : http).request(url, {
      method: "POST",
      headers: { ...init.headers, "Content-Length": String(Buffer.byteLength(init.body)) },
      agent: isHttps ? keepAlive.https : keepAlive.http,
    });
    // Aborting destroys the request (and with it a body still streaming, whose reader then fails); without an
    // error object, so nothing is left to surface as an unhandled 'error' once the caller has stopped listening.
    const onAbort = () => {
      request.destroy();
      reject(init.signal.reason);
    };
    init.signal.addEventListener("abort", onAbort, { once: true });
    request.on("close", () => init.signal.removeEventListener("abort", onAbort));
    request.on("error", reject);
    request.once("response", resolve);
    request.end(init.body);
  });
}

async function readText(response: IncomingMessage, maxBytes = 64 * 1024): Promise<string> {
  let text = "";
  response.setEncoding("utf8");
  for await (const chunk of response as AsyncIterable<string>) {
    if (text.length < maxBytes) text += chunk;
  }
  return text;
}

// The docs do not say whether `ulaw` comes bare or inside a WAV; a header would play as a click on the call.
class WavHeaderStripper {
  private pending: Buffer | null = Buffer.alloc(0);

  push(chunk: Buffer): Uint8Array {
    if (this.pending === null) return chunk;
    const data = Buffer.concat([this.pending, chunk]);
    if (data.length < 4) {
      this.pending = data;
      return new Uint8Array(0);
    }
    if (data.toString("latin1", 0, 4) !== "RIFF") {
      this.pending = null;
      return data;
    }
    let offset = 12;
    while (offset + 8 <= data.length) {
      const id = data.toString("latin1", offset, offset + 4);
      const size = data.readUInt32LE(offset + 4);
      if (id === "data") {
        this.pending = null;
        return data.subarray(offset + 8);
      }
      offset += 8 + size + (size % 2);
    }
    this.pending = data;
    return new Uint8Array(0);
  }
}

async function listVoices(config: TConfig): Promise<TVoice[]> {
  const path = config.model.replaceAll("_", "-");
  let response: Response;
  try {
    response = await fetch(`${config.baseUrl}/waves/v1/${path}/get_voices`, {
      headers: { Authorization: `Bearer ${config.apiKey}` },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    const isTimeout = error instanceof Error && error.name === "TimeoutError";
    throw new ProviderError("tts", isTimeout ? "timeout" : "unavailable", "Could not list Smallest voices", {
      cause: error,
    });
  }
  if (!response.ok) throw httpError(response.status, await response.text().catch(() => ""), response.headers.get("retry-after"));
  const payload = (await response.json().catch(() => null)) as { voices?: unknown } | null;
  if (!payload || !Array.isArray(payload.voices)) {
    throw new ProviderError("tts", "bad_response", "Smallest voice list has no `voices` array");
  }
  const voices: TVoice[] = [];
  for (const entry of payload.voices as Record<string, unknown>[]) {
    if (typeof entry.voiceId !== "string") continue;
    const tags = (entry.tags ?? {}) as { language?: unknown; gender?: unknown };
    const languages = Array.isArray(tags.language) ? tags.language.map(String) : [];
    const first = languages[0]?.toLowerCase() ?? "";
    voices.push({
      id: entry.voiceId,
      name: typeof entry.displayName === "string" ? entry.displayName : entry.voiceId,
      language: LANGUAGE_NAMES[first] ?? first,
      ...(typeof tags.gender === "string" ? { gender: tags.gender } : {}),
    });
  }
  return voices;
}

