import type { TCallForStream } from "@/lib/calls/resolve-inbound-call";
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
  // The call and agent snapshot, when the transport already loaded them (the browser test call runs the draft,
  // which has no version row to load it from).
  preloaded?: TCallForStream;
  // "text": the caller only types (submitCallerText), so no speech-to-text stream is opened.
  inputMode?: "voice" | "text";
};

// A completed turn as it is recorded, for transports that show the conversation live (the browser test call).
export type TTransportTurn = {
  seq: number;
  speaker: "caller" | "agent";
  text: string;
  isInterrupted: boolean;
  startMs: number;
  endMs: number;
  latency: {
    endpointingMs: number | null;
    sttFinalMs: number | null;
    llmFirstTokenMs: number | null;
    ttsFirstByteMs: number | null;
    firstAudioMs: number | null;
  };
};

// The agent starts saying one sentence of a reply (or the greeting): meant to be sent when the sentence's first
// audio frame goes out, so a transport that shows text (the browser test call) shows the words as they are heard
// instead of when the whole turn ends. `generation` groups the sentences of one agent turn; the turn itself still
// follows through sendTurn, with only what was heard if it was interrupted.
export type TTransportSpeech = { generation: number; segment: number; text: string; atMs: number };

export type TTransportCallEvent = { kind: string; name: string; atMs: number; data: Record<string, unknown> };

export type TTransportEvent =
  | { type: "start"; start: TStreamStart }
  | { type: "media"; audio: TMulaw; timestampMs: number | null }
  | { type: "mark"; name: string }
  | { type: "dtmf"; digit: string }
  // A typed caller turn (browser test call), handled like a final transcript.
  | { type: "caller-text"; text: string }
  // The far end hung up or stopped the stream.
  | { type: "stop" }
  // The wire broke the protocol; the transport closes itself after emitting this.
  | { type: "protocol-error"; reason: string }
  // The socket is gone (after stop, after a protocol error, or abruptly).
  | { type: "closed"; code: number; reason: string };

export type TCallTransport = {
  readonly kind: "twilio" | "web";
  // Whole 20 ms frames, one or several back to back.
  sendAudio(audio: TMulaw): void;
  sendMark(name: string): void;
  // Drop all audio queued at the far end; pending marks come back as if played.
  clear(): void;
  close(code?: number, reason?: string): void;
  onEvent(handler: (event: TTransportEvent) => void): void;
  readonly isOpen: boolean;
  // Optional live view of the call record: every turn and event as the session records it.
  sendTurn?(turn: TTransportTurn): void;
  sendCallEvent?(event: TTransportCallEvent): void;
  // What the STT engine hears so far in the caller's current turn.
  sendInterim?(text: string): void;
  sendAgentSpeech?(speech: TTransportSpeech): void;
};
