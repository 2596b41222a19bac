import type { RawData, WebSocket } from "ws";
import type { TCallForStream } from "@/lib/calls/resolve-inbound-call";
import type { TCallTransport, TStreamStart, TTransportEvent } from "@/voice-server/session/transport";

// Twilio Media Streams (bidirectional, <Connect><Stream>) as a TCallTransport. Twilio's JSON framing, its
// ordering rules and its ids stay in here; the session only sees typed events.
// Wire format: ../../../shared/reference/protocols.md §1.

const SID = /^[A-Za-z0-9]{2,64}$/;
// A media message exactly as Twilio writes one (protocols.md §1.2: these keys, in this order, digit strings, plain
// base64): read without JSON.parse, which cost more than the rest of the frame's way in (one message every 20 ms
// per call). JSON.parse of a matching message gives the same fields, so the checks below see the same thing;
// anything else, the same data laid out differently included, takes the general path.
const MEDIA_MESSAGE =
  /^\{"event":"media","sequenceNumber":"\d{1,15}","media":\{"track":"([a-z_]{1,32})","chunk":"\d{1,15}","timestamp":"(\d{1,15})","payload":"([A-Za-z0-9+/]*={0,2})"\},"streamSid":"([A-Za-z0-9]{1,64})"\}$/;
