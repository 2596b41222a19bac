import { createHash, randomUUID } from "node:crypto";
import { createServer, STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { TranscriptModel } from "./deepgram-transcript";
import {
  checkQuery,
  isAuthorized,
  metadataMessage,
  rejectUpgrade,
  resultsMessage,
  speechStartedMessage,
  utteranceEndMessage,
  type TWireMessage,
} from "./deepgram-wire";
import { FaultQueue, ResponseTimings, listenLocal, sleep } from "./faults";

// Fake Deepgram live transcription (`wss://api.deepgram.com/v1/listen`), speaking the wire protocol of
// protocols.md §8 (./deepgram-wire.ts). Each caller turn is answered with the next scripted transcript, at the
// times ./deepgram-transcript.ts models (the turn-taking measurements depend on them). This file holds the
// server, each stream's socket and the faults a test can inject: refused or slow handshakes, a server that stops
// answering, streams closed by the server after a number of messages or at once.
// CloseStream: every outstanding word as a final, Metadata, close 1000. 10 s without audio or KeepAlive:
// close NET-0001.

export type TDeepgramTranscriptContext = {
  connectionIndex: number;
  turnIndex: number; // per connection, from 0
  query: URLSearchParams;
};

export type TDeepgramScript = string[] | ((context: TDeepgramTranscriptContext) => string | undefined);

export type TFakeDeepgramOptions = {
  apiKey?: string;
  transcripts?: TDeepgramScript;
  finalLatencyMs?: number;
  speechRmsThreshold?: number;
  // Voiced audio needed before a segment counts as speech.
  minSpeechMs?: number;
  // The fake's VAD is cruder than Deepgram's, so pauses shorter than this never end a segment.
  minEndpointingMs?: number;
  msPerWord?: number;
  interimIntervalMs?: number;
  // An interim carries the words spoken up to this long before it.
  interimLagMs?: number;
  // Silence that ends a stretch of speech (completes its last word).
  stretchEndMs?: number;
  // A pause at least this long before new speech starts the transcript's next stretch ("|"); shorter gaps are
  // the gaps between words of one stretch.
  minPauseMs?: number;
  idleTimeoutMs?: number;
  handshakeDelayMs?: number;
  // Per connection; long benchmarks would otherwise keep every interim result in memory.
  maxLoggedMessages?: number;
  // Told of each accepted connection before any of its audio (bench:voice gives each call its own transcripts).
  onConnection?: (connection: TDeepgramConnectionLog) => void;
};

export type TDeepgramConnectionLog = {
  index: number;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  audioBytes: number;
  audioFrames: number;
  controls: Record<string, unknown>[]; // parsed text frames from the client, in order (first maxLoggedMessages)
  invalidTextFrames: string[];
  sent: Record<string, unknown>[]; // first maxLoggedMessages only; sentCount has the total
  sentCount: number;
  // SHA-256 of every audio byte received, set when CloseStream arrives (the Metadata that carries it may never go out
  // if the client stops waiting for it).
  audioSha256?: string;
  closed?: { code: number; reason: string; by: "server" | "client" };
};

export type TDeepgramHandshakeLog = { query: URLSearchParams; headers: IncomingHttpHeaders; status: number };

type TCloseFault = { afterMessages: number; code: number; reason: string };

export class FakeDeepgram {
  apiKey: string;
  finalLatencyMs: number;
  speechRmsThreshold: number;
  minSpeechMs: number;
  minEndpointingMs: number;
  msPerWord: number;
  interimIntervalMs: number;
  interimLagMs: number;
  stretchEndMs: number;
  minPauseMs: number;
  idleTimeoutMs: number;
  handshakeDelayMs: number;
  maxLoggedMessages: number;
  onConnection: ((connection: TDeepgramConnectionLog) => void) | null;
  // false = keep the socket open but send nothing (a stalled server).
  isResponding = true;
  // Server-initiated close after a connection has sent this many messages (counted per connection).
  closeAfterMessages: TCloseFault | null = null;

  readonly connections: TDeepgramConnectionLog[] = [];
  // Finalize received -> its final result sent, per Finalize (see ResponseTimings).
  readonly timings = new ResponseTimings();
  readonly handshakes: TDeepgramHandshakeLog[] = [];

  private script: TDeepgramScript = [];
  private queue: string[] = [];
  private readonly refusals = new FaultQueue<number>();
  private readonly live = new Set<Connection>();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });

  private constructor(
    readonly url: string,
    private readonly closeServer: () => Promise<void>,
    options: TFakeDeepgramOptions,
  ) {
    this.apiKey = options.apiKey ?? "test-deepgram-key";
    this.finalLatencyMs = options.finalLatencyMs ?? 150;
    this.speechRmsThreshold = options.speechRmsThreshold ?? 400;
    this.minSpeechMs = options.minSpeechMs ?? 40;
    this.minEndpointingMs = options.minEndpointingMs ?? 200;
    this.msPerWord = options.msPerWord ?? 250;
    this.interimIntervalMs = options.interimIntervalMs ?? 250;
    this.interimLagMs = options.interimLagMs ?? 250;
    this.stretchEndMs = options.stretchEndMs ?? 80;
    this.minPauseMs = options.minPauseMs ?? 250;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 10_000;
    this.handshakeDelayMs = options.handshakeDelayMs ?? 0;
    this.maxLoggedMessages = options.maxLoggedMessages ?? 2000;
    this.onConnection = options.onConnection ?? null;
    this.transcripts = options.transcripts ?? [];
  }

  static async start(options: TFakeDeepgramOptions = {}): Promise<FakeDeepgram> {
    const server = createServer((_req, res) => {
      res.writeHead(426, { "Content-Type": "application/json" }).end('{"err_msg":"WebSocket upgrade required"}');
    });
    const listening = await listenLocal(server);
    const fake = new FakeDeepgram(`ws://127.0.0.1:${listening.port}`, listening.close, options);
    server.on("upgrade", (req, socket, head) => {
      socket.on("error", () => socket.destroy());
      void fake.handleUpgrade(req, socket, head);
    });
    return fake;
  }

  set transcripts(script: TDeepgramScript) {
    this.script = script;
    this.queue = Array.isArray(script) ? [...script] : [];
  }

  enqueue(...texts: string[]): void {
    if (!Array.isArray(this.script)) this.script = [];
    this.queue.push(...texts);
  }

  get remainingTranscripts(): number {
    return this.queue.length;
  }

  get openConnections(): number {
    return this.live.size;
  }

  refuseHandshakes(status: number, times = 1): void {
    this.refusals.push(status, times);
  }

  // Server-initiated close of every open stream, e.g. 1011 NET-0000 (internal error).
  dropConnections(code = 1011, reason = "NET-0000"): void {
    for (const connection of this.live) connection.closeFromServer(code, reason);
  }

  async close(): Promise<void> {
    for (const connection of this.live) connection.destroy();
    this.live.clear();
    this.refusals.clear();
    await this.closeServer();
  }

  nextTranscript(context: TDeepgramTranscriptContext): string {
    if (typeof this.script === "function") return this.script(context) ?? "";
    return this.queue.shift() ?? "";
  }

  forget(connection: Connection): void {
    this.live.delete(connection);
  }

  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const log: TDeepgramHandshakeLog = { query: url.searchParams, headers: req.headers, status: 101 };
    this.handshakes.push(log);
    const refuse = (status: number, errCode: string, message: string) => {
      log.status = status;
      rejectUpgrade(socket, status, errCode, message);
    };
    if (url.pathname !== "/v1/listen") return refuse(404, "NOT_FOUND", `No route for ${url.pathname}`);
    if (this.handshakeDelayMs > 0) await sleep(this.handshakeDelayMs);
    if (socket.destroyed) return;
    const forced = this.refusals.take(undefined);
    if (forced !== undefined) return refuse(forced, "FAULT_INJECTED", STATUS_CODES[forced] ?? "Error");
    if (!isAuthorized(req.headers, this.apiKey)) return refuse(401, "INVALID_AUTH", "Invalid credentials.");
    const problem = checkQuery(url.searchParams);
    if (problem) return refuse(400, "Bad Request", problem);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const index = this.connections.length;
      const connectionLog: TDeepgramConnectionLog = {
        index,
        query: url.searchParams,
        headers: req.headers,
        audioBytes: 0,
        audioFrames: 0,
        controls: [],
        invalidTextFrames: [],
        sent: [],
        sentCount: 0,
      };
      this.connections.push(connectionLog);
      this.onConnection?.(connectionLog);
      this.live.add(new Connection(this, ws, connectionLog));
    });
  }
}

