import { EventEmitter } from "node:events";
import type { WebSocket } from "ws";
import { describe, expect, it } from "vitest";
import type { TTransportEvent } from "@/voice-server/session/transport";
import { TwilioMediaStream } from "./media-stream";

const ACCOUNT = "AC00000000000000000000000000000001";
const STREAM = "MZ00000000000000000000000000000001";

// Just enough of a ws WebSocket: messages in, sends and closes recorded.
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;
  readyState = 1;
  readonly sent: string[] = [];
  closedWith: { code: number; reason: string } | null = null;
  send(data: string) {
    this.sent.push(data);
  }
  close(code: number, reason: string) {
    this.closedWith = { code, reason };
    this.readyState = this.CLOSED;
  }
  text(message: string) {
    this.emit("message", Buffer.from(message), false);
  }
}

function started(): { socket: FakeSocket; events: TTransportEvent[] } {
  const socket = new FakeSocket();
  const stream = new TwilioMediaStream(socket as unknown as WebSocket, { accountSid: ACCOUNT });
  const events: TTransportEvent[] = [];
  stream.onEvent((event) => events.push(event));
  socket.text(
    JSON.stringify({
      event: "start",
      sequenceNumber: "1",
      start: {
        accountSid: ACCOUNT,
        streamSid: STREAM,
        callSid: "CA00000000000000000000000000000001",
        tracks: ["inbound"],
        mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 },
        customParameters: { callId: "c1", teamId: "t1" },
      },
      streamSid: STREAM,
    }),
  );
  events.length = 0;
  return { socket, events };
}

const audio = Buffer.from(Array.from({ length: 160 }, (_, i) => (i * 7) % 256));
const payload = audio.toString("base64");
// Byte for byte what Twilio sends.
const twilioMedia = (overrides: { track?: string; timestamp?: string; streamSid?: string; payload?: string } = {}) =>
  `{"event":"media","sequenceNumber":"4","media":{"track":"${overrides.track ?? "inbound"}","chunk":"3","timestamp":"${overrides.timestamp ?? "40"}","payload":"${overrides.payload ?? payload}"},"streamSid":"${overrides.streamSid ?? STREAM}"}`;

describe("TwilioMediaStream media messages", () => {
  it("hands the caller's audio and its timestamp to the session", () => {
    const { socket, events } = started();
    socket.text(twilioMedia({ timestamp: "60" }));
    expect(events).toHaveLength(1);
    const event = events[0] as Extract<TTransportEvent, { type: "media" }>;
    expect(event.type).toBe("media");
    expect(Buffer.from(event.audio).equals(audio)).toBe(true);
    expect(event.timestampMs).toBe(60);
    expect(socket.closedWith).toBeNull();
  });

  it("reads a message with any key order, spacing or number values", () => {
    const variants = [
      JSON.stringify({ streamSid: STREAM, event: "media", media: { payload, timestamp: "40", track: "inbound" } }),
      `{ "event": "media", "media": { "timestamp": 40, "payload": "${payload}" } }`,
      `{"event":"media","media":{"track":"inbound","timestamp":"40","payload":"${payload}"}}`,
    ];
    for (const message of variants) {
      const { socket, events } = started();
      socket.text(message);
      expect(events, message).toHaveLength(1);
      const event = events[0] as Extract<TTransportEvent, { type: "media" }>;
      expect(Buffer.from(event.audio).equals(audio)).toBe(true);
      expect(event.timestampMs).toBe(40);
    }
  });

  it("skips audio from the agent's side of the call", () => {
    const { socket, events } = started();
    socket.text(twilioMedia({ track: "outbound" }));
    expect(events).toEqual([]);
    expect(socket.closedWith).toBeNull();
  });

  it("closes the stream on a media message for another stream, a broken payload or broken JSON", () => {
    const broken = [
      [twilioMedia({ streamSid: "MZ99999999999999999999999999999999" }), "streamSid does not match the stream"],
      [`{"event":"media","media":{"payload":12},"streamSid":"${STREAM}"}`, "media without a payload"],
      [twilioMedia().slice(0, -2), "malformed JSON"],
      [`${twilioMedia()}}`, "malformed JSON"],
      [`${twilioMedia()} x`, "malformed JSON"],
      [`{"event":"media","media":{"payload":"${payload}\\u0041"},"streamSid":"${STREAM}"}`, null],
    ] as const;
    for (const [message, reason] of broken) {
      const { socket, events } = started();
      socket.text(message);
      if (reason === null) {
        // Escapes are legal JSON.
        expect(events.map((e) => e.type), message).toEqual(["media"]);
        continue;
      }
      expect(events, message).toEqual([{ type: "protocol-error", reason }]);
      expect(socket.closedWith?.code).toBe(1008);
    }
  });
});
