import { randomBytes } from "node:crypto";
import twilio from "twilio";
import { describeVerbs, parseTwiml, type TTwimlStream, type TTwimlVerb } from "./twiml";
import type { TSimCallResult, TSimEnd } from "./wire-log";

// The simulator's side of Twilio's HTTP: signed webhook posts (X-Twilio-Signature over the URL the server
// believes it was called at), what Twilio asks the server once a stream or a <Record> ends, the status
// callback, and the ids Twilio hands out.

export class SimCallError extends Error {
  constructor(
    readonly kind: "unreachable" | "signature" | "http" | "twiml" | "upgrade",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "SimCallError";
  }
}

export function twilioSid(prefix: "AC" | "CA" | "MZ"): string {
  return prefix + randomBytes(16).toString("hex");
}

export function joinUrl(base: string, pathname: string): string {
  return base.replace(/\/+$/, "") + pathname;
}

type TSignedPost = { url: string; fetchUrl: string; params: Record<string, string>; authToken: string; signal?: AbortSignal };

export async function postSigned(request: TSignedPost): Promise<{ status: number; body: string; contentType: string }> {
  const signature = twilio.getExpectedTwilioSignature(request.authToken, request.url, request.params);
  let response: Response;
  try {
    response = await fetch(request.fetchUrl, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        "X-Twilio-Signature": signature,
        "User-Agent": "TwilioProxy/1.1",
        Accept: "*/*",
      },
      body: new URLSearchParams(request.params).toString(),
      signal: request.signal ?? AbortSignal.timeout(15_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new SimCallError(
      "unreachable",
      `Voice server unreachable at ${request.fetchUrl} (${why}). Is it running (npm run voice) and is --url right?`,
      { cause: error },
    );
  }
  return { status: response.status, body: await response.text(), contentType: response.headers.get("content-type") ?? "" };
}

// Maps a URL the server handed out (its public host) to where the simulator actually reaches it.
export function localUrl(publicUrl: string, baseUrl: string, scheme: "http" | "ws"): string {
  const target = new URL(publicUrl);
  const base = new URL(baseUrl);
  const protocol = scheme === "ws" ? (base.protocol === "https:" ? "wss:" : "ws:") : base.protocol;
  return `${protocol}//${base.host}${target.pathname}${target.search}`;
}

// One call as Twilio's HTTP side knows it.
export type TTwilioCallHttp = {
  accountSid: string;
  callSid: string;
  from: string;
  to: string;
  authToken: string;
  // The base URL the server believes Twilio calls (signatures are computed over it), and where it is reached.
  publicUrl: string;
  baseUrl: string;
};

export function callParams(call: TTwilioCallHttp, status: string): Record<string, string> {
  const { from, to } = call;
  return {
    AccountSid: call.accountSid,
    ApiVersion: "2010-04-01",
    CallSid: call.callSid,
    CallStatus: status,
    Called: to,
    CalledCity: "",
    CalledCountry: "US",
    CalledState: "",
    CalledZip: "",
    Caller: from,
    CallerCity: "",
    CallerCountry: "US",
    CallerState: "",
    CallerZip: "",
    Direction: "inbound",
    From: from,
    FromCity: "",
    FromCountry: "US",
    FromState: "",
    FromZip: "",
    To: to,
    ToCity: "",
    ToCountry: "US",
    ToState: "",
    ToZip: "",
  };
}

// Twilio's request to a URL the server handed out (an action, a redirect), with the call's parameters.
export function postToServer(call: TTwilioCallHttp, absoluteUrl: string, params = callParams(call, "in-progress")) {
  return postSigned({ url: absoluteUrl, fetchUrl: localUrl(absoluteUrl, call.baseUrl, "http"), params, authToken: call.authToken });
}

export async function postStatusCallback(call: TTwilioCallHttp, statusPath: string, durationMs: number, notes: string[]): Promise<TSimCallResult["statusCallback"]> {
  const seconds = Math.max(0, Math.round(durationMs / 1000));
  const params: Record<string, string> = {
    ...callParams(call, "completed"),
    CallDuration: String(seconds),
    Duration: String(Math.max(1, Math.ceil(seconds / 60))),
    CallbackSource: "call-progress-events",
    SequenceNumber: "0",
    Timestamp: new Date().toUTCString().replace("GMT", "+0000"),
  };
  try {
    const response = await postSigned({
      url: joinUrl(call.publicUrl, statusPath),
      fetchUrl: joinUrl(call.baseUrl, statusPath),
      params,
      authToken: call.authToken,
    });
    if (response.status >= 300) notes.push(`status callback answered ${response.status}: ${response.body.slice(0, 200)}`);
    return { status: response.status };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

// The server ended <Connect>: Twilio asks the action URL what to do next, or runs the verbs after it.
export async function followConnectAction(call: TTwilioCallHttp, stream: TTwimlStream | null, verbsAfterConnect: TTwimlVerb[], end: TSimEnd, notes: string[]): Promise<void> {
  const action = stream?.connectAction;
  if (!action) {
    end.nextTwiml = verbsAfterConnect;
  } else {
    const absolute = new URL(action, joinUrl(call.publicUrl, "/twilio/voice")).toString();
    try {
      const response = await postToServer(call, absolute);
      end.nextTwiml =
        response.status < 300 ? parseTwiml(response.body).verbs : [{ verb: `HTTP ${response.status}`, attrs: {}, text: "", children: [] }];
    } catch (error) {
      notes.push(`<Connect action> request failed: ${(error as Error).message}`);
    }
  }
  const next = end.nextTwiml && end.nextTwiml.length > 0 ? `, then ${describeVerbs(end.nextTwiml)}` : ", no more TwiML: call over";
  end.description += next;
}

// <Record action=...>: the caller leaves the script's lines (`spokenMs` of them) as a message; Twilio then posts
// the recording.
export async function followRecord(call: TTwilioCallHttp, verbs: TTwimlVerb[], spokenMs: number, end: TSimEnd, notes: string[]): Promise<void> {
  const record = verbs.find((verb) => verb.verb === "Record");
  if (!record) return;
  if (spokenMs === 0 || !record.attrs.action) {
    end.description += spokenMs === 0 ? "; the caller left no message" : "";
    return;
  }
  const maxLengthSec = Number(record.attrs.maxLength ?? 3600);
  const durationSec = Math.min(maxLengthSec, Math.max(1, Math.round(spokenMs / 1000)));
  const recordingSid = `RE${randomBytes(16).toString("hex")}`;
  const absolute = new URL(record.attrs.action, joinUrl(call.publicUrl, "/twilio/voice")).toString();
  try {
    const response = await postToServer(call, absolute, {
      ...callParams(call, "in-progress"),
      RecordingSid: recordingSid,
      RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${call.accountSid}/Recordings/${recordingSid}`,
      RecordingDuration: String(durationSec),
      Digits: "hangup",
    });
    end.nextTwiml = response.status < 300 ? parseTwiml(response.body).verbs : null;
    end.description += `; left a ${durationSec} s message (recording callback answered ${response.status}${
      end.nextTwiml ? `: ${describeVerbs(end.nextTwiml)}` : ""
    })`;
  } catch (error) {
    notes.push(`<Record action> request failed: ${(error as Error).message}`);
  }
}
