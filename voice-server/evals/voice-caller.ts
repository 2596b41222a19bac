import { randomBytes } from "node:crypto";
import WebSocket from "ws";
import { FRAME_BYTES, MULAW_DECODE_TABLE, MULAW_SILENCE } from "@/lib/audio/mulaw";
import type { TTtsProvider } from "@/voice-server/providers/types";

// The caller of a voice-mode test scenario, run by the worker against the voice server: it speaks Twilio's Media
// Streams protocol (../../../shared/reference/protocols.md §1) over a ticketed socket, sends a 20 ms mu-law frame
// every 20 ms (the caller's synthesized line, or line silence), plays the agent's audio out in real time (8 bytes
// per ms), echoes marks as the playout passes them, drops its queue on `clear`, presses keys and hangs up. Timing
// is measured here, at the wire, as a caller would live it.

const FRAME_MS = 20;
const BYTES_PER_MS = 8;
const TICK_MS = 5;
// RMS (linear int16) above which a frame is speech: line silence is 0, the synthesized voice's quietest frames
// sit well above it.
const VOICED_RMS = 200;

const SQUARES: Float64Array = (() => {
  const table = new Float64Array(256);
  for (let b = 0; b < 256; b++) table[b] = MULAW_DECODE_TABLE[b]! * MULAW_DECODE_TABLE[b]!;
  return table;
})();

export function isVoicedMulaw(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  if (end <= start) return false;
  let sum = 0;
  for (let i = start; i < end; i++) sum += SQUARES[bytes[i]!]!;
  return Math.sqrt(sum / (end - start)) >= VOICED_RMS;
}

export type TCallerLine = { text: string; frames: Uint8Array[] };

const SILENCE_FRAME = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);

// A line as whole 20 ms frames, silence trimmed from both ends.
export function framesOf(mulaw: Uint8Array): Uint8Array[] {
  const all: Uint8Array[] = [];
  for (let offset = 0; offset < mulaw.length; offset += FRAME_BYTES) {
    const frame = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);
    frame.set(mulaw.subarray(offset, Math.min(mulaw.length, offset + FRAME_BYTES)));
    all.push(frame);
  }
  const voiced = all.map((f) => isVoicedMulaw(f));
  const first = voiced.indexOf(true);
  const last = voiced.lastIndexOf(true);
  return first < 0 ? [] : all.slice(first, last + 1);
}

// Synthesizes caller lines with a voice unlike the agent's, once per text per process.
export class CallerVoice {
  private readonly cache = new Map<string, Promise<TCallerLine>>();

  constructor(
    private readonly tts: TTtsProvider,
    private readonly voice: { voice: string; language: string },
  ) {}

  line(text: string): Promise<TCallerLine> {
    const key = `${this.voice.voice}|${this.voice.language}|${text}`;
    let entry = this.cache.get(key);
    if (!entry) {
      entry = (async () => {
        const chunks: Uint8Array[] = [];
        for await (const chunk of this.tts.synthesize(text, { ...this.voice, signal: AbortSignal.timeout(30_000) })) chunks.push(chunk);
        const frames = framesOf(Buffer.concat(chunks));
        if (frames.length === 0) throw new Error(`the caller's voice produced no audio for "${text.slice(0, 60)}"`);
        return { text, frames };
      })();
      entry.catch(() => this.cache.delete(key));
      this.cache.set(key, entry);
      if (this.cache.size > 500) this.cache.delete(this.cache.keys().next().value as string);
    }
    return entry;
  }
}

type TPlayItem = { kind: "audio"; endAt: number } | { kind: "mark"; name: string; at: number };

export type TVoiceCallEnd = { by: "caller" | "server" | "error"; code: number | null; reason: string };

export class EvalVoiceCall {
  readonly callSid = `CA${randomBytes(16).toString("hex")}`;
  readonly streamSid = `MZ${randomBytes(16).toString("hex")}`;
  private ws: WebSocket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private t0 = 0;
  private nextFrameAt = 0;
  private chunk = 0;
  private sequence = 0;
  private line: { frames: Uint8Array[]; index: number; resolve: () => void } | null = null;
  private readonly queue: TPlayItem[] = [];
  private tailEndAt = 0;
  private waiters: { isDone: () => boolean; resolve: () => void }[] = [];
  // Receipt times of voiced agent audio whose first voiced frame starts a new stretch (after caller action or quiet).
  readonly agentOnsets: number[] = [];
  private lastAgentVoiceAt = -Infinity;
  private lastCallerActionAt = -Infinity;
  end: TVoiceCallEnd | null = null;
  readonly protocolErrors: string[] = [];

