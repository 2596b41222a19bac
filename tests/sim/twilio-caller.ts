import WebSocket from "ws";
import twilio from "twilio";
import type postgres from "postgres";
import type { FakeTwilioRest, TCallUpdate } from "@/tests/fakes/twilio-rest";
import { readCallRecord, type TSimDbRecord } from "./call-record";
import { CallerVoice, MulawTrack, SILENCE_PAYLOAD, type TCallerUtterance } from "./caller-audio";
import { Playout } from "./playout";
import { SimScheduler, type TTickable } from "./sim-scheduler";
import type { TSimScript, TSimStep } from "./sim-script";
import { describeVerbs, parseTwiml, type TParsedTwiml, type TTwimlStream, type TTwimlVerb } from "./twiml";
import {
  SimCallError,
  callParams,
  followConnectAction,
  followRecord,
  joinUrl,
  localUrl,
  postSigned,
  postStatusCallback,
  postToServer,
  twilioSid,
  type TTwilioCallHttp,
} from "./twilio-http";
import { WireLog, type TSimCallResult, type TSimEnd, type TSimMark, type TSimTurn } from "./wire-log";
import { FRAME_BYTES } from "@/lib/audio/mulaw";

// Plays Twilio and a caller for one call against the voice server, over the real wire protocol
// (../../../shared/reference/protocols.md §1 and §4): the signed voice webhook, the signed Media Streams
// socket with inbound audio every 20 ms (silence between lines), Twilio's outbound playout (./playout.ts), DTMF,
// `stop`, and the signed status callback. This file runs the script; what happened at the wire and the latencies
// measured there (not the server's own numbers) are kept by ./wire-log.ts.

export const SANDBOX_ACCOUNT_SID = "AC00000000000000000000000000000000";
export const SANDBOX_AUTH_TOKEN = "local-dev-auth-token";

const FRAME_MS = 20;
const BYTES_PER_MS = 8;

export type TSimCallOptions = {
  // Where the simulator reaches the voice server, e.g. http://localhost:3001.
  baseUrl: string;
  // The base URL the server believes Twilio calls (its VOICE_PUBLIC_URL); signatures are computed over it.
  publicUrl?: string;
  accountSid?: string;
  authToken?: string;
  from: string;
  to: string;
  script: TSimScript | TSimStep[];
  label?: string;
  scheduler?: SimScheduler;
  voice?: CallerVoice;
  // Keep both sides' audio for WAV output (about 16 KB per second of call).
  isRecording?: boolean;
  // Read the call's turns and events from Postgres after hang-up.
  databaseUrl?: string;
  sql?: postgres.Sql;
  maxCallMs?: number;
  // The fake Twilio REST API the server controls live calls through: the call is registered there, and a
  // redirect (transfer) or hang-up through it ends the stream the way Twilio does (`stop`, then close).
  twilioRest?: Pick<FakeTwilioRest, "addCall" | "setCallStatus" | "on" | "off">;
  webhookPath?: string;
  statusCallbackPath?: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
};

type TWaiter = { isDone: (now: number) => boolean; resolve: () => void };

type TCurrentLine = { utterance: TCallerUtterance; frame: number; turn: TSimTurn; resolve: () => void };

export async function runSimulatedCall(options: TSimCallOptions): Promise<TSimCallResult> {
  const call = new SimulatedCall(options);
  return call.run();
}

export class SimulatedCall implements TTickable {
  readonly callSid = twilioSid("CA");
  readonly label: string;
  private readonly accountSid: string;
  private readonly authToken: string;
  private readonly publicUrl: string;
  private readonly scheduler: SimScheduler;
  private readonly voice: CallerVoice;
  private readonly steps: TSimStep[];
  private readonly isRecording: boolean;
  private readonly maxCallMs: number;
  private readonly log: (line: string) => void;

  private ws: WebSocket | null = null;
  private streamSid: string | null = null;
  private stream: TTwimlStream | null = null;
  private twiml: TParsedTwiml = { stream: null, verbs: [], verbsAfterConnect: [] };
  private webhookAt = 0;
  private sequence = 0;
  private chunk = 0;
  private nextFrameAt = 0;
  private isStreaming = false;
  private isHangingUp = false;
  private end: TSimEnd | null = null;
  private resolveEnded: () => void = () => {};
  private readonly ended = new Promise<void>((resolve) => (this.resolveEnded = resolve));

