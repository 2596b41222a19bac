import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import postgres from "postgres";
import twilio from "twilio";
import WebSocket from "ws";
import { z } from "zod";
import type { FakeTwilioRest, TCallUpdate } from "@/tests/fakes/twilio-rest";
import { FRAME_BYTES } from "@/lib/audio/mulaw";
import { CallerVoice, MulawTrack, SILENCE_PAYLOAD, isVoiced, type TCallerUtterance } from "./caller-audio";
import { describeVerbs, parseTwiml, type TParsedTwiml, type TTwimlStream, type TTwimlVerb } from "./twiml";

// Plays Twilio and a caller for one call against the voice server, over the real wire protocol
// (../../../shared/reference/protocols.md §1 and §4): the signed voice webhook, the signed Media Streams
// socket with inbound audio every 20 ms (silence between lines), Twilio's outbound playout (8 bytes/ms, marks
// echoed as the playout cursor passes them, `clear` drops the queue and echoes pending marks), DTMF, `stop`,
// and the signed status callback. Latency is measured here, at the wire, not from the server's own numbers.

export const SANDBOX_ACCOUNT_SID = "AC00000000000000000000000000000000";
export const SANDBOX_AUTH_TOKEN = "local-dev-auth-token";

const FRAME_MS = 20;
const BYTES_PER_MS = 8;
// A gap in agent audio shorter than this, not at a mark, is the agent running late mid-sentence; longer ones
// are the end of what it had to say.
const LATE_GAP_WINDOW_MS = 1000;
// Agent speech separated by less than this is one stretch of speech in the transcript (unless a `clear` came in
// between: speech after a clear always starts a stretch of its own, so a resumed sentence shows as one).
const AGENT_SPEECH_MERGE_MS = 500;

// ---- Script ------------------------------------------------------------------------------------------------

const ZWaitForAgent = z.union([
  z.literal(true),
  z
    .object({
      quietMs: z.number().int().min(50).max(60_000).optional(),
      timeoutMs: z.number().int().min(100).max(600_000).optional(),
    })
    .strict(),
]);

