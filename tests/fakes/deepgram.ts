import { createHash, randomUUID } from "node:crypto";
import { createServer, STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { FaultQueue, ResponseTimings, listenLocal, mulawRms, sleep } from "./faults";

// Fake Deepgram live transcription (`wss://api.deepgram.com/v1/listen`), speaking the wire protocol of
// protocols.md §8. It cannot recognise words, so it detects speech by energy in the mu-law audio and answers
// each caller turn with the next scripted transcript.
//
// The timing model (documented in bench/results/voice.md; the turn-taking measurements depend on it):
// - A turn starts with the first voiced audio and takes one transcript (SpeechStarted if vad_events=true).
//   "|" in a transcript marks where the caller pauses: "five five five | two one two" is said in two stretches
//   of speech, each stretch getting its own words. Without "|" the whole transcript is one stretch.
// - Words are spoken at `msPerWord` of voiced audio each; the last word of a stretch is complete when the stretch
//   ends (`stretchEndMs` of silence), or at a Finalize, which flushes the stretch in progress. Speech after a
//   pause of `minPauseMs` (250) or more starts the next stretch; shorter gaps are gaps between words.
// - Interims (interim_results=true): every `interimIntervalMs` (250) of audio from the turn's start (on the
//   first 20 ms window at or after each tick), an interim result carrying every
//   word spoken up to `interimLagMs` (250) earlier that no final has carried yet; none when that is empty or
//   unchanged since the last one.
// - Finalize (may come at any time): `finalLatencyMs` (150) later, is_final + from_finalize with every word
//   spoken so far and not yet final ("" if none). Recognition goes on after it: the turn continues with its next
//   stretch, and only a turn whose words are all final ends, so the next speech takes the next transcript.
//   A Finalize that completes the turn less than minPauseMs into a silence (a listener's VAD took a gap inside
//   or between words for the end of speech) ends it only once the silence reaches minPauseMs: speech before
//   then is the rest of that turn. Each pause counts once (for the first speech after it).
// - After `endpointing` ms of silence: is_final + speech_final with the words spoken so far; UtteranceEnd after
//   utterance_end_ms of silence.
// - CloseStream: every outstanding word as a final, Metadata, close 1000. 10 s without audio or KeepAlive:
//   close NET-0001.
// Time is measured in received audio (8 bytes per ms), so tests may send audio faster than real time.

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

const MODEL_INFO = { name: "general-nova-3", version: "2024-11-01.0", arch: "nova-3" };
const WINDOW_BYTES = 160; // 20 ms at 8 kHz mu-law

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

function isAuthorized(headers: IncomingHttpHeaders, apiKey: string): boolean {
  const authorization = headers.authorization ?? "";
  const match = /^(token|bearer)\s+(.+)$/i.exec(authorization.trim());
  if (match?.[2] === apiKey) return true;
  // Browsers cannot set headers and authenticate with the subprotocols ["token", KEY].
  const protocols = (headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
  return protocols[0]?.toLowerCase() === "token" && protocols[1] === apiKey;
}

function checkQuery(query: URLSearchParams): string | null {
  if (query.get("encoding") !== "mulaw") return "This fake only accepts encoding=mulaw (raw audio needs encoding).";
  if (query.get("sample_rate") !== "8000") return "sample_rate=8000 is required for raw mulaw audio.";
  const channels = query.get("channels");
  if (channels !== null && channels !== "1") return "Only channels=1 is supported by this fake.";
  const model = query.get("model") ?? "";
  if (model.startsWith("nova-3") && query.has("keywords")) {
    return "Keywords are not supported for Nova-3; use keyterm instead.";
  }
  if (query.has("keyterm") && !model.startsWith("nova-3")) return "Keyterm is only supported with Nova-3 models.";
  const endpointing = query.get("endpointing");
  if (endpointing !== null && endpointing !== "false" && endpointing !== "true" && !/^\d+$/.test(endpointing)) {
    return `Invalid endpointing value: ${endpointing}`;
  }
  const utteranceEnd = query.get("utterance_end_ms");
  if (utteranceEnd !== null && !/^\d+$/.test(utteranceEnd)) return `Invalid utterance_end_ms: ${utteranceEnd}`;
  return null;
}

function rejectUpgrade(socket: Duplex, status: number, errCode: string, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ err_code: errCode, err_msg: message, request_id: randomUUID() });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n` +
      "Content-Type: application/json\r\n" +
      `dg-error: ${message}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      "Connection: close\r\n\r\n" +
      body,
  );
}