  private line: TCurrentLine | null = null;
  private waiter: TWaiter | null = null;

  private readonly callerTrack: MulawTrack | null;
  private readonly agentTrack: MulawTrack | null;
  private readonly wire: WireLog;
  private readonly playout: Playout;
  private readonly notes: string[];

  constructor(private readonly options: TSimCallOptions) {
    this.label = options.label ?? this.callSid.slice(0, 10);
    this.accountSid = options.accountSid ?? SANDBOX_ACCOUNT_SID;
    this.authToken = options.authToken ?? SANDBOX_AUTH_TOKEN;
    this.publicUrl = (options.publicUrl ?? options.baseUrl).replace(/\/+$/, "");
    this.scheduler = options.scheduler ?? new SimScheduler();
    this.voice = options.voice ?? new CallerVoice();
    this.steps = Array.isArray(options.script) ? options.script : options.script.steps;
    this.isRecording = options.isRecording ?? true;
    this.maxCallMs = options.maxCallMs ?? 5 * 60_000;
    this.log = options.log ?? (() => {});
    this.callerTrack = this.isRecording ? new MulawTrack() : null;
    this.agentTrack = this.isRecording ? new MulawTrack() : null;
    this.wire = new WireLog(this.scheduler);
    this.notes = this.wire.notes;
    this.playout = new Playout(this.agentTrack, () => this.wire.t0, (mark, now) => this.echoMark(mark, now));
    if (!/^AC[0-9a-f]{32}$/i.test(this.accountSid)) throw new Error(`Account SID must be AC + 32 hex characters: ${this.accountSid}`);
  }

  private get http(): TTwilioCallHttp {
    return { accountSid: this.accountSid, callSid: this.callSid, from: this.options.from, to: this.options.to, authToken: this.authToken, publicUrl: this.publicUrl, baseUrl: this.options.baseUrl };
  }

  private ms(at: number): number {
    return this.wire.ms(at);
  }

  async run(): Promise<TSimCallResult> {
    // Synthesize every line first so the script never waits on espeak mid-call.
    const utterances = new Map<TSimStep, TCallerUtterance>();
    for (const step of this.steps) {
      if ("say" in step) utterances.set(step, await this.voice.say(step.say, step.wordsPerMinute));
      else if ("wav" in step) utterances.set(step, await this.voice.wav(step.wav));
    }
    this.options.twilioRest?.addCall({
      sid: this.callSid,
      accountSid: this.accountSid,
      from: this.options.from,
      to: this.options.to,
      status: "in-progress",
      direction: "inbound",
    });
    this.webhookAt = this.scheduler.now();
    const webhookPath = this.options.webhookPath ?? "/twilio/voice";
    const answer = await postSigned({
      url: joinUrl(this.publicUrl, webhookPath),
      fetchUrl: joinUrl(this.options.baseUrl, webhookPath),
      params: callParams(this.http, "ringing"),
      authToken: this.authToken,
      signal: this.options.signal,
    });
    if (answer.status === 403 || answer.status === 401) {
      throw new SimCallError(
        "signature",
        `The voice webhook refused the signature (${answer.status}). The server checks X-Twilio-Signature with its auth token over ` +
          `${joinUrl(this.publicUrl, webhookPath)}: pass --public-url (its VOICE_PUBLIC_URL) and --account-sid/--auth-token matching the server.`,
      );
    }
    if (answer.status < 200 || answer.status >= 300) {
      throw new SimCallError("http", `The voice webhook answered ${answer.status}: ${answer.body.slice(0, 300)}`);
    }
    try {
      this.twiml = parseTwiml(answer.body);
    } catch (error) {
      throw new SimCallError("twiml", `The voice webhook did not answer TwiML (${(error as Error).message}): ${answer.body.slice(0, 300)}`);
    }
    if (!this.twiml.stream) {
      this.end = {
        by: "twiml",
        atMs: 0,
        code: null,
        reason: "",
        description: `answered without a stream: ${describeVerbs(this.twiml.verbs)}`,
        nextTwiml: this.twiml.verbs,
      };
      const spokenMs = [...utterances.values()].reduce((sum, utterance) => sum + utterance.durationMs, 0);
      await followRecord(this.http, this.twiml.verbs, spokenMs, this.end, this.notes);
      this.log(`${this.label}: ${this.end.description}`);
      return this.finish();
    }
    this.stream = this.twiml.stream;
    await this.openStream();
    this.scheduler.add(this);
    const onUpdate = (update: TCallUpdate) => {
      if (update.callSid === this.callSid) void this.onRestUpdate(update.params);
    };
    this.options.twilioRest?.on("call-update", onUpdate);
    try {
      await Promise.race([this.runScript(utterances), this.ended]);
      if (!this.end) await this.hangup("caller");
    } catch (error) {
      this.notes.push(`script failed: ${(error as Error).message}`);
      if (!this.end) await this.hangup("error", (error as Error).message);
    }
    await this.ended;
    this.options.twilioRest?.off("call-update", onUpdate);
    if (this.end?.by === "server") await followConnectAction(this.http, this.stream, this.twiml.verbsAfterConnect, this.end, this.notes);
    return this.finish();
  }