  constructor(private readonly options: { url: string; accountSid: string; callId: string; teamId: string }) {}

  now(): number {
    return performance.now();
  }

  get startedAt(): number {
    return this.t0;
  }

  get isOpen(): boolean {
    return !this.end;
  }

  // Agent audio is queued or playing at the caller's ear.
  get isAgentAudible(): boolean {
    return this.tailEndAt > this.now();
  }

  open(timeoutMs = 10_000): Promise<void> {
    const ws = new WebSocket(this.options.url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    this.ws = ws;
    return new Promise((resolve, reject) => {
      ws.once("unexpected-response", (_request, response) => {
        const status = response.statusCode ?? 0;
        response.resume();
        ws.terminate();
        reject(
          new Error(
            status === 403
              ? "the voice server refused the test call's ticket (403): the worker and the voice server need the same ENCRYPTION_KEY (or AUTH_SECRET)"
              : status === 503
                ? "the voice server is busy or shutting down (503); try the run again"
                : `the voice server refused the test call (HTTP ${status})`,
          ),
        );
      });
      ws.once("error", (error) => reject(new Error(`cannot reach the voice server for the test call: ${error.message}`)));
      ws.once("open", () => {
        ws.on("message", (data, isBinary) => this.onMessage(data, isBinary));
        ws.on("close", (code, reason) => this.finish({ by: "server", code, reason: reason.toString("utf8") }));
        ws.on("error", (error) => this.protocolErrors.push(`socket error: ${error.message}`));
        this.sendJson({ event: "connected", protocol: "Call", version: "1.0.0" });
        this.sendJson({
          event: "start",
          sequenceNumber: String(++this.sequence),
          start: {
            accountSid: this.options.accountSid,
            streamSid: this.streamSid,
            callSid: this.callSid,
            tracks: ["inbound"],
            mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 },
            // As if within business hours: a suite's result must not depend on when it runs.
            customParameters: { callId: this.options.callId, teamId: this.options.teamId, suite: "1", hours: "open" },
          },
          streamSid: this.streamSid,
        });
        this.t0 = this.now();
        this.nextFrameAt = this.t0;
        this.timer = setInterval(() => this.tick(), TICK_MS);
        resolve();
      });
    });
  }

  // Streams the line in real time; resolves when its last frame is sent (or the call ended).
  say(line: TCallerLine): Promise<void> {
    if (this.end) return Promise.resolve();
    return new Promise((resolve) => {
      this.line = { frames: line.frames, index: 0, resolve };
    });
  }

  async pressKeys(digits: string): Promise<void> {
    for (const digit of digits) {
      if (this.end) return;
      this.sendJson({ event: "dtmf", streamSid: this.streamSid, sequenceNumber: String(++this.sequence), dtmf: { track: "inbound_track", digit } });
      this.lastCallerActionAt = this.now();
      await this.sleep(150);
    }
  }

  hangUp(): void {
    if (this.end) return;
    this.sendJson({ event: "stop", sequenceNumber: String(++this.sequence), streamSid: this.streamSid, stop: { accountSid: this.options.accountSid, callSid: this.callSid } });
    this.finish({ by: "caller", code: 1000, reason: "caller_hangup" });
    this.ws?.close(1000, "caller_hangup");
  }

  abort(reason: string): void {
    if (this.end) return;
    this.finish({ by: "error", code: null, reason });
    this.ws?.terminate();
  }

  // The first voiced agent audio received after `since`, if any.
  onsetAfter(since: number): number | null {
    return this.agentOnsets.find((at) => at > since) ?? null;
  }

  // Until the agent has started speaking after `since`, or the call ended, or the timeout.
  waitForOnset(since: number, timeoutMs: number): Promise<number | null> {
    const deadline = this.now() + timeoutMs;
    return this.waitUntil(() => this.onsetAfter(since) !== null || this.now() >= deadline).then(() => this.onsetAfter(since));
  }

  // Until the agent has spoken after `since` and then been quiet for quietMs with nothing left to play; or the
  // call ended; or the timeout.
  waitForAgentDone(since: number, quietMs: number, timeoutMs: number): Promise<void> {
    const deadline = this.now() + timeoutMs;
    return this.waitUntil(() => {
      const now = this.now();
      if (now >= deadline) return true;
      return this.onsetAfter(since) !== null && this.tailEndAt <= now && now - Math.max(this.lastAgentVoiceAt, this.tailEndAt) >= quietMs;
    });
  }