// One accepted stream: its socket, its log, and the order and latency of what it sends.
class Connection {
  private readonly stream = { requestId: randomUUID(), modelUuid: randomUUID() };
  private readonly sha = createHash("sha256");
  private readonly model: TranscriptModel;
  private lastDeliverAt = 0;
  private isClosing = false;
  private hasCloseStream = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly idleTimer: NodeJS.Timeout;

  constructor(
    private readonly fake: FakeDeepgram,
    private readonly ws: WebSocket,
    private readonly log: TDeepgramConnectionLog,
  ) {
    this.model = new TranscriptModel(
      fake,
      log.query,
      (turnIndex) => fake.nextTranscript({ connectionIndex: log.index, turnIndex, query: log.query }),
      {
        speechStarted: (atMs) => this.send(speechStartedMessage(atMs)),
        interim: (text, startMs, endMs) => this.send(resultsMessage(this.stream, text, startMs, endMs, { isFinal: false, isSpeechFinal: false, isFromFinalize: false })),
        final: (text, startMs, endMs, flags, onSent) => this.sendLater(resultsMessage(this.stream, text, startMs, endMs, { isFinal: true, ...flags }), onSent),
        utteranceEnd: (lastWordEndMs) => this.sendLater(utteranceEndMessage(lastWordEndMs)),
      },
    );
    this.idleTimer = setTimeout(() => this.closeFromServer(1011, "NET-0001"), fake.idleTimeoutMs);
    ws.on("message", (data, isBinary) => this.onMessage(data, isBinary));
    ws.on("close", (code, reason) => {
      this.log.closed ??= { code, reason: reason.toString(), by: "client" };
      this.cleanup();
    });
    ws.on("error", () => this.cleanup());
  }

