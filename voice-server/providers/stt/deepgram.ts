import WebSocket, { type RawData } from "ws";
import {
  ProviderError,
  type TMulaw,
  type TSttEvent,
  type TSttOptions,
  type TSttProvider,
  type TSttStream,
} from "../types";
import { abortError, EventQueue } from "../shared/async";

// Deepgram live transcription over its raw WebSocket protocol (protocols.md §8), not the SDK: the SDK v5
// reconnects up to 30 times on its own and replaces handlers on `on()`, and we want one deliberate reconnect.
// The session does its own endpointing, with Deepgram's end-of-speech signals as inputs: is_final segments are
// collected until a Results flagged speech_final (emitted as a final with isSpeechFinal) or the answer to the
// session's finalize() (from_finalize); UtteranceEnd is passed on as an utterance-end event.

export type TDeepgramSttOptions = {
  apiKey: string;
  baseUrl?: string;
  model?: string;
  endpointingMs?: number;
  utteranceEndMs?: number;
  keepAliveIntervalMs?: number;
  // How long finalize() waits for from_finalize Results before emitting what it has.
  finalizeTimeoutMs?: number;
  connectTimeoutMs?: number;
  reconnectTimeoutMs?: number;
  // A second unexpected close within this window is fatal instead of another reconnect.
  reconnectWindowMs?: number;
  maxBufferedAudioMs?: number;
  // Audio goes out in messages of this length (default 200 ms, within the 20-250 ms Deepgram suggests): one
  // WebSocket message per 20 ms frame would cost a syscall per frame per call, and at 100 ms these sends were
  // still a tenth of the voice server's busy time at 200 calls. The tail is flushed before Finalize, so the
  // turn's end is not delayed; only interim results come less often.
  chunkMs?: number;
};

const MAX_KEYTERMS = 50;
const MAX_KEYTERM_WORDS = 400; // Deepgram caps keyterm prompting at 500 tokens per request

export function createDeepgramStt(options: TDeepgramSttOptions): TSttProvider {
  if (!options.apiKey) throw new Error("Deepgram API key is required");
  const config = {
    apiKey: options.apiKey,
    baseUrl: (options.baseUrl ?? "wss://api.deepgram.com").replace(/\/+$/, "").replace(/^http(s?):/, "ws$1:"),
    model: options.model ?? "nova-3",
    endpointingMs: options.endpointingMs ?? 300,
    utteranceEndMs: options.utteranceEndMs ?? 1000,
    keepAliveIntervalMs: options.keepAliveIntervalMs ?? 4000,
    finalizeTimeoutMs: options.finalizeTimeoutMs ?? 1500,
    connectTimeoutMs: options.connectTimeoutMs ?? 5000,
    reconnectTimeoutMs: options.reconnectTimeoutMs ?? 3000,
    reconnectWindowMs: options.reconnectWindowMs ?? 30_000,
    maxBufferedBytes: Math.round((options.maxBufferedAudioMs ?? 3000) * 8),
    chunkBytes: Math.max(1, Math.round((options.chunkMs ?? 200) * 8)),
  };
  return {
    name: "deepgram",
    streaming: { endpointingMs: config.endpointingMs },
    async open(sttOptions: TSttOptions): Promise<TSttStream> {
      if (sttOptions.signal.aborted) throw abortError();
      const url = listenUrl(config, sttOptions);
      const ws = await connect(url, config.apiKey, config.connectTimeoutMs, sttOptions.signal);
      return new DeepgramStream(ws, url, config, sttOptions.signal);
    },
  };
}

type TConfig = {
  apiKey: string;
  baseUrl: string;
  model: string;
  endpointingMs: number;
  utteranceEndMs: number;
  keepAliveIntervalMs: number;
  finalizeTimeoutMs: number;
  connectTimeoutMs: number;
  reconnectTimeoutMs: number;
  reconnectWindowMs: number;
  maxBufferedBytes: number;
  chunkBytes: number;
};