  private async finish(): Promise<TSimCallResult> {
    this.scheduler.remove(this);
    try {
      this.options.twilioRest?.setCallStatus(this.callSid, "completed");
    } catch {
      // not registered (the webhook failed before)
    }
    const durationMs = Math.round(this.scheduler.now() - this.webhookAt);
    const statusCallback = await postStatusCallback(this.http, this.options.statusCallbackPath ?? "/twilio/status", durationMs, this.notes);
    const parameters = this.stream?.parameters ?? {};
    const callId = parameters.callId ?? null;
    const teamId = parameters.teamId ?? null;
    let record: TSimDbRecord | null = null;
    if (callId && teamId && (this.options.sql || this.options.databaseUrl)) {
      try {
        record = await readCallRecord({ sql: this.options.sql, databaseUrl: this.options.databaseUrl, callId, teamId });
      } catch (error) {
        this.notes.push(`could not read the call record: ${(error as Error).message}`);
      }
    }
    const end = this.end!;
    const audioLength = Math.max(this.callerTrack?.length ?? 0, this.agentTrack?.length ?? 0);
    return {
      label: this.label,
      callSid: this.callSid,
      streamSid: this.streamSid,
      accountSid: this.accountSid,
      from: this.options.from,
      to: this.options.to,
      twiml: this.twiml,
      parameters,
      callId,
      teamId,
      greetingMs: this.wire.greetingMs,
      turns: this.wire.turns,
      clears: this.wire.clears,
      marks: this.wire.marks,
      agentSpeech: this.wire.agentSpeech,
      pacing: this.wire.pacing,
      dtmfSent: this.wire.dtmfSent,
      end,
      durationMs,
      statusCallback,
      notes: this.notes,
      protocolErrors: this.wire.protocolErrors,
      audio:
        this.callerTrack && this.agentTrack
          ? { caller: this.callerTrack.bytes(audioLength), agent: this.agentTrack.bytes(audioLength) }
          : null,
      record,
    };
  }

  // The server changed the live call through the REST API. Twilio ends the <Connect> stream: `stop`, close.
  private async onRestUpdate(params: Record<string, string>): Promise<void> {
    if (this.end || this.isHangingUp) return;
    let verbs: TTwimlVerb[] | null = null;
    let what: string;
    if (params.Twiml) {
      verbs = parseTwiml(params.Twiml).verbs;
      what = `redirected the call: ${describeVerbs(verbs)}`;
    } else if (params.Url) {
      const response = await postToServer(this.http, params.Url).catch((error: Error) => ({ status: 0, body: error.message, contentType: "" }));
      verbs = response.status >= 200 && response.status < 300 ? parseTwiml(response.body).verbs : null;
      what = `redirected the call to ${params.Url}${verbs ? `: ${describeVerbs(verbs)}` : ` (answered ${response.status})`}`;
    } else if (params.Status === "completed" || params.Status === "canceled") {
      what = "hung up the call through the REST API";
    } else {
      return;
    }
    this.isHangingUp = true;
    const now = this.scheduler.now();
    this.sendStop(now);
    this.log(`${this.label}: server ${what}`);
    this.finishStream({
      by: params.Twiml || params.Url ? "redirected" : "server",
      atMs: this.ms(now),
      code: 1000,
      reason: "",
      description: `server ${what}`,
      nextTwiml: verbs,
    });
    this.ws?.close(1000, "redirected");
  }