type TTurn = {
  index: number;
  words: string[]; // every word of the transcript, as punctuated there
  stretchEnds: number[]; // flat index after the last word of each stretch
  stretch: number; // the stretch being spoken, or last spoken
  isStretchOpen: boolean;
  stretchVoicedMs: number;
  spokenAtMs: number[]; // when each word spoken so far was complete (audio ms)
  delivered: number; // words already carried by a final
  startMs: number;
  nextInterimAtMs: number; // on a grid of interimIntervalMs from the turn's start
  lastInterimText: string;
};

function parseTranscript(text: string): { words: string[]; stretchEnds: number[] } {
  const words: string[] = [];
  const stretchEnds: number[] = [];
  for (const stretch of text.split("|")) {
    const stretchWords = stretch.trim() ? stretch.trim().split(/\s+/) : [];
    if (stretchWords.length === 0) continue;
    words.push(...stretchWords);
    stretchEnds.push(words.length);
  }
  return { words, stretchEnds };
}

class Connection {
  private readonly requestId = randomUUID();
  private readonly modelUuid = randomUUID();
  private readonly sha = createHash("sha256");
  private readonly isInterim: boolean;
  private readonly hasVadEvents: boolean;
  private readonly endpointingMs: number | null;
  private readonly utteranceEndMs: number | null;
  private carry: Buffer = Buffer.alloc(0);
  private audioMs = 0;
  private voicedRunMs = 0;
  private silenceRunMs = 0;
  private pauseBeforeMs = 0;
  private isInSpeech = false;
  private segmentStartMs = 0;
  private lastVoiceMs = 0;
  private turn: TTurn | null = null;
  // The turn's words are all final but a Finalize cut its last stretch short: it ends at the next real pause.
  private isTurnHeld = false;
  private turnCount = 0;
  private isUtteranceEndPending = false;
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
    const query = log.query;
    this.isInterim = query.get("interim_results") === "true";
    this.hasVadEvents = query.get("vad_events") === "true";
    const endpointing = query.get("endpointing");
    // Deepgram's default endpointing is 10 ms; "false" disables it.
    this.endpointingMs =
      endpointing === "false"
        ? null
        : Math.max(fake.minEndpointingMs, endpointing === null || endpointing === "true" ? 10 : Number(endpointing));
    const utteranceEnd = query.get("utterance_end_ms");
    this.utteranceEndMs = utteranceEnd !== null && this.isInterim ? Number(utteranceEnd) : null;

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
      this.onAudio(chunk);
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
        this.finalize(true, this.fake.timings.start());
        break;
      case "CloseStream":
        this.closeStream();
        break;
      default:
        this.log.invalidTextFrames.push(text.slice(0, 200));
    }
  }

  private onAudio(chunk: Buffer): void {
    let audio = chunk;
    if (this.carry.length > 0) {
      audio = Buffer.concat([this.carry, chunk]);
      this.carry = Buffer.alloc(0);
    }
    let offset = 0;
    for (; offset + WINDOW_BYTES <= audio.length; offset += WINDOW_BYTES) {
      this.onWindow(mulawRms(audio, offset, offset + WINDOW_BYTES) >= this.fake.speechRmsThreshold);
    }
    if (offset < audio.length) this.carry = Buffer.from(audio.subarray(offset));
  }

  private onWindow(isVoiced: boolean): void {
    this.audioMs += 20;
    if (isVoiced) {
      if (this.silenceRunMs > 0) this.pauseBeforeMs = this.silenceRunMs;
      this.voicedRunMs += 20;
      this.silenceRunMs = 0;
      this.lastVoiceMs = this.audioMs;
      if (!this.isInSpeech && this.voicedRunMs >= this.fake.minSpeechMs) this.startSegment();
      if (this.turn && this.voicedRunMs >= this.fake.minSpeechMs) this.maybeNextStretch(this.turn);
      if (this.isInSpeech && this.turn) {
        this.turn.stretchVoicedMs += 20;
        this.speakByRate(this.turn);
      }
      if (this.turn) this.maybeSendInterim(this.turn);
      return;
    }
    this.voicedRunMs = 0;
    this.silenceRunMs += 20;
    if (this.isTurnHeld && this.silenceRunMs >= this.fake.minPauseMs) {
      this.isTurnHeld = false;
      if (this.isTurnDone()) this.turn = null;
    }
    if (this.turn?.isStretchOpen && this.silenceRunMs >= this.fake.stretchEndMs) this.endStretch(this.turn, this.lastVoiceMs);
    if (this.turn) this.maybeSendInterim(this.turn);
    if (this.isInSpeech && this.endpointingMs !== null && this.silenceRunMs >= this.endpointingMs) {
      this.isInSpeech = false;
      this.deliverSpoken({ isSpeechFinal: true, isFromFinalize: false });
      if (this.utteranceEndMs === null && this.isTurnDone()) this.turn = null;
    }
    if (this.isUtteranceEndPending && this.utteranceEndMs !== null && this.silenceRunMs >= this.utteranceEndMs) {
      this.isUtteranceEndPending = false;
      if (this.isInSpeech) {
        // endpointing=false: the segment is still open, so it becomes final now.
        this.isInSpeech = false;
        this.deliverSpoken({ isSpeechFinal: false, isFromFinalize: false });
      }
      this.sendLater({ type: "UtteranceEnd", channel: [0, 1], last_word_end: seconds(this.lastVoiceMs) });
      if (this.isTurnDone()) this.turn = null;
    }
  }

  private startSegment(): void {
    this.isInSpeech = true;
    this.segmentStartMs = this.audioMs - this.voicedRunMs;
    this.isUtteranceEndPending = this.utteranceEndMs !== null;
    if (!this.turn) {
      this.isTurnHeld = false;
      const index = this.turnCount++;
      const text = this.fake
        .nextTranscript({ connectionIndex: this.log.index, turnIndex: index, query: this.log.query })
        .trim();
      const { words, stretchEnds } = parseTranscript(text);
      this.turn = {
        index,
        words,
        stretchEnds,
        stretch: 0,
        isStretchOpen: true,
        stretchVoicedMs: this.voicedRunMs - 20,
        spokenAtMs: [],
        delivered: 0,
        startMs: this.segmentStartMs,
        nextInterimAtMs: this.segmentStartMs + this.fake.interimIntervalMs,
        lastInterimText: "",
      };
    }
    if (this.hasVadEvents) this.send({ type: "SpeechStarted", channel: [0], timestamp: seconds(this.segmentStartMs) });
  }

  // The caller goes on after a real pause: the next stretch of the same turn.
  private maybeNextStretch(turn: TTurn): void {
    // Each pause counts once, at the first confirmed speech after it: a pause the open stretch absorbed must not
    // later move a stretch that a Finalize flushed on to the next one.
    const pauseMs = this.pauseBeforeMs;
    this.pauseBeforeMs = 0;
    if (turn.isStretchOpen || pauseMs < this.fake.minPauseMs) return;
    if (turn.stretch >= turn.stretchEnds.length - 1) return;
    turn.stretch++;
    turn.isStretchOpen = true;
    turn.stretchVoicedMs = this.voicedRunMs - 20;
  }

  // Words of the open stretch are complete every msPerWord of its voiced audio, all but its last word.
  private speakByRate(turn: TTurn): void {
    if (!turn.isStretchOpen) return;
    const end = turn.stretchEnds[turn.stretch] ?? 0;
    const start = turn.stretch === 0 ? 0 : (turn.stretchEnds[turn.stretch - 1] ?? 0);
    const byRate = start + Math.floor(turn.stretchVoicedMs / this.fake.msPerWord);
    const target = Math.min(end - 1, byRate);
    while (turn.spokenAtMs.length < target) turn.spokenAtMs.push(this.audioMs);
  }

  private endStretch(turn: TTurn, atMs: number): void {
    if (!turn.isStretchOpen) return;
    turn.isStretchOpen = false;
    const end = turn.stretchEnds[turn.stretch] ?? 0;
    while (turn.spokenAtMs.length < end) turn.spokenAtMs.push(atMs);
  }

  private isTurnDone(): boolean {
    const turn = this.turn;
    return !turn || (!turn.isStretchOpen && turn.delivered >= turn.words.length);
  }

  private maybeSendInterim(turn: TTurn): void {
    if (!this.isInterim) return;
    if (this.audioMs < turn.nextInterimAtMs) return;
    while (turn.nextInterimAtMs <= this.audioMs) turn.nextInterimAtMs += this.fake.interimIntervalMs;
    const cutoffMs = this.audioMs - this.fake.interimLagMs;
    let count = turn.delivered;
    while (count < turn.spokenAtMs.length && turn.spokenAtMs[count]! <= cutoffMs) count++;
    const text = turn.words.slice(turn.delivered, count).join(" ");
    if (!text || text === turn.lastInterimText) return;
    turn.lastInterimText = text;
    this.send(this.results(text, turn.startMs, this.audioMs, { isFinal: false, isSpeechFinal: false, isFromFinalize: false }));
  }

  // A final with every word spoken and not yet final.
  private deliverSpoken(flags: { isSpeechFinal: boolean; isFromFinalize: boolean }, onSent?: () => void, isEverything = false): void {
    const turn = this.turn;
    let text = "";
    if (turn) {
      const upTo = isEverything ? turn.words.length : turn.spokenAtMs.length;
      text = turn.words.slice(turn.delivered, upTo).join(" ");
      turn.delivered = Math.max(turn.delivered, upTo);
      turn.lastInterimText = "";
    }
    const startMs = turn ? turn.startMs : this.segmentStartMs;
    const endMs = Math.max(startMs, this.isInSpeech ? this.audioMs : this.lastVoiceMs);
    this.sendLater(this.results(text, startMs, endMs, { isFinal: true, ...flags }), onSent);
  }

  private finalize(isFromFinalize: boolean, onSent?: () => void): void {
    // Finalize flushes the audio received: the stretch in progress counts as said.
    if (this.turn) this.endStretch(this.turn, this.audioMs);
    this.deliverSpoken({ isSpeechFinal: false, isFromFinalize }, onSent, !isFromFinalize);
    this.isInSpeech = false;
    this.voicedRunMs = 0;
    this.isUtteranceEndPending = false;
    if (!this.isTurnDone()) return;
    // A Finalize inside the caller's speech (their VAD took a gap inside a word, or between words, for silence;
    // the fake's energy detector may have too) leaves the turn open to the caller's next real pause: the rest of
    // that speech (the tail of its last word) is still this turn, and must not take the next transcript.
    if (this.silenceRunMs >= this.fake.minPauseMs) this.turn = null;
    else this.isTurnHeld = true;
  }

  private closeStream(): void {
    if (this.hasCloseStream) return;
    this.hasCloseStream = true;
    if (this.turn && this.turn.delivered < this.turn.words.length) this.finalize(false);
    this.log.audioSha256 = this.sha.digest("hex");
    this.sendLater({
      type: "Metadata",
      transaction_key: "deprecated",
      request_id: this.requestId,
      sha256: this.log.audioSha256,
      created: new Date().toISOString(),
      duration: seconds(this.audioMs),
      channels: 1,
    });
    this.afterDeliveries(() => this.closeFromServer(1000, ""));
  }

  private results(
    text: string,
    startMs: number,
    endMs: number,
    flags: { isFinal: boolean; isSpeechFinal: boolean; isFromFinalize: boolean },
  ): Record<string, unknown> {
    const tokens = text ? text.split(/\s+/) : [];
    const durationMs = Math.max(endMs - startMs, 0);
    const perWordMs = tokens.length > 0 ? durationMs / tokens.length : 0;
    const words = tokens.map((token, i) => ({
      word: token.toLowerCase().replace(/[^\p{L}\p{N}'-]/gu, ""),
      start: seconds(startMs + i * perWordMs),
      end: seconds(startMs + (i + 1) * perWordMs),
      confidence: 0.98,
      punctuated_word: token,
    }));
    return {
      type: "Results",
      channel_index: [0, 1],
      duration: seconds(durationMs),
      start: seconds(startMs),
      is_final: flags.isFinal,
      speech_final: flags.isSpeechFinal,
      from_finalize: flags.isFromFinalize,
      channel: { alternatives: [{ transcript: text, confidence: tokens.length ? 0.98 : 0, words }] },
      metadata: { request_id: this.requestId, model_info: MODEL_INFO, model_uuid: this.modelUuid },
    };
  }

  // Results after Finalize or end of speech arrive `finalLatencyMs` later, never out of order.
  private sendLater(message: Record<string, unknown>, onSent?: () => void): void {
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

  private send(message: Record<string, unknown>): void {
    if (this.isClosing || !this.fake.isResponding || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify(message));
    this.log.sentCount += 1;
    if (this.log.sent.length < this.fake.maxLoggedMessages) this.log.sent.push(message);
    const fault = this.fake.closeAfterMessages;
    if (fault && this.log.sentCount >= fault.afterMessages) this.closeFromServer(fault.code, fault.reason);
  }
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}
