import type { TMulaw } from "@/voice-server/providers/types";

// What a CallSession needs from the wire, with no Twilio specifics: Twilio Media Streams implement it in
// voice-server/twilio/media-stream.ts; the browser test call can implement it the same way.

export type TStreamStart = {
  // Our own ids, passed through the stream (Twilio: <Parameter>s of the TwiML we answered with).
  callId: string;
  teamId: string;
  // Carrier ids, when there is a carrier.
  callSid: string | null;
  streamSid: string | null;
  accountSid: string | null;
  parameters: Record<string, string>;
};

export type TTransportEvent =
  | { type: "start"; start: TStreamStart }
  | { type: "media"; audio: TMulaw; timestampMs: number | null }
  | { type: "mark"; name: string }
  | { type: "dtmf"; digit: string }
  // The far end hung up or stopped the stream.
  | { type: "stop" }
  // The wire broke the protocol; the transport closes itself after emitting this.
  | { type: "protocol-error"; reason: string }
  // The socket is gone (after stop, after a protocol error, or abruptly).
  | { type: "closed"; code: number; reason: string };

export type TCallTransport = {
  readonly kind: "twilio" | "web";
  sendAudio(frame: TMulaw): void;
  sendMark(name: string): void;
  // Drop all audio queued at the far end; pending marks come back as if played.
  clear(): void;
  close(code?: number, reason?: string): void;
  onEvent(handler: (event: TTransportEvent) => void): void;
  readonly isOpen: boolean;
};