  private openStream(): Promise<void> {
    const stream = this.stream!;
    const signature = twilio.getExpectedTwilioSignature(this.authToken, stream.url, {});
    const ws = new WebSocket(localUrl(stream.url, this.options.baseUrl, "ws"), {
      headers: { "X-Twilio-Signature": signature, "User-Agent": "Twilio.TmeWs/1.0" },
      perMessageDeflate: false,
    });
    this.ws = ws;
    return new Promise((resolve, reject) => {
      ws.once("unexpected-response", (_request, response) => {
        const status = response.statusCode ?? 0;
        response.resume();
        const hint =
          status === 403 || status === 401
            ? `: the stream upgrade signature was refused. It is computed over ${stream.url} with the auth token; check --auth-token and the server's VOICE_PUBLIC_URL`
            : "";
        reject(new SimCallError(status === 403 || status === 401 ? "signature" : "upgrade", `Stream upgrade refused with ${status}${hint}`));
        ws.terminate();
      });
      ws.once("error", (error) => {
        reject(new SimCallError("unreachable", `Cannot open the media stream ${stream.url}: ${error.message}`, { cause: error }));
      });
      ws.once("open", () => {
        ws.on("message", (data, isBinary) => this.onMessage(data, isBinary));
        ws.on("close", (code, reason) => this.onClose(code, reason.toString("utf8")));
        ws.on("error", (error) => this.wire.protocolErrors.push(`socket error: ${error.message}`));
        this.streamSid = twilioSid("MZ");
        ws.send(JSON.stringify({ event: "connected", protocol: "Call", version: "1.0.0" }));
        ws.send(
          JSON.stringify({
            event: "start",
            sequenceNumber: String(++this.sequence),
            start: {
              accountSid: this.accountSid,
              streamSid: this.streamSid,
              callSid: this.callSid,
              tracks: ["inbound"],
              mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 },
              customParameters: stream.parameters,
            },
            streamSid: this.streamSid,
          }),
        );
        this.wire.t0 = this.scheduler.now();
        this.nextFrameAt = this.wire.t0;
        this.isStreaming = true;
        this.log(`${this.label}: stream ${this.streamSid} started (call ${stream.parameters.callId ?? "?"})`);
        resolve();
      });
    });
  }

  // ---- script ----

  private async runScript(utterances: Map<TSimStep, TCallerUtterance>): Promise<void> {
    let isNextInterruption = false;
    for (const step of this.steps) {
      if (this.end) return;
      if ("say" in step || "wav" in step) {
        await this.speak(utterances.get(step)!, isNextInterruption);
        isNextInterruption = false;
      } else if ("pauseMs" in step) {
        const until = this.scheduler.now() + step.pauseMs;
        await this.waitFor((now) => now >= until);
      } else if ("waitForAgent" in step) {
        await this.waitForAgent(step.waitForAgent === true ? {} : step.waitForAgent);
      } else if ("interruptAfterMs" in step) {
        isNextInterruption = await this.waitForAgentOnset(step.interruptAfterMs);
      } else if ("dtmf" in step) {
        for (const digit of step.dtmf.toUpperCase()) {
          this.send({ event: "dtmf", streamSid: this.streamSid, sequenceNumber: String(++this.sequence), dtmf: { track: "inbound_track", digit } });
          this.wire.dtmfSent.push(digit);
          this.wire.lastCallerActionAt = this.scheduler.now();
          const until = this.scheduler.now() + 150;
          await this.waitFor((now) => now >= until);
        }
      } else if ("hangup" in step) {
        await this.hangup("caller");
        return;
      }
    }
  }

  private waitFor(isDone: (now: number) => boolean): Promise<void> {
    if (this.end || isDone(this.scheduler.now())) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiter = { isDone, resolve };
    });
  }

  private checkWaiter(now: number): void {
    const waiter = this.waiter;
    if (waiter && (this.end || waiter.isDone(now))) {
      this.waiter = null;
      waiter.resolve();
    }
  }

  private speak(utterance: TCallerUtterance, isInterruption: boolean): Promise<void> {
    const turn = this.wire.callerLine(utterance.label, isInterruption);
    this.log(`${this.label}: caller says "${utterance.label}"${isInterruption ? " (interrupting)" : ""}`);
    return new Promise((resolve) => {
      this.line = { utterance, frame: 0, turn, resolve };
    });
  }

  // Until the agent has spoken since the caller's last line or keypress and then been quiet for quietMs.
  private waitForAgent(options: { quietMs?: number; timeoutMs?: number }): Promise<void> {
    const quietMs = options.quietMs ?? 800;
    const timeoutMs = options.timeoutMs ?? 15_000;
    const startedAt = this.scheduler.now();
    const wire = this.wire;
    const since = wire.lastCallerActionAt;
    return this.waitFor((now) => {
      const hasSpoken = wire.lastAgentVoiceAt > since;
      if (hasSpoken && now - wire.agentVoiceEndsAt >= quietMs && now >= this.playout.tailEndAt) return true;
      if (now - startedAt >= timeoutMs) {
        this.notes.push(
          `${hasSpoken ? "agent still talking" : "agent did not speak"} after ${timeoutMs} ms of wait-for-agent (at ${this.ms(now)} ms)`,
        );
        return true;
      }
      return false;
    });
  }

  // Until `delayMs` after the agent's reply to the caller's last line starts playing. Returns whether it did.
  private async waitForAgentOnset(delayMs: number): Promise<boolean> {
    const since = this.wire.lastCallerActionAt;
    const startedAt = this.scheduler.now();
    let isOnset = false;
    await this.waitFor((now) => {
      if (this.wire.lastAgentVoiceAt > since) {
        isOnset = true;
        return true;
      }
      return now - startedAt >= 15_000;
    });
    if (!isOnset) {
      this.notes.push(`interrupt-after: the agent never started replying (waited 15 s)`);
      return false;
    }
    const at = this.wire.lastAgentVoiceStartAt + delayMs;
    await this.waitFor((now) => now >= at);
    return true;
  }

  private async hangup(by: "caller" | "timeout" | "aborted" | "error", reason = ""): Promise<void> {
    if (this.end || this.isHangingUp) return this.ended;
    this.isHangingUp = true;
    const now = this.scheduler.now();
    const descriptions = {
      caller: "caller hung up",
      timeout: `caller hung up after the ${this.maxCallMs} ms limit`,
      aborted: "simulation aborted",
      error: `caller hung up after an error: ${reason}`,
    };
    this.sendStop(now);
    this.finishStream({ by, atMs: this.ms(now), code: 1000, reason, description: descriptions[by], nextTwiml: null });
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) {
      const closed = new Promise<void>((resolve) => ws.once("close", () => resolve()));
      ws.close(1000, "call ended");
      const timer = setTimeout(() => ws.terminate(), 2000);
      await closed;
      clearTimeout(timer);
    }
  }

  private finishStream(end: TSimEnd): void {
    if (this.end) return;
    this.end = end;
    this.isStreaming = false;
    this.scheduler.remove(this);
    if (this.line) {
      const line = this.line;
      this.line = null;
      line.resolve();
    }
    this.checkWaiter(this.scheduler.now());
    this.resolveEnded();
  }

  private onClose(code: number, reason: string): void {
    if (this.end) return;
    const now = this.scheduler.now();
    this.playout.end(now);
    this.log(`${this.label}: server closed the stream (${code} ${reason})`);
    this.finishStream({
      by: "server",
      atMs: this.ms(now),
      code,
      reason,
      description: `server closed the stream (code ${code}${reason ? ` "${reason}"` : ""})`,
      nextTwiml: null,
    });
  }

  // Twilio's last message on a stream (protocols.md): nothing more is played to the caller after it.
  private sendStop(now: number): void {
    this.send({
      event: "stop",
      sequenceNumber: String(++this.sequence),
      stop: { accountSid: this.accountSid, callSid: this.callSid },
      streamSid: this.streamSid,
    });
    this.playout.end(now);
  }

  private send(message: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  // ---- clock ----

  tick(now: number): void {
    if (!this.isStreaming) return;
    if (this.options.signal?.aborted) {
      void this.hangup("aborted");
      return;
    }
    if (now - this.wire.t0 > this.maxCallMs) {
      void this.hangup("timeout");
      return;
    }
    while (now >= this.nextFrameAt && this.isStreaming) {
      this.sendInboundFrame(now);
      this.nextFrameAt += FRAME_MS;
    }
    this.playout.drain(now);
    this.checkWaiter(now);
  }

  private sendInboundFrame(now: number): void {
    const chunk = ++this.chunk;
    const line = this.line;
    let payload = SILENCE_PAYLOAD;
    if (line) {
      const index = line.frame++;
      const { utterance, turn } = line;
      payload = utterance.payloads[index]!;
      this.callerTrack?.write((chunk - 1) * FRAME_BYTES, utterance.frames[index]!);
      if (utterance.isVoiced[index]) this.wire.callerVoice(turn, now, this.playout.tailEndAt);
      if (line.frame >= utterance.frames.length) {
        this.line = null;
        this.wire.lastCallerActionAt = now;
        line.resolve();
      }
    }
    this.send(
      `{"event":"media","sequenceNumber":"${++this.sequence}","media":{"track":"inbound","chunk":"${chunk}","timestamp":"${(chunk - 1) * FRAME_MS}","payload":"${payload}"},"streamSid":"${this.streamSid}"}`,
    );
  }

  // ---- what the server sends ----

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.end) return;
    const now = this.scheduler.now();
    if (isBinary) {
      this.wire.protocolErrors.push(`binary frame at ${this.ms(now)} ms (Twilio expects JSON text)`);
      return;
    }
    let message: { event?: unknown; streamSid?: unknown; media?: { payload?: unknown }; mark?: { name?: unknown } };
    try {
      message = JSON.parse(data.toString());
    } catch {
      this.wire.protocolErrors.push(`malformed JSON at ${this.ms(now)} ms`);
      return;
    }
    if (message.streamSid !== this.streamSid) {
      this.wire.protocolErrors.push(`${String(message.event)} with streamSid ${String(message.streamSid)} at ${this.ms(now)} ms`);
      return;
    }
    this.playout.drain(now);
    switch (message.event) {
      case "media": {
        const payload = message.media?.payload;
        if (typeof payload !== "string") {
          this.wire.protocolErrors.push(`media without a payload at ${this.ms(now)} ms`);
          return;
        }
        this.onAgentAudio(Buffer.from(payload, "base64"), now);
        break;
      }
      case "mark": {
        const name = message.mark?.name;
        if (typeof name !== "string") {
          this.wire.protocolErrors.push(`mark without a name at ${this.ms(now)} ms`);
          return;
        }
        this.onAgentMark(name, now);
        break;
      }
      case "clear":
        this.onClear(now);
        break;
      default:
        this.wire.protocolErrors.push(`unknown event ${JSON.stringify(message.event)} at ${this.ms(now)} ms`);
    }
    this.checkWaiter(now);
  }

  private onAgentAudio(bytes: Buffer, now: number): void {
    if (bytes.length === 0) {
      this.wire.protocolErrors.push(`empty media payload at ${this.ms(now)} ms`);
      return;
    }
    this.wire.agentMedia(bytes.length / BYTES_PER_MS, now, this.playout);
    const startAt = this.playout.appendAudio(bytes, now);
    this.wire.agentAudioQueued(bytes, startAt, now, this.line?.turn ?? null);
  }

  private onAgentMark(name: string, now: number): void {
    const mark: TSimMark = { name, receivedAtMs: this.ms(now), echoedAtMs: null, wasCleared: false };
    this.wire.marks.push(mark);
    this.playout.appendMark(mark, now);
  }

  private onClear(now: number): void {
    const { droppedMs, marksEchoed } = this.playout.clear(now);
    this.wire.cleared(now, droppedMs, marksEchoed, this.line?.turn ?? null);
    this.log(`${this.label}: clear at ${this.ms(now)} ms (${Math.round(droppedMs)} ms of audio dropped)`);
  }

  private echoMark(mark: TSimMark, now: number): void {
    mark.echoedAtMs = this.ms(now);
    this.send({ event: "mark", sequenceNumber: String(++this.sequence), streamSid: this.streamSid, mark: { name: mark.name } });
  }
}
