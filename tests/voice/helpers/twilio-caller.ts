import { randomBytes } from "node:crypto";
import twilio from "twilio";
import WebSocket from "ws";

// Plays Twilio for the voice server over the real protocol: posts the signed voice webhook, opens the media
// stream with a signed upgrade, sends the caller's audio as 20 ms frames in real time (silence in between, as
// a live line does), plays the agent's audio at 8000 bytes/s and echoes marks when playback passes them (all
// pending marks at once on `clear`), and logs everything it receives for assertions.

export type TWireEvent =
  | { type: "media"; at: number; bytes: Uint8Array }
  | { type: "mark"; at: number; name: string }
  | { type: "clear"; at: number }
  | { type: "echo"; at: number; name: string; wasCleared: boolean };

export type TCallerOptions = {
  serverUrl: string; // http://127.0.0.1:PORT, where the socket really goes
  publicUrl: string; // VOICE_PUBLIC_URL the server signs against
  accountSid: string;
  authToken: string;
  from: string;
  to: string;
  callSid?: string;
};

const SILENCE = new Uint8Array(160).fill(0xff);

export function signedHeaders(authToken: string, url: string, params: Record<string, string>): Record<string, string> {
  return { "x-twilio-signature": twilio.getExpectedTwilioSignature(authToken, url, params) };
}

export async function postTwilioForm(
  options: { serverUrl: string; publicUrl: string; authToken: string; signature?: string | null },
  path: string,
  params: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const signature =
    options.signature === undefined
      ? twilio.getExpectedTwilioSignature(options.authToken, options.publicUrl + path, params)
      : options.signature;
  const response = await fetch(options.serverUrl + path, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(signature ? { "x-twilio-signature": signature } : {}),
    },
    body: new URLSearchParams(params).toString(),
  });
  return { status: response.status, body: await response.text() };
}

export function parseStreamTwiml(xml: string): { url: string; parameters: Record<string, string> } | null {
  const stream = /<Stream url="([^"]+)"[^>]*>([\s\S]*?)<\/Stream>/.exec(xml);
  if (!stream) return null;
  const parameters: Record<string, string> = {};
  for (const m of (stream[2] ?? "").matchAll(/<Parameter name="([^"]+)" value="([^"]*)"\/>/g)) {
    parameters[m[1] as string] = m[2] as string;
  }
  return { url: (stream[1] as string).replace(/&amp;/g, "&"), parameters };
}

// The reply generation a mark belongs to: the voice server names its marks g<generation>s<segment>.
export const generationOf = (mark: string) => Number(/^g(\d+)s\d+$/.exec(mark)?.[1] ?? NaN);

export class TwilioCaller {
  readonly callSid: string;
  readonly streamSid = `MZ${randomBytes(16).toString("hex")}`;
  readonly events: TWireEvent[] = [];
  twiml = "";
  private ws: WebSocket | null = null;
  private speech: Uint8Array[] = [];
  private speechDone: (() => void)[] = [];
  private sentFrames = 0;
  private startedAt = 0;
  private inboundTimer: NodeJS.Timeout | null = null;
  private playTimer: NodeJS.Timeout | null = null;
  private playQueue: ({ kind: "audio"; bytes: Uint8Array; offset: number } | { kind: "mark"; name: string })[] = [];
  private lastPlayAt = 0;
  private sequence = 0;
  private closed: Promise<void> | null = null;
  closeCode: number | null = null;

  constructor(readonly options: TCallerOptions) {
    this.callSid = options.callSid ?? `CA${randomBytes(16).toString("hex")}`;
  }

  webhookParams(): Record<string, string> {
    return {
      AccountSid: this.options.accountSid,
      ApiVersion: "2010-04-01",
      CallSid: this.callSid,
      CallStatus: "ringing",
      Direction: "inbound",
      From: this.options.from,
      To: this.options.to,
      Caller: this.options.from,
      Called: this.options.to,
    };
  }

  async dial(): Promise<{ status: number; body: string }> {
    const result = await postTwilioForm(this.options, "/twilio/voice", this.webhookParams());
    this.twiml = result.body;
    return result;
  }