  sleep(ms: number): Promise<void> {
    const until = this.now() + ms;
    return this.waitUntil(() => this.now() >= until);
  }

  private waitUntil(isDone: () => boolean): Promise<void> {
    if (this.end || isDone()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ isDone, resolve }));
  }

  private finish(end: TVoiceCallEnd): void {
    if (this.end) return;
    this.end = end;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.line?.resolve();
    this.line = null;
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  private tick(): void {
    if (this.end) return;
    const now = this.now();
    while (now >= this.nextFrameAt && !this.end) {
      this.sendFrame();
      this.nextFrameAt += FRAME_MS;
    }
    this.drainPlayout(now);
    if (this.waiters.length > 0) {
      const ready = this.waiters.filter((w) => w.isDone());
      if (ready.length > 0) {
        this.waiters = this.waiters.filter((w) => !ready.includes(w));
        for (const w of ready) w.resolve();
      }
    }
  }

  private sendFrame(): void {
    const chunk = ++this.chunk;
    let frame: Uint8Array = SILENCE_FRAME;
    const line = this.line;
    if (line) {
      frame = line.frames[line.index++] ?? SILENCE_FRAME;
      if (line.index >= line.frames.length) {
        this.line = null;
        this.lastCallerActionAt = this.now();
        line.resolve();
      }
    }
    const payload = Buffer.from(frame).toString("base64");
    this.send(
      `{"event":"media","sequenceNumber":"${++this.sequence}","media":{"track":"inbound","chunk":"${chunk}","timestamp":"${(chunk - 1) * FRAME_MS}","payload":"${payload}"},"streamSid":"${this.streamSid}"}`,
    );
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.end) return;
    if (isBinary) {
      this.protocolErrors.push("binary frame (Twilio expects JSON text)");
      return;
    }
    let message: { event?: unknown; streamSid?: unknown; media?: { payload?: unknown }; mark?: { name?: unknown } };
    try {
      message = JSON.parse(data.toString());
    } catch {
      this.protocolErrors.push("malformed JSON");
      return;
    }
    const now = this.now();
    this.drainPlayout(now);
    switch (message.event) {
      case "media": {
        const payload = message.media?.payload;
        if (typeof payload !== "string") return void this.protocolErrors.push("media without a payload");
        this.onAgentAudio(Buffer.from(payload, "base64"), now);
        return;
      }
      case "mark": {
        const name = message.mark?.name;
        if (typeof name !== "string") return void this.protocolErrors.push("mark without a name");
        // Echoed when the audio before it has played, at once if nothing is queued.
        if (this.tailEndAt <= now) this.echoMark(name);
        else this.queue.push({ kind: "mark", name, at: this.tailEndAt });
        return;
      }
      case "clear": {
        for (const item of this.queue) if (item.kind === "mark") this.echoMark(item.name);
        this.queue.length = 0;
        this.tailEndAt = now;
        return;
      }
      default:
        this.protocolErrors.push(`unknown event ${JSON.stringify(message.event)}`);
    }
  }

  private onAgentAudio(bytes: Buffer, now: number): void {
    if (bytes.length === 0) return;
    const startAt = Math.max(now, this.tailEndAt);
    this.tailEndAt = startAt + bytes.length / BYTES_PER_MS;
    this.queue.push({ kind: "audio", endAt: this.tailEndAt });
    if (!isVoicedMulaw(bytes)) return;
    // A new stretch of agent speech: the first since the caller last acted, or after a second of quiet.
    if (this.lastAgentVoiceAt <= this.lastCallerActionAt || now - this.lastAgentVoiceAt > 1_000) this.agentOnsets.push(now);
    this.lastAgentVoiceAt = now;
  }

  private drainPlayout(now: number): void {
    while (this.queue.length > 0) {
      const item = this.queue[0]!;
      if (item.kind === "mark") {
        if (item.at > now) break;
        this.echoMark(item.name);
      } else if (item.endAt > now) {
        break;
      }
      this.queue.shift();
    }
  }

  private echoMark(name: string): void {
    this.sendJson({ event: "mark", sequenceNumber: String(++this.sequence), streamSid: this.streamSid, mark: { name } });
  }

  private sendJson(message: unknown): void {
    this.send(JSON.stringify(message));
  }

  private send(text: string): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(text);
  }
}