  closeFromServer(code: number, reason: string): void {
    if (this.isClosing) return;
    this.isClosing = true;
    this.log.closed = { code, reason, by: "server" };
    this.cleanup();
    this.ws.close(code, reason);
    // A client that never answers the close frame must not keep the fake alive.
    const kill = setTimeout(() => this.ws.terminate(), 2000);
    kill.unref();
  }

  destroy(): void {
    this.cleanup();
    this.ws.terminate();
  }

  private cleanup(): void {
    clearTimeout(this.idleTimer);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.fake.forget(this);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.isClosing) return;
    if (isBinary) {
      const chunk = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      this.idleTimer.refresh();
      this.log.audioBytes += chunk.length;
      this.log.audioFrames += 1;
      this.sha.update(chunk);
      this.model.onAudio(chunk);
      return;
    }
    const text = data.toString();
    let message: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== "object") throw new Error("not an object");
      message = parsed as Record<string, unknown>;
    } catch {
      this.log.invalidTextFrames.push(text.slice(0, 200));
      return;
    }
    if (this.log.controls.length < this.fake.maxLoggedMessages) this.log.controls.push(message);
    switch (message.type) {
      case "KeepAlive":
        this.idleTimer.refresh();
        break;
      case "Finalize":
        this.model.finalize(this.fake.timings.start());
        break;
      case "CloseStream":
        this.closeStream();
        break;
      default:
        this.log.invalidTextFrames.push(text.slice(0, 200));
    }
  }

  private closeStream(): void {
    if (this.hasCloseStream) return;
    this.hasCloseStream = true;
    this.model.closeStream();
    this.log.audioSha256 = this.sha.digest("hex");
    // Metadata and the close in one timer: two timers due at the same moment may fire in either order, and the close
    // went out first under load (a CI run saw a normal close with no Metadata).
    this.sendLater(metadataMessage(this.stream.requestId, this.log.audioSha256, this.model.audioMs), () => this.closeFromServer(1000, ""));
  }

  // Results after Finalize or end of speech arrive `finalLatencyMs` later, never out of order.
  private sendLater(message: TWireMessage, onSent?: () => void): void {
    this.afterDeliveries(() => {
      this.send(message);
      onSent?.();
    }, this.fake.finalLatencyMs);
  }

  private afterDeliveries(action: () => void, latencyMs = 0): void {
    const now = Date.now();
    const at = Math.max(now + latencyMs, this.lastDeliverAt);
    this.lastDeliverAt = at;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, at - now);
    this.timers.add(timer);
  }

  private send(message: TWireMessage): void {
    if (this.isClosing || !this.fake.isResponding || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify(message));
    this.log.sentCount += 1;
    if (this.log.sent.length < this.fake.maxLoggedMessages) this.log.sent.push(message);
    const fault = this.fake.closeAfterMessages;
    if (fault && this.log.sentCount >= fault.afterMessages) this.closeFromServer(fault.code, fault.reason);
  }
}