  // Opens the media stream the TwiML asked for and starts sending audio (silence until `say`).
  async connect(options: { signature?: string | null; skipStart?: boolean } = {}): Promise<void> {
    const stream = parseStreamTwiml(this.twiml);
    if (!stream) throw new Error(`No <Stream> in TwiML: ${this.twiml}`);
    const publicWs = this.options.publicUrl.replace(/^http/, "ws");
    if (!stream.url.startsWith(publicWs)) throw new Error(`Stream URL ${stream.url} is not under ${publicWs}`);
    const path = stream.url.slice(publicWs.length);
    const signature =
      options.signature === undefined ? twilio.getExpectedTwilioSignature(this.options.authToken, stream.url, {}) : options.signature;
    const ws = new WebSocket(this.options.serverUrl.replace(/^http/, "ws") + path, {
      headers: signature ? { "x-twilio-signature": signature } : {},
    });
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    this.closed = new Promise((resolve) =>
      ws.once("close", (code) => {
        this.closeCode = code;
        this.stopTimers();
        resolve();
      }),
    );
    ws.on("message", (data) => this.onMessage(data.toString()));
    this.sendJson({ event: "connected", protocol: "Call", version: "1.0.0" });
    if (options.skipStart) return;
    this.sendStart(stream.parameters);
    this.startedAt = performance.now();
    this.lastPlayAt = this.startedAt;
    this.inboundTimer = setInterval(() => this.pumpInbound(), 10);
    this.playTimer = setInterval(() => this.pumpPlayback(), 10);
  }

