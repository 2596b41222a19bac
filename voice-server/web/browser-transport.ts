import type { RawData, WebSocket } from "ws";
import type {
  TCallTransport,
  TStreamStart,
  TTransportCallEvent,
  TTransportEvent,
  TTransportSpeech,
  TTransportTurn,
} from "@/voice-server/session/transport";

// The browser test call as a TCallTransport. Binary frames are audio both ways (8 kHz mu-law, 20 ms frames from
// the browser); JSON text frames carry everything else.
//   browser -> server: {type:"text",text} typed caller turn, {type:"mark",name} echo when playback reaches a mark,
//                      {type:"hangup"}
//   server -> browser: {type:"started",callId,mode}, {type:"mark",name}, {type:"clear"},
//                      {type:"transcript",...TTransportTurn}, {type:"interim",text},
//                      {type:"speaking",...TTransportSpeech} a sentence of the agent starts playing,
//                      {type:"event",kind,name,atMs,data},
//                      {type:"ended",reason}

const MAX_MARK_NAME = 256;
const MAX_TEXT_CHARS = 2_000;
const MAX_AUDIO_BYTES = 1_600; // 200 ms

type TState = "awaiting-start" | "started" | "stopped" | "closed";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export class BrowserTransport implements TCallTransport {
  readonly kind = "web" as const;
  private state: TState = "awaiting-start";
  private handler: (event: TTransportEvent) => void = () => {};
  private readonly backlog: TTransportEvent[] = [];
  private hasHandler = false;
  private hasSentEnded = false;

  constructor(private readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => this.onMessage(data, isBinary));
    ws.on("error", (error) => this.fail(error.message || "websocket error"));
    ws.on("close", (code, reason) => {
      this.state = "closed";
      this.emit({ type: "closed", code, reason: reason.toString("utf8") });
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === this.ws.OPEN && this.state !== "closed";
  }

  // The server made the call row: tell the session, and the browser which call it is.
  start(start: TStreamStart): void {
    if (this.state !== "awaiting-start") return;
    this.state = "started";
    this.sendJson({ type: "started", callId: start.callId, mode: start.inputMode ?? "voice" });
    this.emit({ type: "start", start });
  }

  onEvent(handler: (event: TTransportEvent) => void): void {
    this.handler = handler;
    this.hasHandler = true;
    for (const event of this.backlog.splice(0)) handler(event);
  }

  sendAudio(frame: Uint8Array): void {
    if (!this.canSend()) return;
    // A copy: the frame is a view into the pacer's reused blocks, and the socket may hold it until it drains.
    this.ws.send(Buffer.from(frame), { binary: true });
  }

  sendMark(name: string): void {
    if (this.canSend()) this.sendJson({ type: "mark", name });
  }

  clear(): void {
    if (this.canSend()) this.sendJson({ type: "clear" });
  }

  sendTurn(turn: TTransportTurn): void {
    this.sendJson({ type: "transcript", ...turn });
  }

  sendCallEvent(event: TTransportCallEvent): void {
    this.sendJson({ type: "event", ...event });
  }

  sendInterim(text: string): void {
    this.sendJson({ type: "interim", text });
  }

  sendAgentSpeech(speech: TTransportSpeech): void {
    if (this.canSend()) this.sendJson({ type: "speaking", ...speech });
  }

  close(code = 1000, reason = ""): void {
    if (this.ws.readyState === this.ws.CLOSED || this.ws.readyState === this.ws.CLOSING) return;
    if (!this.hasSentEnded) {
      this.hasSentEnded = true;
      this.sendJson({ type: "ended", reason: reason || "ended" });
    }
    this.ws.close(code, reason.slice(0, 120));
  }

  private canSend(): boolean {
    return this.state === "started" && this.ws.readyState === this.ws.OPEN;
  }

  private sendJson(message: Record<string, unknown>): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
  }

  private emit(event: TTransportEvent): void {
    if (this.hasHandler) this.handler(event);
    else this.backlog.push(event);
  }

  private fail(reason: string): void {
    if (this.state === "closed" || this.state === "stopped") return;
    this.state = "stopped";
    this.sendJson({ type: "ended", reason: `protocol_error: ${reason}` });
    this.hasSentEnded = true;
    this.close(1008, reason);
    this.emit({ type: "protocol-error", reason });
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.state === "stopped" || this.state === "closed") return;
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary) {
      // Audio sent before the call row exists is dropped, as a phone line drops it before it is answered.
      if (this.state !== "started") return;
      if (bytes.length === 0 || bytes.length > MAX_AUDIO_BYTES) return this.fail("audio frame of a bad size");
      this.emit({ type: "media", audio: new Uint8Array(bytes), timestampMs: null });
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(bytes.toString("utf8"));
    } catch {
      return this.fail("malformed JSON");
    }
    if (!isRecord(message) || typeof message.type !== "string") return this.fail("message without a type");
    switch (message.type) {
      case "text": {
        if (typeof message.text !== "string" || message.text.length > MAX_TEXT_CHARS) return this.fail("text without valid text");
        if (this.state === "started" && message.text.trim()) this.emit({ type: "caller-text", text: message.text });
        return;
      }
      case "mark": {
        if (typeof message.name !== "string" || message.name.length > MAX_MARK_NAME) return this.fail("mark without a name");
        if (this.state === "started") this.emit({ type: "mark", name: message.name });
        return;
      }
      case "hangup":
        this.state = "stopped";
        this.emit({ type: "stop" });
        this.close(1000, "caller_hangup");
        return;
      default:
        return this.fail(`unknown message type "${message.type.slice(0, 40)}"`);
    }
  }
}
