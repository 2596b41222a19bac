import { randomUUID } from "node:crypto";
import { STATUS_CODES, type IncomingHttpHeaders } from "node:http";
import type { Duplex } from "node:stream";

// Deepgram live transcription's wire format (protocols.md §8), as the fake speaks it: the handshake's checks and
// refusals, and the JSON messages it sends. What they say is decided by ./deepgram-transcript.ts.

export type TWireMessage = Record<string, unknown>;

const MODEL_INFO = { name: "general-nova-3", version: "2024-11-01.0", arch: "nova-3" };

// Deepgram's times are seconds, to the millisecond.
export function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

export function isAuthorized(headers: IncomingHttpHeaders, apiKey: string): boolean {
  const authorization = headers.authorization ?? "";
  const match = /^(token|bearer)\s+(.+)$/i.exec(authorization.trim());
  if (match?.[2] === apiKey) return true;
  // Browsers cannot set headers and authenticate with the subprotocols ["token", KEY].
  const protocols = (headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
  return protocols[0]?.toLowerCase() === "token" && protocols[1] === apiKey;
}

// Why Deepgram would refuse these query parameters (400), or null.
export function checkQuery(query: URLSearchParams): string | null {
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

export function rejectUpgrade(socket: Duplex, status: number, errCode: string, message: string): void {
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

export type TResultFlags = { isFinal: boolean; isSpeechFinal: boolean; isFromFinalize: boolean };

// A Results message: the transcript's words spread evenly over [startMs, endMs].
export function resultsMessage(
  stream: { requestId: string; modelUuid: string },
  text: string,
  startMs: number,
  endMs: number,
  flags: TResultFlags,
): TWireMessage {
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
    metadata: { request_id: stream.requestId, model_info: MODEL_INFO, model_uuid: stream.modelUuid },
  };
}

export function speechStartedMessage(atMs: number): TWireMessage {
  return { type: "SpeechStarted", channel: [0], timestamp: seconds(atMs) };
}

export function utteranceEndMessage(lastWordEndMs: number): TWireMessage {
  return { type: "UtteranceEnd", channel: [0, 1], last_word_end: seconds(lastWordEndMs) };
}

// The last message of a stream, after CloseStream.
export function metadataMessage(requestId: string, audioSha256: string, audioMs: number): TWireMessage {
  return {
    type: "Metadata",
    transaction_key: "deprecated",
    request_id: requestId,
    sha256: audioSha256,
    created: new Date().toISOString(),
    duration: seconds(audioMs),
    channels: 1,
  };
}