export function listenUrl(
  config: Pick<TConfig, "baseUrl" | "model" | "endpointingMs" | "utteranceEndMs">,
  options: Pick<TSttOptions, "language" | "phrases">,
): string {
  const query = new URLSearchParams({
    model: config.model,
    language: options.language,
    encoding: "mulaw",
    sample_rate: "8000",
    channels: "1",
    interim_results: "true",
    endpointing: String(config.endpointingMs),
    utterance_end_ms: String(config.utteranceEndMs),
    vad_events: "true",
    smart_format: "true",
  });
  if (config.model.startsWith("nova-3")) {
    for (const term of keyterms(options.phrases)) query.append("keyterm", term);
  }
  return `${config.baseUrl}/v1/listen?${query.toString()}`;
}

function keyterms(phrases: string[]): string[] {
  const seen = new Set<string>();
  const terms: string[] = [];
  let words = 0;
  for (const phrase of phrases) {
    const term = phrase.trim().replace(/\s+/g, " ");
    if (!term || term.length > 100 || seen.has(term.toLowerCase())) continue;
    const count = term.split(" ").length;
    if (words + count > MAX_KEYTERM_WORDS) continue;
    seen.add(term.toLowerCase());
    terms.push(term);
    words += count;
    if (terms.length >= MAX_KEYTERMS) break;
  }
  return terms;
}

function connect(url: string, apiKey: string, timeoutMs: number, signal: AbortSignal): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      headers: { Authorization: `Token ${apiKey}` },
      handshakeTimeout: timeoutMs,
      perMessageDeflate: false,
    });
    const onAbort = () => {
      ws.terminate();
      reject(abortError());
    };
    signal.addEventListener("abort", onAbort, { once: true });
    ws.once("open", () => {
      signal.removeEventListener("abort", onAbort);
      ws.removeAllListeners("error");
      resolve(ws);
    });
    ws.once("error", (error) => {
      signal.removeEventListener("abort", onAbort);
      // A later error (e.g. after terminate) must not become an uncaught exception.
      ws.on("error", () => {});
      reject(handshakeError(error));
    });
  });
}

function handshakeError(error: Error): ProviderError {
  const status = /Unexpected server response: (\d+)/.exec(error.message)?.[1];
  if (status === "401" || status === "403") {
    return new ProviderError("stt", "auth", `Deepgram rejected the API key (HTTP ${status})`, { cause: error });
  }
  if (status === "429") {
    return new ProviderError("stt", "rate_limited", "Deepgram refused the stream: too many requests", { cause: error });
  }
  if (/handshake has timed out/i.test(error.message)) {
    return new ProviderError("stt", "timeout", "Deepgram did not accept the stream in time", { cause: error });
  }
  const detail = status ? `HTTP ${status}` : error.message;
  return new ProviderError("stt", "unavailable", `Could not open a Deepgram stream: ${detail}`, { cause: error });
}

type TResults = {
  type: "Results";
  is_final?: boolean;
  speech_final?: boolean;
  from_finalize?: boolean;
  channel?: { alternatives?: { transcript?: string }[] };
};

class DeepgramStream implements TSttStream {
  readonly events = new EventQueue<TSttEvent>();
  private ws: WebSocket | null;
  private state: "open" | "reconnecting" | "closed" = "open";
  private segments: string[] = [];
  private isAwaitingFinal = false;
  private shouldSendFinalize = false;
  private finalizeTimer: NodeJS.Timeout | null = null;
  // Last audio or KeepAlive: what Deepgram's 10 s idle timeout counts.
  private lastSentAt = Date.now();
  private lastDropAt = Number.NEGATIVE_INFINITY;
  private buffered: Uint8Array[] = [];
  private bufferedBytes = 0;
  private readonly chunk: Uint8Array;
  private chunkBytes = 0;
  private readonly keepAliveTimer: NodeJS.Timeout;
  private readonly onAbort = () => void this.close();