const MEDIA_PREFIX = Buffer.from('{"event":"media",');
const DTMF_DIGIT = /^[0-9*#A-Da-d]$/;
const MAX_MARK_NAME = 256;

type TState = "awaiting-start" | "started" | "stopped" | "closed";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export type TTwilioMediaStreamOptions = {
  // The account the upgrade was signed for; `start` must name the same one.
  accountSid: string;
  // The call the signed stream URL names, if it names one; `start` must be for the same call.
  call?: { teamId: string; callId: string } | null;
  // The call and agent, already loaded by whoever accepted the stream (a voice-mode test scenario runs a frozen
  // snapshot, which may be a draft with no version row).
  preloaded?: TCallForStream;
};

export class TwilioMediaStream implements TCallTransport {
  readonly kind = "twilio" as const;
  private state: TState = "awaiting-start";
  private streamSid: string | null = null;
  private handler: (event: TTransportEvent) => void = () => {};
  private readonly backlog: TTransportEvent[] = [];
  private hasHandler = false;
  private failure: string | null = null;

  constructor(
    private readonly ws: WebSocket,
    private readonly options: TTwilioMediaStreamOptions,
  ) {
    ws.on("message", (data, isBinary) => this.onMessage(data, isBinary));
    ws.on("error", (error) => {
      // ws reports an oversized frame (maxPayload) or a broken frame here, then closes the socket itself.
      this.fail(error.message || "websocket error");
    });
    ws.on("close", (code, reason) => {
      this.state = "closed";
      this.emit({ type: "closed", code, reason: reason.toString("utf8") });
    });
  }

  // Why the stream was closed as broken, if it was.
  get failureReason(): string | null {
    return this.failure;
  }

  get isStarted(): boolean {
    return this.streamSid !== null;
  }

  get isOpen(): boolean {
    return this.ws.readyState === this.ws.OPEN && this.state !== "closed";
  }

  onEvent(handler: (event: TTransportEvent) => void): void {
    this.handler = handler;
    this.hasHandler = true;
    for (const event of this.backlog.splice(0)) handler(event);
  }

  sendAudio(frame: Uint8Array): void {
    if (!this.canSend()) return;
    const payload = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString("base64");
    this.ws.send(`{"event":"media","streamSid":"${this.streamSid}","media":{"payload":"${payload}"}}`);
  }

  sendMark(name: string): void {
    if (!this.canSend()) return;
    this.ws.send(JSON.stringify({ event: "mark", streamSid: this.streamSid, mark: { name } }));
  }

  clear(): void {
    if (!this.canSend()) return;
    this.ws.send(`{"event":"clear","streamSid":"${this.streamSid}"}`);
  }

  close(code = 1000, reason = ""): void {
    if (this.ws.readyState === this.ws.CLOSED || this.ws.readyState === this.ws.CLOSING) return;
    this.ws.close(code, reason.slice(0, 120));
  }

  private canSend(): boolean {
    return this.state === "started" && this.streamSid !== null && this.ws.readyState === this.ws.OPEN;
  }

  private emit(event: TTransportEvent): void {
    if (this.hasHandler) this.handler(event);
    else this.backlog.push(event);
  }

  private fail(reason: string): void {
    if (this.state === "closed" || this.state === "stopped") return;
    this.state = "stopped";
    this.failure = reason;
    // Close before telling the session, so the far end sees 1008 (policy) rather than the session's normal close.
    this.close(1008, reason);
    this.emit({ type: "protocol-error", reason });
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.state === "stopped" || this.state === "closed") return;
    if (isBinary) return this.fail("binary frames are not part of the Media Streams protocol");
    if (Buffer.isBuffer(data) && data.length > MEDIA_PREFIX.length && data.compare(MEDIA_PREFIX, 0, MEDIA_PREFIX.length, 0, MEDIA_PREFIX.length) === 0) {
      // Every character the pattern allows is ASCII, so reading the bytes as latin1 is the same as UTF-8 here.
      const match = MEDIA_MESSAGE.exec(data.toString("latin1"));
      if (match) return this.onMediaFields(match[4]!, match[1]!, match[3]!, match[2]!);
    }
    let message: unknown;
    try {
      message = JSON.parse(Array.isArray(data) ? Buffer.concat(data).toString("utf8") : data.toString("utf8"));
    } catch {
      return this.fail("malformed JSON");
    }
    if (!isRecord(message) || typeof message.event !== "string") return this.fail("message without an event");
    switch (message.event) {
      case "connected":
        if (this.state !== "awaiting-start") return this.fail("connected after start");
        return;
      case "start":
        return this.onStart(message);
      case "media":
        return this.onMedia(message);
      case "mark": {
        if (!this.checkStarted(message)) return;
        const mark = message.mark;
        if (!isRecord(mark) || typeof mark.name !== "string" || mark.name.length > MAX_MARK_NAME) {
          return this.fail("mark without a name");
        }
        return this.emit({ type: "mark", name: mark.name });
      }
      case "dtmf": {
        if (!this.checkStarted(message)) return;
        const dtmf = message.dtmf;
        if (!isRecord(dtmf) || typeof dtmf.digit !== "string" || !DTMF_DIGIT.test(dtmf.digit)) {
          return this.fail("dtmf without a valid digit");
        }
        return this.emit({ type: "dtmf", digit: dtmf.digit.toUpperCase() });
      }
      case "stop":
        if (this.state !== "started") return this.fail("stop before start");
        this.state = "stopped";
        this.emit({ type: "stop" });
        this.close(1000, "stopped");
        return;
      default:
        return this.fail(`unknown event "${message.event.slice(0, 40)}"`);
    }
  }

  private checkStarted(message: Record<string, unknown>): boolean {
    if (this.state !== "started") {
      this.fail(`${String(message.event)} before start`);
      return false;
    }
    if (message.streamSid !== undefined && message.streamSid !== this.streamSid) {
      this.fail("streamSid does not match the stream");
      return false;
    }
    return true;
  }

  private onStart(message: Record<string, unknown>): void {
    if (this.state !== "awaiting-start") return this.fail("second start");
    const start = message.start;
    if (!isRecord(start)) return this.fail("start without details");
    const { accountSid, streamSid, callSid, customParameters, mediaFormat } = start;
    if (typeof streamSid !== "string" || !SID.test(streamSid)) return this.fail("start without a valid streamSid");
    if (typeof callSid !== "string" || !SID.test(callSid)) return this.fail("start without a valid callSid");
    if (accountSid !== this.options.accountSid) return this.fail("start for a different account");
    if (isRecord(mediaFormat)) {
      const { encoding, sampleRate, channels } = mediaFormat;
      if (encoding !== "audio/x-mulaw" || Number(sampleRate) !== 8000 || Number(channels ?? 1) !== 1) {
        return this.fail("unsupported media format");
      }
    }
    const parameters: Record<string, string> = {};
    if (isRecord(customParameters)) {
      for (const [key, value] of Object.entries(customParameters)) {
        if (typeof value === "string") parameters[key] = value;
      }
    }
    const { callId, teamId } = parameters;
    if (!callId || !teamId) return this.fail("start without callId/teamId parameters");
    const expected = this.options.call;
    if (expected && (expected.callId !== callId || expected.teamId !== teamId)) return this.fail("start for a different call");
    this.state = "started";
    this.streamSid = streamSid;
    const info: TStreamStart = { callId, teamId, callSid, streamSid, accountSid, parameters, ...(this.options.preloaded ? { preloaded: this.options.preloaded } : {}) };
    this.emit({ type: "start", start: info });
  }

  private onMedia(message: Record<string, unknown>): void {
    if (!this.checkStarted(message)) return;
    const media = message.media;
    if (!isRecord(media) || typeof media.payload !== "string") return this.fail("media without a payload");
    // Only the caller's side is forwarded on a <Connect> stream.
    if (media.track !== undefined && media.track !== "inbound" && media.track !== "inbound_track") return;
    const ts = typeof media.timestamp === "string" || typeof media.timestamp === "number" ? Number(media.timestamp) : NaN;
    this.emitMedia(media.payload, ts);
  }

  // A media message read by MEDIA_MESSAGE: the same checks as onMedia, on the fields it matched.
  private onMediaFields(streamSid: string, track: string, payload: string, timestamp: string): void {
    if (this.state !== "started") return this.fail("media before start");
    if (streamSid !== this.streamSid) return this.fail("streamSid does not match the stream");
    if (track !== "inbound" && track !== "inbound_track") return;
    this.emitMedia(payload, Number(timestamp));
  }

  private emitMedia(payload: string, ts: number): void {
    const audio = Buffer.from(payload, "base64");
    if (audio.length === 0 && payload.length > 0) return this.fail("media payload is not base64");
    this.emit({
      type: "media",
      // A view into one of Buffer's shared 64 KiB slabs (Buffer.poolSize in Node 24): everything downstream copies
      // what it keeps, so no frame holds a slab alive.
      audio,
      timestampMs: Number.isFinite(ts) ? ts : null,
    });
  }
}
