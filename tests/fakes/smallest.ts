import { randomUUID } from "node:crypto";
import {
  createServer,
  STATUS_CODES,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { FaultQueue, ResponseTimings, listenLocal, mulawToLinear, sleep, speechLikeMulaw, writeFlushed } from "./faults";

// Fake Smallest.AI Waves TTS (protocols.md §7): `POST /waves/v1/tts` (sync), `POST /waves/v1/tts/live` (SSE),
// the same path as a WebSocket, and `GET /waves/v1/{model}/get_voices`. Audio is deterministic speech-like
// mu-law whose length grows with the text, so the pipeline has real audio to pace. Only 8 kHz `ulaw` and
// `pcm` are produced; anything else is refused with a 400 that says so.

export type TSmallestFault =
  | { kind: "status"; status: number; body?: Record<string, unknown> }
  | { kind: "disconnect"; afterChunks: number }
  | { kind: "hang" };

export type TFakeSmallestOptions = {
  apiKey?: string;
  firstByteLatencyMs?: number;
  chunkIntervalMs?: number;
  chunkMs?: number;
  msPerChar?: number;
  minAudioMs?: number;
  // The real account default is 1 request in flight across REST, SSE and WS; off by default for benchmarks.
  concurrencyLimit?: number | null;
  wsIdleTimeoutMs?: number;
  wsCloseAfterComplete?: boolean;
};

export type TSmallestRequestLog = {
  transport: "rest" | "sse" | "ws";
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  status: number;
  chunksSent: number;
  audioBytes: number;
  isComplete: boolean;
  isAborted: boolean;
};

const SAMPLE_RATES = [8000, 16000, 24000, 44100];
const OUTPUT_FORMATS = ["pcm", "mp3", "wav", "ulaw", "alaw"];
const MODELS = ["lightning_v3.1", "lightning_v3.1_pro"];
const MAX_BODY_BYTES = 1 << 20;

const VOICES: Record<string, Record<string, unknown>[]> = {
  "lightning-v3.1": [
    voice("magnus", "Magnus", ["english"], "american", "male"),
    voice("olivia", "Olivia", ["english"], "american", "female"),
    voice("lauren", "Lauren", ["english"], "american", "female"),
    voice("devansh", "Devansh", ["hindi", "english"], "indian", "male"),
    voice("marcos", "Marcos", ["spanish"], "spanish", "male"),
    voice("daniella", "Daniella", ["spanish"], "spanish", "female"),
  ],
  "lightning-v3.1-pro": [
    voice("kaitlyn", "Kaitlyn", ["english"], "american", "female"),
    voice("blake", "Blake", ["english"], "american", "male"),
    voice("sophie", "Sophie", ["english"], "british", "female"),
    voice("meher", "Meher", ["english", "hindi"], "indian", "female"),
  ],
};

function voice(voiceId: string, displayName: string, language: string[], accent: string, gender: string) {
  return {
    voiceId,
    displayName,
    tags: { language, accent, gender, age: "young", emotions: [], usecases: ["conversational"] },
  };
}

export class FakeSmallest {
  apiKey: string;
  firstByteLatencyMs: number;
  chunkIntervalMs: number;
  chunkMs: number;
  msPerChar: number;
  minAudioMs: number;
  concurrencyLimit: number | null;
  wsIdleTimeoutMs: number;
  wsCloseAfterComplete: boolean;

  readonly requests: TSmallestRequestLog[] = [];
  // TCP connections accepted: a client that keeps its connections alive opens one for sentences in sequence.
  connectionCount = 0;
  // Request received -> first audio chunk written, per streamed request (see ResponseTimings).
  readonly timings = new ResponseTimings();
  readonly faults = new FaultQueue<TSmallestFault, TSmallestRequestLog>();
  private inFlight = 0;
  private peak = 0;
  private readonly stops = new Set<AbortController>();
  private readonly recentAudio = new Map<string, Uint8Array>();
  private readonly sockets = new Set<WebSocket>();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });

  private constructor(
    readonly url: string,
    private readonly closeServer: () => Promise<void>,
    options: TFakeSmallestOptions,
  ) {
    this.apiKey = options.apiKey ?? "sk_test";
    this.firstByteLatencyMs = options.firstByteLatencyMs ?? 100;
    this.chunkIntervalMs = options.chunkIntervalMs ?? 20;
    this.chunkMs = options.chunkMs ?? 100;
    this.msPerChar = options.msPerChar ?? 60;
    this.minAudioMs = options.minAudioMs ?? 300;
    this.concurrencyLimit = options.concurrencyLimit ?? null;
    this.wsIdleTimeoutMs = options.wsIdleTimeoutMs ?? 60_000;
    this.wsCloseAfterComplete = options.wsCloseAfterComplete ?? false;
  }

  static async start(options: TFakeSmallestOptions = {}): Promise<FakeSmallest> {
    const server = createServer();
    const listening = await listenLocal(server);
    const fake = new FakeSmallest(`http://127.0.0.1:${listening.port}`, listening.close, options);
    server.on("connection", () => fake.connectionCount++);
    // No one knows the port before start() returns, so nothing can arrive before this handler.
    server.on("request", (req, res) => {
      fake.handleHttp(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
    });
    server.on("upgrade", (req, socket, head) => {
      socket.on("error", () => socket.destroy());
      fake.handleUpgrade(req, socket, head);
    });
    return fake;
  }

  get wsUrl(): string {
    return this.url.replace(/^http/, "ws");
  }

  // Requests being synthesised right now, and the most ever seen at once.
  get activeRequests(): number {
    return this.inFlight;
  }

  get peakConcurrency(): number {
    return this.peak;
  }

  // Duration of the audio the fake produces for `text`.
  audioMsFor(text: string): number {
    return Math.ceil(Math.max(this.minAudioMs, this.msPerChar * text.length) / 20) * 20;
  }

  // Synthesizing the waveform costs milliseconds of this process's event loop per sentence; hundreds of calls
  // ask for the same few sentences (bench:voice), so recent ones are kept. Callers must not modify the result.
  audioFor(text: string): Uint8Array {
    let audio = this.recentAudio.get(text);
    if (audio) {
      this.recentAudio.delete(text);
    } else {
      audio = speechLikeMulaw(this.audioMsFor(text), text);
      if (this.recentAudio.size >= RECENT_AUDIO_ENTRIES) this.recentAudio.delete(this.recentAudio.keys().next().value!);
    }
    this.recentAudio.set(text, audio);
    return audio;
  }

  async close(): Promise<void> {
    for (const stop of this.stops) stop.abort();
    for (const ws of this.sockets) ws.terminate();
    this.faults.clear();
    await this.closeServer();
  }

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const voices = /^\/waves\/v1\/([^/]+)\/get_voices$/.exec(url.pathname);
    if (req.method === "GET" && voices) {
      if (!this.isAuthorized(req.headers.authorization)) return unauthorized(res);
      const catalog = VOICES[voices[1] ?? ""];
      if (!catalog) return sendJson(res, 404, { error: "NotFound", message: `Unknown model ${voices[1]}` });
      return sendJson(res, 200, { voices: catalog });
    }
    const transport = url.pathname === "/waves/v1/tts/live" ? "sse" : url.pathname === "/waves/v1/tts" ? "rest" : null;
    if (!transport) return sendJson(res, 404, { error: "NotFound", message: `No route for ${url.pathname}` });
    if (req.method !== "POST") return sendJson(res, 405, { error: "MethodNotAllowed", message: "Use POST" });

    const answered = this.timings.start();
    const raw = await readBody(req);
    let body: Record<string, unknown> = {};
    const log: TSmallestRequestLog = {
      transport,
      path: url.pathname,
      headers: req.headers,
      body,
      status: 200,
      chunksSent: 0,
      audioBytes: 0,
      isComplete: false,
      isAborted: false,
    };
    this.requests.push(log);
    const fail = (status: number, payload: Record<string, unknown>) => {
      log.status = status;
      sendJson(res, status, payload);
    };
    if (!this.isAuthorized(req.headers.authorization)) {
      return fail(401, { error: "Unauthorized", message: "Bearer token is missing or invalid." });
    }
    try {
      const parsed: unknown = JSON.parse(raw.toString("utf8"));
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
      body = parsed as Record<string, unknown>;
      log.body = body;
    } catch {
      return fail(400, { error: "InvalidRequest", message: "Request body must be a JSON object." });
    }
    const problem = validate(body);
    if (problem) return fail(400, { error: "InvalidRequest", message: problem });

    const fault = this.faults.take(log);
    if (fault?.kind === "status") return fail(fault.status, fault.body ?? errorBody(fault.status));
    if (!this.acquire()) {
      return fail(429, {
        error: "TooManyRequests",
        message: `Concurrency limit exceeded: only ${this.concurrencyLimit} TTS request(s) can be processed at a time.`,
      });
    }
    const stop = new AbortController();
    this.stops.add(stop);
    res.on("close", () => {
      if (!log.isComplete) log.isAborted = true;
      stop.abort();
    });
    try {
      if (fault?.kind === "hang") {
        await new Promise<void>((resolve) => stop.signal.addEventListener("abort", () => resolve(), { once: true }));
        return;
      }
      const audio = encode(this.audioFor(String(body.text)), String(body.output_format));
      const headers = {
        "X-Session-Id": randomUUID(),
        "X-Request-Id": randomUUID(),
        "X-External-Session-Id": String(body.session_id ?? ""),
        "X-External-Request-Id": String(body.request_id ?? ""),
      };
      if (transport === "rest") {
        await sleep(this.firstByteLatencyMs, stop.signal);
        if (stop.signal.aborted) return;
        res.writeHead(200, { ...headers, "Content-Type": "audio/wav", "Content-Length": audio.length });
        res.end(audio);
        log.audioBytes = audio.length;
        log.isComplete = true;
        return;
      }
      res.writeHead(200, { ...headers, "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
      res.flushHeaders();
      await sleep(this.firstByteLatencyMs, stop.signal);
      for (const chunk of this.chunks(audio, String(body.output_format))) {
        if (stop.signal.aborted) return;
        if (fault?.kind === "disconnect" && log.chunksSent >= fault.afterChunks) {
          res.destroy();
          return;
        }
        const audioB64 = Buffer.from(chunk).toString("base64");
        const event = `event: audio\ndata: ${JSON.stringify({ audio: audioB64, done: false, status: "206" })}\n\n`;
        const written = writeFlushed(res, event, stop.signal);
        answered();
        await written;
        log.chunksSent += 1;
        log.audioBytes += chunk.length;
        await sleep(this.chunkIntervalMs, stop.signal);
      }
      if (stop.signal.aborted) return;
      log.isComplete = true;
      res.end(`data: ${JSON.stringify({ status: "200", done: true })}\n\n`);
    } finally {
      this.stops.delete(stop);
      this.release();
    }
  }

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", "http://fake");
    if (url.pathname !== "/waves/v1/tts/live") return rejectUpgrade(socket, 404);
    const token = url.searchParams.get("token");
    if (!this.isAuthorized(req.headers.authorization) && token !== this.apiKey) return rejectUpgrade(socket, 401);
    // Up to 5 sockets per concurrency unit.
    if (this.concurrencyLimit !== null && this.sockets.size >= 5 * this.concurrencyLimit) {
      return rejectUpgrade(socket, 429);
    }
    const timeoutSeconds = Number(url.searchParams.get("timeout"));
    const idleMs = Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 ? timeoutSeconds * 1000 : this.wsIdleTimeoutMs;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws, req, idleMs));
  }

  private onSocket(ws: WebSocket, req: IncomingMessage, idleMs: number): void {
    this.sockets.add(ws);
    const sessionId = `ws_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
    const stop = new AbortController();
    this.stops.add(stop);
    let pendingText = "";
    const idle = setTimeout(() => {
      send({
        status: "error",
        message: `Connection timed out after ${Math.round(idleMs / 1000)} seconds of inactivity`,
      });
      ws.close(1000);
    }, idleMs);
    const send = (message: Record<string, unknown>) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    const cleanup = () => {
      clearTimeout(idle);
      stop.abort();
      this.stops.delete(stop);
      this.sockets.delete(ws);
    };
    ws.on("close", cleanup);
    ws.on("error", cleanup);
    ws.on("message", (data) => {
      idle.refresh();
      let body: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(data.toString());
        if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
        body = parsed as Record<string, unknown>;
      } catch {
        return send({ status: "error", message: "Invalid JSON", error: { message: "Invalid JSON", code: 400 } });
      }
      pendingText += typeof body.text === "string" ? body.text : "";
      if (body.continue === true && body.flush !== true) return;
      const request = { ...body, text: pendingText };
      pendingText = "";
      void this.synthesizeOverWs(request, req.headers, sessionId, send, stop.signal, ws);
    });
  }

  private async synthesizeOverWs(
    body: Record<string, unknown>,
    headers: IncomingHttpHeaders,
    sessionId: string,
    send: (message: Record<string, unknown>) => void,
    closed: AbortSignal,
    ws: WebSocket,
  ): Promise<void> {
    const requestId = typeof body.request_id === "string" ? body.request_id : `task_${randomUUID()}`;
    const log: TSmallestRequestLog = {
      transport: "ws",
      path: "/waves/v1/tts/live",
      headers,
      body,
      status: 200,
      chunksSent: 0,
      audioBytes: 0,
      isComplete: false,
      isAborted: false,
    };
    this.requests.push(log);
    const ids = { session_id: sessionId, request_id: requestId };
    const fail = (code: number, message: string) => {
      log.status = code;
      send({ ...ids, status: "error", message, error: { message, code } });
    };
    // The WS schema has no output_format; the fake streams mu-law unless pcm is asked for explicitly.
    const problem = validate({ output_format: "ulaw", sample_rate: 8000, ...body });
    if (problem) return fail(400, problem);
    const fault = this.faults.take(log);
    if (fault?.kind === "status") return fail(fault.status, String(errorBody(fault.status).message));
    if (!this.acquire()) return fail(429, "Concurrency limit exceeded: another request is being processed.");
    try {
      if (fault?.kind === "hang") return;
      const audio = encode(this.audioFor(String(body.text)), String(body.output_format ?? "ulaw"));
      await sleep(this.firstByteLatencyMs, closed);
      for (const chunk of this.chunks(audio, String(body.output_format ?? "ulaw"))) {
        if (closed.aborted) {
          log.isAborted = true;
          return;
        }
        if (fault?.kind === "disconnect" && log.chunksSent >= fault.afterChunks) {
          ws.terminate();
          return;
        }
        send({ ...ids, status: "chunk", data: { audio: Buffer.from(chunk).toString("base64") } });
        log.chunksSent += 1;
        log.audioBytes += chunk.length;
        await sleep(this.chunkIntervalMs, closed);
      }
      if (closed.aborted) return;
      log.isComplete = true;
      send({ ...ids, status: "complete", message: "All chunks sent", done: true });
      if (this.wsCloseAfterComplete) ws.close(1000);
    } finally {
      this.release();
    }
  }

  private *chunks(audio: Uint8Array, format: string): Generator<Uint8Array> {
    const bytesPerMs = format === "pcm" ? 16 : 8;
    const size = Math.max(1, Math.round(this.chunkMs * bytesPerMs));
    for (let offset = 0; offset < audio.length; offset += size) yield audio.subarray(offset, offset + size);
  }

  private acquire(): boolean {
    if (this.concurrencyLimit !== null && this.inFlight >= this.concurrencyLimit) return false;
    this.inFlight += 1;
    this.peak = Math.max(this.peak, this.inFlight);
    return true;
  }

  private release(): void {
    this.inFlight -= 1;
  }

  private isAuthorized(header: string | undefined): boolean {
    return header === `Bearer ${this.apiKey}`;
  }
}

function validate(body: Record<string, unknown>): string | null {
  if (typeof body.text !== "string" || body.text.trim() === "") return "The 'text' field is required.";
  if (typeof body.voice_id !== "string" || body.voice_id === "") return "The 'voice_id' field is required.";
  if (body.model !== undefined && !MODELS.includes(String(body.model))) {
    return `Invalid enum value for 'model'. Expected one of ${MODELS.join(", ")}.`;
  }
  const format = body.output_format ?? "pcm";
  if (!OUTPUT_FORMATS.includes(String(format))) {
    return `invalid_enum_value: 'output_format' must be one of ${OUTPUT_FORMATS.join(", ")}, received '${String(format)}'.`;
  }
  const sampleRate = body.sample_rate ?? 44100;
  if (!SAMPLE_RATES.includes(Number(sampleRate))) {
    return `Invalid 'sample_rate'. Expected one of ${SAMPLE_RATES.join(", ")}.`;
  }
  if (body.speed !== undefined && !(Number(body.speed) >= 0.5 && Number(body.speed) <= 2)) {
    return "'speed' must be between 0.5 and 2.0.";
  }
  if (Number(sampleRate) !== 8000 || (format !== "ulaw" && format !== "pcm")) {
    return `This fake only synthesises 8000 Hz ulaw or pcm (got ${String(sampleRate)} Hz ${String(format)}).`;
  }
  return null;
}

const RECENT_AUDIO_ENTRIES = 64;

function encode(mulaw: Uint8Array, format: string): Uint8Array {
  if (format !== "pcm") return mulaw;
  const pcm = Buffer.alloc(mulaw.length * 2);
  for (let i = 0; i < mulaw.length; i++) pcm.writeInt16LE(mulawToLinear(mulaw[i] ?? 0xff), i * 2);
  return pcm;
}

function errorBody(status: number): Record<string, unknown> {
  if (status === 401) return { error: "Unauthorized", message: "Bearer token is missing or invalid." };
  if (status === 429) {
    return {
      error: "TooManyRequests",
      message: "Concurrency limit exceeded: only 1 TTS request can be processed at a time.",
    };
  }
  if (status >= 500) return { error: "InternalServerError", message: "An unexpected error occurred." };
  return { error: STATUS_CODES[status] ?? "Error", message: `Request failed with status ${status}.` };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.destroy();
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function unauthorized(res: ServerResponse): void {
  sendJson(res, 401, { error: "Unauthorized", message: "Bearer token is missing or invalid." });
}

function rejectUpgrade(socket: Duplex, status: number): void {
  const body = JSON.stringify(errorBody(status));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error("body too large");
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