  constructor(
    ws: WebSocket,
    private readonly url: string,
    private readonly config: TConfig,
    private readonly signal: AbortSignal,
  ) {
    this.ws = ws;
    this.chunk = new Uint8Array(config.chunkBytes);
    this.attach(ws);
    this.keepAliveTimer = setInterval(() => this.keepAlive(), Math.min(1000, config.keepAliveIntervalMs));
    this.keepAliveTimer.unref();
    signal.addEventListener("abort", this.onAbort, { once: true });
  }

  push(audio: TMulaw): void {
    if (this.state === "closed" || audio.length === 0) return;
    let offset = 0;
    while (offset < audio.length) {
      const n = Math.min(audio.length - offset, this.chunk.length - this.chunkBytes);
      this.chunk.set(audio.subarray(offset, offset + n), this.chunkBytes);
      this.chunkBytes += n;
      offset += n;
      if (this.chunkBytes === this.chunk.length) this.flushChunk();
    }
  }

  // Sends the audio collected so far and starts filling the same array again.
  private flushChunk(): void {
    if (this.chunkBytes === 0) return;
    const audio = this.chunk.subarray(0, this.chunkBytes);
    this.chunkBytes = 0;
    const ws = this.ws;
    if (this.state === "open" && ws && ws.readyState === WebSocket.OPEN) {
      // A client frame is masked into a new buffer before send() returns (no compression here), so the chunk is
      // free to fill again: one buffer per connection rather than a new one every chunk, which at hundreds of calls
      // was megabytes a second of short-lived ArrayBuffers (V8 starts full collections on that).
      ws.send(audio);
      this.lastSentAt = Date.now();
      return;
    }
    if (this.state === "closed") return;
    // While reconnecting keep the most recent audio so the caller's words are not lost.
    this.buffered.push(audio.slice());
    this.bufferedBytes += audio.length;
    while (this.bufferedBytes > this.config.maxBufferedBytes && this.buffered.length > 1) {
      this.bufferedBytes -= this.buffered.shift()?.length ?? 0;
    }
  }