export const ZSimStep = z.union([
  z.object({ say: z.string().trim().min(1, "say needs some text") }).strict(),
  z.object({ wav: z.string().min(1) }).strict(),
  z.object({ pauseMs: z.number().int().min(0).max(600_000) }).strict(),
  z.object({ waitForAgent: ZWaitForAgent }).strict(),
  z.object({ interruptAfterMs: z.number().int().min(0).max(60_000) }).strict(),
  z.object({ dtmf: z.string().regex(/^[0-9*#A-Da-d]+$/, "dtmf takes digits 0-9, *, #, A-D") }).strict(),
  z.object({ hangup: z.literal(true) }).strict(),
]);
export type TSimStep = z.infer<typeof ZSimStep>;

export const ZSimScript = z.union([
  z.object({ name: z.string().optional(), description: z.string().optional(), steps: z.array(ZSimStep).min(1) }).strict(),
  z.array(ZSimStep).min(1).transform((steps) => ({ name: undefined, description: undefined, steps })),
]);
export type TSimScript = { name?: string; description?: string; steps: TSimStep[] };

export const DEMO_SCRIPT: TSimScript = {
  name: "demo",
  description: "Hear the greeting, ask for the opening hours, ask for a person, say goodbye.",
  steps: [
    { waitForAgent: true },
    { say: "Hi, what are your opening hours?" },
    { waitForAgent: true },
    { say: "Can I speak to a human please?" },
    { waitForAgent: true },
    { say: "Thanks, goodbye." },
    { waitForAgent: { quietMs: 800, timeoutMs: 6000 } },
    { hangup: true },
  ],
};

export function parseSimScript(input: unknown, source = "script"): TSimScript {
  const parsed = ZSimScript.safeParse(input);
  if (!parsed.success) throw new Error(`Invalid simulator script (${source}):\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export async function loadSimScript(file: string): Promise<TSimScript> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new Error(`Cannot read script ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`Script ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const script = parseSimScript(json, file);
  // WAV paths are relative to the script file.
  const dir = path.dirname(path.resolve(file));
  return {
    ...script,
    steps: script.steps.map((step) => ("wav" in step ? { wav: path.resolve(dir, step.wav) } : step)),
  };
}

// ---- Shared clock ------------------------------------------------------------------------------------------

type TTickable = { tick(now: number): void };

// One timer for every simulated call in the process. Frames are due on each call's own 20 ms grid computed
// from the monotonic clock, so a late tick sends the overdue frames at once instead of drifting.
export class SimScheduler {
  readonly tickMs: number;
  private readonly members = new Set<TTickable>();
  private timer: NodeJS.Timeout | null = null;
  private lastTickAt = 0;
  private lastTickLagMs = 0;
  // Tick lag (how much later than tickMs a tick ran), 1 ms buckets: tells whether the simulator kept up.
  private readonly lagHistogram = new Uint32Array(1001);
  maxTickLagMs = 0;

  constructor(options: { tickMs?: number } = {}) {
    this.tickMs = options.tickMs ?? 4;
  }

  now(): number {
    return performance.now();
  }

  add(member: TTickable): void {
    this.members.add(member);
    if (!this.timer) {
      this.lastTickAt = this.now();
      this.timer = setInterval(() => this.tick(), this.tickMs);
    }
  }

  remove(member: TTickable): void {
    this.members.delete(member);
    if (this.members.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  get size(): number {
    return this.members.size;
  }

  tickLag(): { p50: number; p99: number; max: number; ticks: number } {
    let total = 0;
    for (const count of this.lagHistogram) total += count;
    const at = (p: number) => {
      const target = Math.ceil((p / 100) * total);
      let seen = 0;
      for (let i = 0; i < this.lagHistogram.length; i++) {
        seen += this.lagHistogram[i]!;
        if (seen >= target && total > 0) return i;
      }
      return 0;
    };
    return { p50: at(50), p99: at(99), max: Math.round(this.maxTickLagMs), ticks: total };
  }

  // How long this process was just unable to run its timers: a stall here delays every message it reads, and
  // would look like the server being late.
  recentStallMs(now: number): number {
    const overdue = now - this.lastTickAt - this.tickMs;
    return Math.max(overdue, now - this.lastTickAt <= 2 * this.tickMs ? this.lastTickLagMs : 0);
  }

  resetTickLag(): void {
    this.lagHistogram.fill(0);
    this.maxTickLagMs = 0;
  }

  private tick(): void {
    const now = this.now();
    const lag = Math.max(0, now - this.lastTickAt - this.tickMs);
    this.lastTickAt = now;
    this.lastTickLagMs = lag;
    this.lagHistogram[Math.min(1000, Math.round(lag))]!++;
    if (lag > this.maxTickLagMs) this.maxTickLagMs = lag;
    for (const member of this.members) member.tick(now);
  }
}

// ---- Results -----------------------------------------------------------------------------------------------

export type TSimTurn = {
  index: number;
  text: string;
  // The line was started by `interruptAfterMs`, i.e. meant to talk over the agent.
  isInterruption: boolean;
  // Milliseconds from the start of the stream, at the wire: the first and last voiced frame sent.
  startMs: number | null;
  endMs: number | null;
  // Agent audio was queued or playing when the caller started: the line barges in.
  wasAgentTalking: boolean;
  // End of the caller's speech -> first voiced agent audio received after it.
  voiceToVoiceMs: number | null;
  agentReplyAtMs: number | null;
  // Onset of the caller's speech -> `clear` received.
  clearAtMs: number | null;
  bargeInMs: number | null;
  // Voiced agent audio arrived after the clear while this line was still being spoken.
  hasAgentAudioAfterClear: boolean;
};

export type TSimClear = { atMs: number; droppedMs: number; marksEchoed: string[] };
export type TSimMark = { name: string; receivedAtMs: number; echoedAtMs: number | null; wasCleared: boolean };
// isSimulatorStall: this process itself had just stalled for at least that long, so the gap may be ours.
export type TSimLateFrame = { atMs: number; lateByMs: number; isSimulatorStall: boolean };

export type TSimPacing = {
  agentMessages: number;
  agentAudioMs: number;
  // Between consecutive agent media messages of one stretch of audio (back-to-back sends excluded).
  interArrivalMs: number[];
  // |inter-arrival - duration of the previous message|, same samples.
  jitterMs: number[];
  // The playout buffer ran dry mid-segment (no mark at its tail) and audio came later: the caller heard a gap.
  lateFrames: TSimLateFrame[];
  // The buffer ran dry at a mark (between sentences) and the next audio followed within a second.
  segmentGapsMs: number[];
};

export type TSimEnd = {
  // server: it closed the socket; redirected: it replaced the call's TwiML through the REST API (transfer);
  // twiml: the webhook answered without a stream (unknown number, closed, over the limit).
  by: "caller" | "server" | "redirected" | "twiml" | "timeout" | "aborted" | "error";
  atMs: number;
  code: number | null;
  reason: string;
  description: string;
  // What Twilio would do next: the <Connect action> answer, or the verbs after <Connect>.
  nextTwiml: TTwimlVerb[] | null;
};

export type TSimDbTurn = {
  seq: number;
  speaker: "caller" | "agent";
  text: string;
  startMs: number;
  endMs: number;
  isInterrupted: boolean;
  endpointingMs: number | null;
  sttFinalMs: number | null;
  llmFirstTokenMs: number | null;
  ttsFirstByteMs: number | null;
  firstAudioMs: number | null;
};

export type TSimDbRecord = {
  call: {
    status: string;
    outcome: string | null;
    endReason: string | null;
    durationSec: number | null;
    transferredTo: string | null;
    errorCount: number;
    isEnded: boolean;
  } | null;
  turns: TSimDbTurn[];
  events: { atMs: number; kind: string; name: string; data: Record<string, unknown> }[];
};

export type TSimCallResult = {
  label: string;
  callSid: string;
  streamSid: string | null;
  accountSid: string;
  from: string;
  to: string;
  twiml: TParsedTwiml;
  parameters: Record<string, string>;
  callId: string | null;
  teamId: string | null;
  // `start` sent -> first voiced agent audio received.
  greetingMs: number | null;
  turns: TSimTurn[];
  clears: TSimClear[];
  marks: TSimMark[];
  agentSpeech: { startMs: number; endMs: number }[];
  pacing: TSimPacing;
  dtmfSent: string[];
  end: TSimEnd;
  durationMs: number;
  statusCallback: { status: number } | { error: string } | null;
  notes: string[];
  protocolErrors: string[];
  audio: { caller: Uint8Array; agent: Uint8Array } | null;
  record: TSimDbRecord | null;
};

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

// ---- Options -----------------------------------------------------------------------------------------------

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

export function twilioSid(prefix: "AC" | "CA" | "MZ"): string {
  return prefix + randomBytes(16).toString("hex");
}

function joinUrl(base: string, pathname: string): string {
  return base.replace(/\/+$/, "") + pathname;
}

type TSignedPost = { url: string; fetchUrl: string; params: Record<string, string>; authToken: string; signal?: AbortSignal };

async function postSigned(request: TSignedPost): Promise<{ status: number; body: string; contentType: string }> {
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
function localUrl(publicUrl: string, baseUrl: string, scheme: "http" | "ws"): string {
  const target = new URL(publicUrl);
  const base = new URL(baseUrl);
  const protocol = scheme === "ws" ? (base.protocol === "https:" ? "wss:" : "ws:") : base.protocol;
  return `${protocol}//${base.host}${target.pathname}${target.search}`;
}

// ---- One call ----------------------------------------------------------------------------------------------

type TAudioItem = {
  kind: "audio";
  bytes: Uint8Array | null; // null when not recording
  startAt: number;
  endAt: number;
};
type TMarkItem = { kind: "mark"; mark: TSimMark; at: number };
type TQueueItem = TAudioItem | TMarkItem;

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
  private t0 = 0; // `start` sent
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

  // Outbound playout.
  private readonly queue: TQueueItem[] = [];
  private queueHead = 0;
  private tailEndAt = 0;
  private lastAppended: "none" | "audio" | "mark" = "none";
  private lastMediaAt = -1;
  private lastMediaDurationMs = 0;
  private agentVoiceEndsAt = -Infinity; // when the last voiced agent audio received so far finishes playing
  private lastAgentVoiceAt = -Infinity; // receipt time of the last voiced agent audio
  private lastAgentVoiceStartAt = -Infinity; // play time of the first voiced byte of that audio
  // The caller's last speech or keypress: what the agent's next words answer.
  private lastCallerActionAt = -Infinity;
  private lastClearAt = -Infinity;

  private readonly callerTrack: MulawTrack | null;
  private readonly agentTrack: MulawTrack | null;

  private greetingMs: number | null = null;
  private readonly turns: TSimTurn[] = [];
  private readonly clears: TSimClear[] = [];
  private readonly marks: TSimMark[] = [];
  private readonly agentSpeech: { startMs: number; endMs: number }[] = [];
  private readonly pacing: TSimPacing = {
    agentMessages: 0,
    agentAudioMs: 0,
    interArrivalMs: [],
    jitterMs: [],
    lateFrames: [],
    segmentGapsMs: [],
  };
  private readonly dtmfSent: string[] = [];
  private readonly notes: string[] = [];
  private readonly protocolErrors: string[] = [];

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
    if (!/^AC[0-9a-f]{32}$/i.test(this.accountSid)) throw new Error(`Account SID must be AC + 32 hex characters: ${this.accountSid}`);
  }

  private ms(at: number): number {
    return Math.round(at - this.t0);
  }

  private callParams(status: string): Record<string, string> {
    const { from, to } = this.options;
    return {
      AccountSid: this.accountSid,
      ApiVersion: "2010-04-01",
      CallSid: this.callSid,
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

  async run(): Promise<TSimCallResult> {
    // Synthesize every line first so the script never waits on espeak mid-call.
    const utterances = new Map<TSimStep, TCallerUtterance>();
    for (const step of this.steps) {
      if ("say" in step) utterances.set(step, await this.voice.say(step.say));
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
      params: this.callParams("ringing"),
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
      await this.followRecord(utterances);
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
    if (this.end?.by === "server") await this.followConnectAction();
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
    const statusCallback = await this.postStatus(durationMs);
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
      greetingMs: this.greetingMs,
      turns: this.turns,
      clears: this.clears,
      marks: this.marks,
      agentSpeech: this.agentSpeech,
      pacing: this.pacing,
      dtmfSent: this.dtmfSent,
      end,
      durationMs,
      statusCallback,
      notes: this.notes,
      protocolErrors: this.protocolErrors,
      audio:
        this.callerTrack && this.agentTrack
          ? { caller: this.callerTrack.bytes(audioLength), agent: this.agentTrack.bytes(audioLength) }
          : null,
      record,
    };
  }

  private async postStatus(durationMs: number): Promise<TSimCallResult["statusCallback"]> {
    const statusPath = this.options.statusCallbackPath ?? "/twilio/status";
    const seconds = Math.max(0, Math.round(durationMs / 1000));
    const params: Record<string, string> = {
      ...this.callParams("completed"),
      CallDuration: String(seconds),
      Duration: String(Math.max(1, Math.ceil(seconds / 60))),
      CallbackSource: "call-progress-events",
      SequenceNumber: "0",
      Timestamp: new Date().toUTCString().replace("GMT", "+0000"),
    };
    try {
      const response = await postSigned({
        url: joinUrl(this.publicUrl, statusPath),
        fetchUrl: joinUrl(this.options.baseUrl, statusPath),
        params,
        authToken: this.authToken,
      });
      if (response.status >= 300) this.notes.push(`status callback answered ${response.status}: ${response.body.slice(0, 200)}`);
      return { status: response.status };
    } catch (error) {
      return { error: (error as Error).message };
    }
  }

  // The server ended <Connect>: Twilio asks the action URL what to do next, or runs the verbs after it.
  private async followConnectAction(): Promise<void> {
    const end = this.end!;
    const action = this.stream?.connectAction;
    if (!action) {
      end.nextTwiml = this.twiml.verbsAfterConnect;
    } else {
      const absolute = new URL(action, joinUrl(this.publicUrl, "/twilio/voice")).toString();
      try {
        const response = await postSigned({
          url: absolute,
          fetchUrl: localUrl(absolute, this.options.baseUrl, "http"),
          params: this.callParams("in-progress"),
          authToken: this.authToken,
        });
        end.nextTwiml =
          response.status < 300 ? parseTwiml(response.body).verbs : [{ verb: `HTTP ${response.status}`, attrs: {}, text: "", children: [] }];
      } catch (error) {
        this.notes.push(`<Connect action> request failed: ${(error as Error).message}`);
      }
    }
    const next = end.nextTwiml && end.nextTwiml.length > 0 ? `, then ${describeVerbs(end.nextTwiml)}` : ", no more TwiML: call over";
    end.description += next;
  }

  // <Record action=...>: the caller leaves the script's lines as a message; Twilio then posts the recording.
  private async followRecord(utterances: Map<TSimStep, TCallerUtterance>): Promise<void> {
    const end = this.end!;
    const record = this.twiml.verbs.find((verb) => verb.verb === "Record");
    if (!record) return;
    const spokenMs = [...utterances.values()].reduce((sum, utterance) => sum + utterance.durationMs, 0);
    if (spokenMs === 0 || !record.attrs.action) {
      end.description += spokenMs === 0 ? "; the caller left no message" : "";
      return;
    }
    const maxLengthSec = Number(record.attrs.maxLength ?? 3600);
    const durationSec = Math.min(maxLengthSec, Math.max(1, Math.round(spokenMs / 1000)));
    const recordingSid = `RE${randomBytes(16).toString("hex")}`;
    const absolute = new URL(record.attrs.action, joinUrl(this.publicUrl, "/twilio/voice")).toString();
    try {
      const response = await postSigned({
        url: absolute,
        fetchUrl: localUrl(absolute, this.options.baseUrl, "http"),
        params: {
          ...this.callParams("in-progress"),
          RecordingSid: recordingSid,
          RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${this.accountSid}/Recordings/${recordingSid}`,
          RecordingDuration: String(durationSec),
          Digits: "hangup",
        },
        authToken: this.authToken,
      });
      end.nextTwiml = response.status < 300 ? parseTwiml(response.body).verbs : null;
      end.description += `; left a ${durationSec} s message (recording callback answered ${response.status}${
        end.nextTwiml ? `: ${describeVerbs(end.nextTwiml)}` : ""
      })`;
    } catch (error) {
      this.notes.push(`<Record action> request failed: ${(error as Error).message}`);
    }
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
      const response = await postSigned({
        url: params.Url,
        fetchUrl: localUrl(params.Url, this.options.baseUrl, "http"),
        params: this.callParams("in-progress"),
        authToken: this.authToken,
      }).catch((error: Error) => ({ status: 0, body: error.message, contentType: "" }));
      verbs = response.status >= 200 && response.status < 300 ? parseTwiml(response.body).verbs : null;
      what = `redirected the call to ${params.Url}${verbs ? `: ${describeVerbs(verbs)}` : ` (answered ${response.status})`}`;
    } else if (params.Status === "completed" || params.Status === "canceled") {
      what = "hung up the call through the REST API";
    } else {
      return;
    }
    this.isHangingUp = true;
    const now = this.scheduler.now();
    this.send({
      event: "stop",
      sequenceNumber: String(++this.sequence),
      stop: { accountSid: this.accountSid, callSid: this.callSid },
      streamSid: this.streamSid,
    });
    this.flushPlayout(now, true);
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
        ws.on("error", (error) => this.protocolErrors.push(`socket error: ${error.message}`));
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
        this.t0 = this.scheduler.now();
        this.nextFrameAt = this.t0;
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
          this.dtmfSent.push(digit);
          this.lastCallerActionAt = this.scheduler.now();
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
    const turn: TSimTurn = {
      index: this.turns.length,
      text: utterance.label,
      isInterruption,
      startMs: null,
      endMs: null,
      wasAgentTalking: false,
      voiceToVoiceMs: null,
      agentReplyAtMs: null,
      clearAtMs: null,
      bargeInMs: null,
      hasAgentAudioAfterClear: false,
    };
    this.turns.push(turn);
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
    const since = this.lastCallerActionAt;
    return this.waitFor((now) => {
      const hasSpoken = this.lastAgentVoiceAt > since;
      if (hasSpoken && now - this.agentVoiceEndsAt >= quietMs && now >= this.tailEndAt) return true;
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
    const since = this.lastCallerActionAt;
    const startedAt = this.scheduler.now();
    let isOnset = false;
    await this.waitFor((now) => {
      if (this.lastAgentVoiceAt > since) {
        isOnset = true;
        return true;
      }
      return now - startedAt >= 15_000;
    });
    if (!isOnset) {
      this.notes.push(`interrupt-after: the agent never started replying (waited 15 s)`);
      return false;
    }
    const at = this.lastAgentVoiceStartAt + delayMs;
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
    this.send({
      event: "stop",
      sequenceNumber: String(++this.sequence),
      stop: { accountSid: this.accountSid, callSid: this.callSid },
      streamSid: this.streamSid,
    });
    this.flushPlayout(now, true);
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
    this.flushPlayout(now, true);
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
    if (now - this.t0 > this.maxCallMs) {
      void this.hangup("timeout");
      return;
    }
    while (now >= this.nextFrameAt && this.isStreaming) {
      this.sendInboundFrame(now);
      this.nextFrameAt += FRAME_MS;
    }
    this.drainPlayout(now);
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
      if (utterance.isVoiced[index]) {
        if (turn.startMs === null) {
          turn.startMs = this.ms(now);
          turn.wasAgentTalking = this.tailEndAt > now || this.agentVoiceEndsAt > now;
        }
        turn.endMs = this.ms(now);
      }
      if (line.frame >= utterance.frames.length) {
        this.line = null;
        this.lastCallerActionAt = now;
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
      this.protocolErrors.push(`binary frame at ${this.ms(now)} ms (Twilio expects JSON text)`);
      return;
    }
    let message: { event?: unknown; streamSid?: unknown; media?: { payload?: unknown }; mark?: { name?: unknown } };
    try {
      message = JSON.parse(data.toString());
    } catch {
      this.protocolErrors.push(`malformed JSON at ${this.ms(now)} ms`);
      return;
    }
    if (message.streamSid !== this.streamSid) {
      this.protocolErrors.push(`${String(message.event)} with streamSid ${String(message.streamSid)} at ${this.ms(now)} ms`);
      return;
    }
    this.drainPlayout(now);
    switch (message.event) {
      case "media": {
        const payload = message.media?.payload;
        if (typeof payload !== "string") {
          this.protocolErrors.push(`media without a payload at ${this.ms(now)} ms`);
          return;
        }
        this.onAgentAudio(Buffer.from(payload, "base64"), now);
        break;
      }
      case "mark": {
        const name = message.mark?.name;
        if (typeof name !== "string") {
          this.protocolErrors.push(`mark without a name at ${this.ms(now)} ms`);
          return;
        }
        this.onAgentMark(name, now);
        break;
      }
      case "clear":
        this.onClear(now);
        break;
      default:
        this.protocolErrors.push(`unknown event ${JSON.stringify(message.event)} at ${this.ms(now)} ms`);
    }
    this.checkWaiter(now);
  }

  private onAgentAudio(bytes: Buffer, now: number): void {
    if (bytes.length === 0) {
      this.protocolErrors.push(`empty media payload at ${this.ms(now)} ms`);
      return;
    }
    const durationMs = bytes.length / BYTES_PER_MS;
    const isQueueEmpty = this.tailEndAt <= now;
    const pacing = this.pacing;
    pacing.agentMessages++;
    pacing.agentAudioMs += durationMs;
    if (this.lastMediaAt >= 0 && this.lastClearAt < this.lastMediaAt) {
      const gapToTail = now - this.tailEndAt;
      if (isQueueEmpty && gapToTail < LATE_GAP_WINDOW_MS) {
        if (this.lastAppended === "audio") {
          pacing.lateFrames.push({
            atMs: this.ms(now),
            lateByMs: Math.round(gapToTail * 10) / 10,
            isSimulatorStall: this.scheduler.recentStallMs(now) >= gapToTail,
          });
        }
        else if (this.lastAppended === "mark") pacing.segmentGapsMs.push(Math.round(gapToTail));
      }
      const gap = now - this.lastMediaAt;
      if (!isQueueEmpty && gap >= 2) {
        pacing.interArrivalMs.push(Math.round(gap * 10) / 10);
        pacing.jitterMs.push(Math.round(Math.abs(gap - this.lastMediaDurationMs) * 10) / 10);
      }
    }
    this.lastMediaAt = now;
    this.lastMediaDurationMs = durationMs;

    const startAt = Math.max(now, this.tailEndAt);
    const endAt = startAt + durationMs;
    this.tailEndAt = endAt;
    this.lastAppended = "audio";
    this.queue.push({ kind: "audio", bytes: this.agentTrack ? new Uint8Array(bytes) : null, startAt, endAt });

    let firstVoiced = -1;
    let lastVoiced = -1;
    for (let offset = 0; offset < bytes.length; offset += FRAME_BYTES) {
      const stop = Math.min(bytes.length, offset + FRAME_BYTES);
      if (isVoiced(bytes, offset, stop)) {
        if (firstVoiced < 0) firstVoiced = offset;
        lastVoiced = stop;
      }
    }
    if (firstVoiced < 0) return;
    const voiceStartAt = startAt + firstVoiced / BYTES_PER_MS;
    const voiceEndAt = startAt + lastVoiced / BYTES_PER_MS;
    if (this.lastAgentVoiceAt <= this.lastCallerActionAt || this.lastAgentVoiceAt < this.lastClearAt) this.lastAgentVoiceStartAt = voiceStartAt;
    this.lastAgentVoiceAt = now;
    this.agentVoiceEndsAt = Math.max(this.agentVoiceEndsAt, voiceEndAt);
    this.greetingMs ??= this.ms(now);
    const last = this.agentSpeech[this.agentSpeech.length - 1];
    const isAfterClear = this.lastClearAt >= 0 && this.ms(this.lastClearAt) >= (last?.endMs ?? Infinity);
    if (last && !isAfterClear && this.ms(voiceStartAt) - last.endMs < AGENT_SPEECH_MERGE_MS) last.endMs = this.ms(voiceEndAt);
    else this.agentSpeech.push({ startMs: this.ms(voiceStartAt), endMs: this.ms(voiceEndAt) });

    const turn = this.turns[this.turns.length - 1];
    if (!turn) return;
    const isSpeaking = this.line?.turn === turn;
    if (isSpeaking && turn.clearAtMs !== null) turn.hasAgentAudioAfterClear = true;
    if (!isSpeaking && turn.endMs !== null && turn.voiceToVoiceMs === null) {
      turn.agentReplyAtMs = this.ms(now);
      turn.voiceToVoiceMs = Math.round((now - this.t0 - turn.endMs) * 10) / 10;
    }
  }

  private onAgentMark(name: string, now: number): void {
    const mark: TSimMark = { name, receivedAtMs: this.ms(now), echoedAtMs: null, wasCleared: false };
    this.marks.push(mark);
    this.lastAppended = "mark";
    // Twilio: echoed when the audio before it has played, or at once if nothing is buffered.
    if (this.tailEndAt <= now) this.echoMark(mark, now);
    else this.queue.push({ kind: "mark", mark, at: this.tailEndAt });
  }

  private onClear(now: number): void {
    const droppedMs = Math.max(0, this.tailEndAt - now);
    const echoed: string[] = [];
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const item = this.queue[i]!;
      if (item.kind === "mark") {
        item.mark.wasCleared = true;
        this.echoMark(item.mark, now);
        echoed.push(item.mark.name);
      } else if (item.startAt < now) {
        this.recordPlayed(item, now);
      }
    }
    this.queue.length = 0;
    this.queueHead = 0;
    this.tailEndAt = now;
    this.agentVoiceEndsAt = Math.min(this.agentVoiceEndsAt, now);
    const last = this.agentSpeech[this.agentSpeech.length - 1];
    if (last && last.endMs > this.ms(now)) last.endMs = Math.max(last.startMs, this.ms(now));
    this.lastAppended = "none";
    this.lastClearAt = now;
    this.clears.push({ atMs: this.ms(now), droppedMs: Math.round(droppedMs), marksEchoed: echoed });
    this.log(`${this.label}: clear at ${this.ms(now)} ms (${Math.round(droppedMs)} ms of audio dropped)`);
    // A clear answers the caller's latest line if it is being spoken or has just ended.
    const turn = this.turns[this.turns.length - 1];
    if (turn && turn.startMs !== null && turn.clearAtMs === null) {
      const isRecent = this.line?.turn === turn || (turn.endMs !== null && this.ms(now) - turn.endMs < 2000);
      if (isRecent) {
        turn.clearAtMs = this.ms(now);
        turn.bargeInMs = Math.round((now - this.t0 - turn.startMs) * 10) / 10;
      }
    }
  }

  private echoMark(mark: TSimMark, now: number): void {
    mark.echoedAtMs = this.ms(now);
    this.send({ event: "mark", sequenceNumber: String(++this.sequence), streamSid: this.streamSid, mark: { name: mark.name } });
  }

  // Moves the playout cursor to `now`: audio that finished playing is recorded, marks it passed are echoed.
  private drainPlayout(now: number): void {
    const queue = this.queue;
    while (this.queueHead < queue.length) {
      const item = queue[this.queueHead]!;
      if (item.kind === "mark") {
        if (item.at > now) break;
        this.echoMark(item.mark, now);
      } else {
        if (item.endAt > now) break;
        this.recordPlayed(item, item.endAt);
      }
      this.queueHead++;
    }
    if (this.queueHead === queue.length) {
      queue.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead > 256) {
      queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }

  // On hang-up: what had played by now is kept, the rest never reached the caller.
  private flushPlayout(now: number, isEnd: boolean): void {
    this.drainPlayout(now);
    if (!isEnd) return;
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const item = this.queue[i]!;
      if (item.kind === "audio" && item.startAt < now) this.recordPlayed(item, now);
    }
    this.queue.length = 0;
    this.queueHead = 0;
  }

  private recordPlayed(item: TAudioItem, until: number): void {
    if (!item.bytes || !this.agentTrack) return;
    const playedBytes = Math.min(item.bytes.length, Math.max(0, Math.round((until - item.startAt) * BYTES_PER_MS)));
    if (playedBytes === 0) return;
    this.agentTrack.write((item.startAt - this.t0) * BYTES_PER_MS, item.bytes.subarray(0, playedBytes));
  }
}

// ---- Call record ------------------------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// The server writes turns as they complete and finalizes the call on the status callback; wait briefly for that.
export async function readCallRecord(input: {
  sql?: postgres.Sql;
  databaseUrl?: string;
  callId: string;
  teamId: string;
  waitForEndMs?: number;
}): Promise<TSimDbRecord> {
  if (!UUID.test(input.callId) || !UUID.test(input.teamId)) throw new Error(`callId/teamId are not UUIDs: ${input.callId} ${input.teamId}`);
  const sql = input.sql ?? postgres(input.databaseUrl!, { max: 1, onnotice: () => {} });
  try {
    const deadline = Date.now() + (input.waitForEndMs ?? 3000);
    let call: TSimDbRecord["call"] = null;
    for (;;) {
      const rows = await sql<
        {
          status: string;
          outcome: string | null;
          end_reason: string | null;
          duration_sec: number | null;
          transferred_to: string | null;
          error_count: number;
          ended_at: Date | null;
        }[]
      >`select status, outcome, end_reason, duration_sec, transferred_to, error_count, ended_at
          from calls where id = ${input.callId} and team_id = ${input.teamId}`;
      const row = rows[0];
      call = row
        ? {
            status: row.status,
            outcome: row.outcome,
            endReason: row.end_reason,
            durationSec: row.duration_sec,
            transferredTo: row.transferred_to,
            errorCount: row.error_count,
            isEnded: row.ended_at !== null,
          }
        : null;
      // The status callback sets ended_at; the session's own close adds the outcome a moment later.
      if (!call || (call.isEnded && call.outcome !== null) || Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const turns = await sql<
      {
        seq: number;
        speaker: "caller" | "agent";
        text: string;
        start_ms: number;
        end_ms: number;
        is_interrupted: boolean;
        endpointing_ms: number | null;
        stt_final_ms: number | null;
        llm_first_token_ms: number | null;
        tts_first_byte_ms: number | null;
        first_audio_ms: number | null;
      }[]
    >`select seq, speaker, text, start_ms, end_ms, is_interrupted, endpointing_ms, stt_final_ms, llm_first_token_ms,
             tts_first_byte_ms, first_audio_ms
        from call_turns where call_id = ${input.callId} and team_id = ${input.teamId} order by seq`;
    const events = await sql<{ at_ms: number; kind: string; name: string; data: Record<string, unknown> }[]>`
      select at_ms, kind, name, data from call_events
       where call_id = ${input.callId} and team_id = ${input.teamId} order by at_ms, created_at`;
    return {
      call,
      turns: turns.map((t) => ({
        seq: t.seq,
        speaker: t.speaker,
        text: t.text,
        startMs: t.start_ms,
        endMs: t.end_ms,
        isInterrupted: t.is_interrupted,
        endpointingMs: t.endpointing_ms,
        sttFinalMs: t.stt_final_ms,
        llmFirstTokenMs: t.llm_first_token_ms,
        ttsFirstByteMs: t.tts_first_byte_ms,
        firstAudioMs: t.first_audio_ms,
      })),
      events: events.map((e) => ({ atMs: e.at_ms, kind: e.kind, name: e.name, data: e.data })),
    };
  } finally {
    if (!input.sql) await sql.end({ timeout: 5 });
  }
}

// The conversation as the simulator heard it, for when there is no database to read: caller lines from the
// script, agent speech as stretches of audio.
export function wireTranscript(result: TSimCallResult): { atMs: number; speaker: "caller" | "agent"; text: string }[] {
  const lines: { atMs: number; speaker: "caller" | "agent"; text: string }[] = [];
  for (const turn of result.turns) {
    if (turn.startMs === null) continue;
    const tags = [turn.isInterruption || turn.wasAgentTalking ? "over the agent" : "", turn.clearAtMs !== null ? "agent cleared" : ""]
      .filter(Boolean)
      .join(", ");
    lines.push({ atMs: turn.startMs, speaker: "caller", text: `${turn.text}${tags ? ` (${tags})` : ""}` });
  }
  for (const speech of result.agentSpeech) {
    lines.push({ atMs: speech.startMs, speaker: "agent", text: `[${((speech.endMs - speech.startMs) / 1000).toFixed(1)} s of speech]` });
  }
  return lines.sort((a, b) => a.atMs - b.atMs);
}