  sendStart(parameters: Record<string, string>): void {
    this.sendJson({
      event: "start",
      sequenceNumber: String(++this.sequence),
      start: {
        accountSid: this.options.accountSid,
        streamSid: this.streamSid,
        callSid: this.callSid,
        tracks: ["inbound"],
        mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 },
        customParameters: parameters,
      },
      streamSid: this.streamSid,
    });
  }

  sendJson(message: unknown): void {
    this.sendRaw(JSON.stringify(message));
  }

  sendRaw(text: string | Buffer): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  // Speaks mu-law audio (resolves when the last frame of it is sent).
  say(audio: Uint8Array): Promise<void> {
    for (let offset = 0; offset < audio.length; offset += 160) {
      const frame = new Uint8Array(160).fill(0xff);
      frame.set(audio.subarray(offset, Math.min(audio.length, offset + 160)));
      this.speech.push(frame);
    }
    return new Promise((resolve) => this.speechDone.push(resolve));
  }

  // The socket drops with no stop (a network failure, or Twilio's side dying).
  closeSocket(): void {
    this.stopTimers();
    this.ws?.terminate();
  }

  pressDigit(digit: string): void {
    this.sendJson({ event: "dtmf", streamSid: this.streamSid, sequenceNumber: String(++this.sequence), dtmf: { track: "inbound_track", digit } });
  }

  async hangUp(): Promise<void> {
    this.sendJson({
      event: "stop",
      sequenceNumber: String(++this.sequence),
      stop: { accountSid: this.options.accountSid, callSid: this.callSid },
      streamSid: this.streamSid,
    });
    this.stopTimers();
    this.ws?.close(1000);
    await this.waitClosed();
  }

  async waitClosed(timeoutMs = 10_000): Promise<void> {
    if (!this.closed) return;
    await Promise.race([
      this.closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error("stream did not close")), timeoutMs)),
    ]);
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  // Media messages whose payload was not a whole number of 20 ms frames.
  partialFrameMessages = 0;

  // The agent's audio as 20 ms frames, in the order received.
  mediaFrames(): Extract<TWireEvent, { type: "media" }>[] {
    return this.events.filter((e): e is Extract<TWireEvent, { type: "media" }> => e.type === "media");
  }

  echoes(): Extract<TWireEvent, { type: "echo" }>[] {
    return this.events.filter((e): e is Extract<TWireEvent, { type: "echo" }> => e.type === "echo");
  }

  clears(): Extract<TWireEvent, { type: "clear" }>[] {
    return this.events.filter((e): e is Extract<TWireEvent, { type: "clear" }> => e.type === "clear");
  }

  // Is the agent's audio still playing (or queued) at this simulated phone?
  get isAgentAudible(): boolean {
    return this.playQueue.some((item) => item.kind === "audio");
  }

  async waitFor(predicate: () => boolean, timeoutMs = 15_000, what = "condition"): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!predicate()) {
      if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  // Waits until the agent has been quiet (nothing queued at the phone, no new audio) for `quietMs`.
  // The caller's next move (`act`: speak, press keys) and the agent's spoken reply to it: returns once more than
  // `minFrames` frames of audio have come after the move and the agent has finished talking, with how many came.
  async hearReplyTo(act: () => unknown, what: string, options: { minFrames?: number; timeoutMs?: number } = {}): Promise<number> {
    const before = this.mediaFrames().length;
    await act();
    await this.waitFor(() => this.mediaFrames().length > before + (options.minFrames ?? 25), options.timeoutMs ?? 15_000, what);
    await this.waitForAgentToFinish();
    return this.mediaFrames().length - before;
  }

  async waitForAgentToFinish(quietMs = 700, timeoutMs = 20_000): Promise<void> {
    await this.waitFor(() => {
      const last = this.mediaFrames().at(-1);
      return !!last && !this.isAgentAudible && performance.now() - last.at > quietMs;
    }, timeoutMs, "the agent to finish speaking");
  }

  private onMessage(text: string): void {
    const message = JSON.parse(text) as { event: string; streamSid?: string; media?: { payload: string }; mark?: { name: string } };
    const at = performance.now();
    if (message.streamSid !== this.streamSid) throw new Error(`server sent streamSid ${message.streamSid}`);
    if (message.event === "media" && message.media) {
      const bytes = new Uint8Array(Buffer.from(message.media.payload, "base64"));
      // The server may send several 20 ms frames per message; the phone thinks in frames.
      if (bytes.length === 0 || bytes.length % 160 !== 0) this.partialFrameMessages++;
      for (let offset = 0; offset < bytes.length; offset += 160) {
        this.events.push({ type: "media", at, bytes: bytes.subarray(offset, offset + 160) });
      }
      this.playQueue.push({ kind: "audio", bytes, offset: 0 });
    } else if (message.event === "mark" && message.mark) {
      this.events.push({ type: "mark", at, name: message.mark.name });
      this.playQueue.push({ kind: "mark", name: message.mark.name });
      this.pumpPlayback();
    } else if (message.event === "clear") {
      this.events.push({ type: "clear", at });
      const pending = this.playQueue.filter((i): i is { kind: "mark"; name: string } => i.kind === "mark");
      this.playQueue = [];
      for (const mark of pending) this.echo(mark.name, true);
    }
  }

  private echo(name: string, wasCleared: boolean): void {
    this.events.push({ type: "echo", at: performance.now(), name, wasCleared });
    this.sendJson({ event: "mark", sequenceNumber: String(++this.sequence), streamSid: this.streamSid, mark: { name } });
  }

  private pumpPlayback(): void {
    const now = performance.now();
    let budget = Math.floor((now - this.lastPlayAt) * 8);
    this.lastPlayAt = now;
    while (this.playQueue.length > 0) {
      const head = this.playQueue[0]!;
      if (head.kind === "mark") {
        this.playQueue.shift();
        this.echo(head.name, false);
        continue;
      }
      if (budget <= 0) break;
      const take = Math.min(budget, head.bytes.length - head.offset);
      head.offset += take;
      budget -= take;
      if (head.offset >= head.bytes.length) this.playQueue.shift();
    }
  }

  private pumpInbound(): void {
    const due = Math.floor((performance.now() - this.startedAt) / 20);
    while (this.sentFrames < due) {
      const frame = this.speech.shift() ?? SILENCE;
      this.sentFrames++;
      this.sendJson({
        event: "media",
        sequenceNumber: String(++this.sequence),
        media: { track: "inbound", chunk: String(this.sentFrames), timestamp: String(this.sentFrames * 20), payload: Buffer.from(frame).toString("base64") },
        streamSid: this.streamSid,
      });
      if (this.speech.length === 0 && this.speechDone.length > 0) for (const done of this.speechDone.splice(0)) done();
    }
  }

  private stopTimers(): void {
    // Nothing more will be said on this line.
    this.speech = [];
    for (const done of this.speechDone.splice(0)) done();
    if (this.inboundTimer) clearInterval(this.inboundTimer);
    if (this.playTimer) clearInterval(this.playTimer);
    this.inboundTimer = null;
    this.playTimer = null;
  }
}