  finalize(): void {
    if (this.state === "closed" || this.isAwaitingFinal) return;
    this.isAwaitingFinal = true;
    this.finalizeTimer = setTimeout(() => this.completeTurn(), this.config.finalizeTimeoutMs);
    this.flushChunk();
    const ws = this.ws;
    if (this.state === "open" && ws && ws.readyState === WebSocket.OPEN) this.sendText(ws, { type: "Finalize" });
    else this.shouldSendFinalize = true;
  }

  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.flushChunk();
    this.shutdown();
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    if (ws.readyState === WebSocket.OPEN) {
      this.sendText(ws, { type: "CloseStream" });
      // Deepgram answers CloseStream with its last results and Metadata, then closes; don't wait forever.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          ws.terminate();
          resolve();
        }, 1000);
        ws.once("close", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    } else {
      ws.terminate();
    }
  }

  private attach(ws: WebSocket): void {
    ws.on("message", (data, isBinary) => {
      if (!isBinary) this.onMessage(data);
    });
    ws.on("error", () => {}); // the close event that follows carries the outcome
    ws.on("close", (code, reason) => this.onClose(ws, code, reason.toString()));
  }

  private onMessage(data: RawData): void {
    if (this.state === "closed") return;
    let message: unknown;
    try {
      message = JSON.parse(data.toString());
    } catch {
      return;
    }
    if (!message || typeof message !== "object") return;
    const type = (message as { type?: unknown }).type;
    if (type === "Results") this.onResults(message as TResults);
    else if (type === "UtteranceEnd") this.events.push({ type: "utterance-end" });
    else if (type === "Error") {
      const description = String((message as { description?: unknown }).description ?? "unknown error");
      this.events.push({
        type: "error",
        error: new ProviderError("stt", "bad_response", `Deepgram error: ${description}`),
        isFatal: false,
      });
    }
  }

  private onResults(results: TResults): void {
    const transcript = (results.channel?.alternatives?.[0]?.transcript ?? "").trim();
    if (!results.is_final) {
      const text = [...this.segments, transcript].filter(Boolean).join(" ");
      if (transcript) this.events.push({ type: "interim", text });
      return;
    }
    if (transcript) this.segments.push(transcript);
    // A from_finalize that arrives after our timeout belongs to a turn already emitted; its words stay in
    // `segments` and open the next turn rather than being lost.
    if (results.from_finalize && this.isAwaitingFinal) this.completeTurn(results.speech_final === true);
    else if (results.speech_final) {
      // Deepgram's endpointer heard silence after these words: they are final, and the silence is a signal.
      const text = this.segments.join(" ");
      this.segments = [];
      this.events.push({ type: "final", text, isFromFinalize: false, isSpeechFinal: true });
    }
  }

  private completeTurn(isSpeechFinal = false): void {
    if (this.finalizeTimer) clearTimeout(this.finalizeTimer);
    this.finalizeTimer = null;
    if (!this.isAwaitingFinal) return;
    this.isAwaitingFinal = false;
    this.shouldSendFinalize = false;
    const text = this.segments.join(" ");
    this.segments = [];
    this.events.push(isSpeechFinal ? { type: "final", text, isFromFinalize: true, isSpeechFinal } : { type: "final", text, isFromFinalize: true });
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (this.state === "closed" || ws !== this.ws) return;
    this.ws = null;
    // The Finalize we sent on that socket will never be answered.
    if (this.isAwaitingFinal) this.completeTurn();
    const error = new ProviderError(
      "stt",
      "unavailable",
      `Deepgram closed the stream (${code}${reason ? ` ${reason}` : ""})`,
    );
    const now = Date.now();
    const isRepeatedDrop = now - this.lastDropAt < this.config.reconnectWindowMs;
    this.lastDropAt = now;
    if (isRepeatedDrop) return this.fail(error);
    this.events.push({ type: "error", error, isFatal: false });
    this.state = "reconnecting";
    connect(this.url, this.config.apiKey, this.config.reconnectTimeoutMs, this.signal).then(
      (next) => this.onReconnected(next),
      (reconnectError: unknown) => {
        if (this.state === "closed") return;
        this.fail(
          reconnectError instanceof ProviderError
            ? reconnectError
            : new ProviderError("stt", "unavailable", "Deepgram reconnect failed", { cause: reconnectError }),
        );
      },
    );
  }

  private onReconnected(ws: WebSocket): void {
    if (this.state === "closed") {
      ws.terminate();
      return;
    }
    this.ws = ws;
    this.state = "open";
    this.attach(ws);
    for (const audio of this.buffered) ws.send(audio);
    this.buffered = [];
    this.bufferedBytes = 0;
    this.lastSentAt = Date.now();
    if (this.shouldSendFinalize) {
      this.shouldSendFinalize = false;
      this.sendText(ws, { type: "Finalize" });
    }
  }

  private fail(error: ProviderError): void {
    this.events.push({ type: "error", error, isFatal: true });
    this.shutdown();
    this.ws?.terminate();
    this.ws = null;
  }

  private shutdown(): void {
    this.state = "closed";
    clearInterval(this.keepAliveTimer);
    if (this.finalizeTimer) clearTimeout(this.finalizeTimer);
    this.finalizeTimer = null;
    this.signal.removeEventListener("abort", this.onAbort);
    this.events.end();
  }

  private keepAlive(): void {
    const ws = this.ws;
    if (this.state !== "open" || !ws || ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.lastSentAt < this.config.keepAliveIntervalMs) return;
    this.sendText(ws, { type: "KeepAlive" });
    this.lastSentAt = Date.now();
  }

  private sendText(ws: WebSocket, message: { type: string }): void {
    // Control messages must be text frames; a binary frame would be decoded as audio.
    ws.send(JSON.stringify(message), { binary: false });
  }
}
