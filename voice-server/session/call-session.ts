import twilio from "twilio";
import type { Db } from "@/db/client";
import type { Call } from "@/db/schema";
import { assembleInstructions } from "@/lib/agents/assemble-instructions";
import type { TAgentSnapshot } from "@/lib/agents/config";
import { appendCallEvent, type TCallEventKind } from "@/lib/calls/append-event";
import { appendCallTurn, saveAgentTurn, type TAppendTurnInput } from "@/lib/calls/append-turn";
import { lookupCallerHistory } from "@/lib/calls/caller-history";
import { markCallAnswered } from "@/lib/calls/create-call";
import { finalizeCall, type TCallOutcome } from "@/lib/calls/finalize-call";
import { recordKnowledgeUsage } from "@/lib/calls/record-knowledge-usage";
import { loadCallForStream } from "@/lib/calls/resolve-inbound-call";
import { takeCallerMessage } from "@/lib/calls/take-message";
import { checkTransferDestination, loadTransferPolicy } from "@/lib/telephony/transfer-policy";
import { ArrayPool } from "@/voice-server/audio/array-pool";
import { AudioHistory } from "@/voice-server/audio/frames";
import { FRAME_BYTES, FRAME_MS } from "@/voice-server/audio/mulaw";
import type { TLogger } from "@/voice-server/observability/log";
import type { TVoiceMetrics } from "@/voice-server/observability/metrics";
import { startCallTrace, type TCallTrace } from "@/voice-server/observability/turn-trace";
import type { TVoiceProviders } from "@/voice-server/providers/registry";
import {
  ProviderError,
  type TChatMessage,
  type TLlmProvider,
  type TMulaw,
  type TSttEvent,
  type TSttProvider,
  type TSttStream,
  type TToolCall,
} from "@/voice-server/providers/types";
import { toolErrorResult, toolSpecsFor, validateToolCall } from "@/voice-server/tools/specs";
import { SpeechDetector, type TSpeechEvent, type TVad } from "@/voice-server/vad/vad";
import type { AudioCache } from "./audio-cache";
import { CallRecorder } from "./call-recorder";
import { LINES, lineCacheKey, linePieces, openingLine } from "./spoken-lines";
import type { FramePacer, PacedOutput, TClock } from "./pacer";
import { sttPhrasesFor } from "./stt-phrases";
import { TextChunker } from "./text-chunker";
import type { TCallTransport, TStreamStart, TTransportEvent } from "./transport";
import { WriteQueue } from "./write-queue";

// One live call: everything about it lives on this object, nothing at module level. The loop:
// caller frames -> VAD/endpointing -> STT -> LLM (streamed, chunked into sentences) -> TTS -> paced frames + marks.
// A "generation" is one thing the agent says (the greeting, a reply, a fixed line); barge-in aborts it, clears
// the far end, drops its remaining audio and keeps only the sentences whose marks came back before the clear.

export type TCallControl = {
  // Replaces the live call's TwiML (transfer with <Dial>).
  redirect(twiml: string): Promise<void>;
};

export type TSessionServices = {
  db: Db;
  providers: TVoiceProviders;
  pacer: FramePacer;
  audioCache: AudioCache;
  metrics: TVoiceMetrics;
  log: TLogger;
  recordingsDir: string | null;
  // Told once the finalized row names the call's local recording (moves it to S3 when configured).
  uploadRecording?: (call: { teamId: string; callId: string }) => void;
  timeouts: { sttFinalMs: number; llmFirstTokenMs: number; ttsFirstByteMs: number };
  createVad(): Promise<TVad>;
  callControlFor(start: TStreamStart): TCallControl | null;
  now?: () => Date;
  // Told after the call's row says so (answered, then finalized): post-call analysis, outbound webhooks.
  onLifecycle?: (event: TCallLifecycleEvent) => Promise<void> | void;
};

export type TCallLifecycleEvent = { type: "call.started" | "call.completed"; teamId: string; callId: string };

type TSessionState = "awaiting-start" | "starting" | "live" | "closing" | "closed";

type TSegment = {
  index: number;
  text: string;
  message: { role: "agent"; text: string };
  markName: string;
  state: "pending" | "sent" | "played";
};

type TTurnTiming = {
  speechStartStreamMs: number;
  speechEndStreamMs: number;
  speechEndAt: number; // clock ms
  endpointedAt: number;
  sttFinalAt: number;
};

type TGeneration = {
  id: number;
  kind: "greeting" | "reply" | "fixed";
  abort: AbortController;
  segments: TSegment[];
  // What this generation adds to the conversation, in order (agent text, tool calls, tool results).
  messages: TChatMessage[];
  tts: Promise<void>;
  isProducing: boolean;
  isInterrupted: boolean;
  isDone: boolean;
  timing: TTurnTiming | null;
  llmStartAt: number | null;
  llmFirstTokenAt: number | null;
  ttsFirstByteAt: number | null;
  firstFrameAt: number | null;
  firstFrameStreamMs: number | null;
  lastPlayedStreamMs: number | null;
  knowledgeIds: Set<string>;
  playoutWaiters: (() => void)[];
  // The seq of this generation's agent turn, once its first clause was heard and the turn written.
  turnSeq: number | null;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_TOOL_ROUNDS = 4;
const DTMF_GATHER_MS = 600;
const PRESTART_FRAME_LIMIT = 100;
// Caller audio kept for a replacement STT engine: up to 10 s, from just before the current turn's speech.
const STT_REPLAY_FRAMES = 500;
// 80 KB each, for the life of a call: reused across calls (see ArrayPool).
const STT_REPLAY_RINGS = new ArrayPool<Uint8Array>(STT_REPLAY_FRAMES * FRAME_BYTES, (length) => new Uint8Array(length));
const STT_PREROLL_FRAMES = 15;
const TRANSFER_STOP_WAIT_MS = 5_000;


function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[index] as number);
}

function errorKind(error: unknown): string {
  if (error instanceof ProviderError) return error.kind;
  if (error instanceof Error && error.name === "TimeoutError") return "timeout";
  return "unavailable";
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class CallSession {
  private state: TSessionState = "awaiting-start";
  private call: Call | null = null;
  private snapshot: TAgentSnapshot | null = null;
  private isAfterHours = false;
  private readonly conversation: TChatMessage[] = [];
  private readonly writes: WriteQueue;
  private readonly clock: TClock;
  private readonly output: PacedOutput;
  private log: TLogger;
  private trace: TCallTrace | null = null;
  private streamStartAt = 0;
  private startedAtDate = new Date();

  // Input side.
  private vad: TVad | null = null;
  private detector: SpeechDetector | null = null;
  private stt: TSttStream | null = null;
  private sttProvider: TSttProvider | null = null;
  private sttOpening: Promise<void> | null = null;
  private readonly sttAbort = new AbortController();
  private isSttDead = false;
  private sttPending: TMulaw[] = [];
  // Ring buffer of the latest caller frames; slot i holds frame number i modulo its size.
  private readonly sttReplay = new AudioHistory(STT_REPLAY_RINGS.take());
  private replayFromPosition = 0;
  private sttFinals: string[] = [];
  private lastInterim = "";
  private finalWaiters: { resolve: (text: string) => void; timer: NodeJS.Timeout }[] = [];
  private staleFinalizes = 0;
  private prestartFrames: { audio: TMulaw; timestampMs: number | null }[] = [];
  private prestartTexts: string[] = [];
  private inboundFrames = 0;
  private callerSpeech: { startStreamMs: number; onsetAt: number; hasBargedIn: boolean } | null = null;
  private turnChain: Promise<void> = Promise.resolve();

  // Output side.
  private generationCounter = 0;
  private current: TGeneration | null = null;
  private clearSent = false;
  private recorder: CallRecorder | null = null;
  private recorderRelativePath: string | null = null;
  private llm: TLlmProvider;
  private isLlmFallback = false;
  private callControl: TCallControl | null = null;

  // Call state.
  private turnSeq = 0;
  private callerTurns = 0;
  private readonly voiceToVoiceMs: number[] = [];
  private transferredTo: string | null = null;
  private isMessageTaken = false;
  private hasFatalError = false;
  private endReason: string | null = null;
  // Saying the last line before hanging up: the caller can no longer talk over it or start a new turn.
  private isEnding = false;
  private silencePrompts = 0;
  private silenceTimer: NodeJS.Timeout | null = null;
  private maxDurationTimer: NodeJS.Timeout | null = null;
  private dtmfDigits: string[] = [];
  private dtmfTimer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  private stopWaiter: (() => void) | null = null;
  private isStreamStopped = false;
  private transferring: Promise<boolean> | null = null;
  private onClosedHandlers: (() => void)[] = [];

  constructor(
    private readonly transport: TCallTransport,
    private readonly services: TSessionServices,
  ) {
    this.clock = services.pacer.clock;
    this.log = services.log;
    this.llm = services.providers.llm;
    this.writes = new WriteQueue({
      onRetry: (name, attempt, error) => {
        services.metrics.dbWriteRetries.inc();
        this.log.warn("call record write retried", { write: name, attempt, error });
      },
      onGiveUp: (name, error) => {
        services.metrics.errors.inc({ stage: "db", kind: "write_failed" });
        this.log.error("call record write failed", { write: name, error });
      },
    });
    this.output = services.pacer.createOutput({
      sendAudio: (audio, tag, playAtMs) => this.onAudioSent(audio, tag.generation, playAtMs),
      sendMark: (name) => this.transport.sendMark(name),
    });
    transport.onEvent((event) => this.onTransportEvent(event));
  }

  get callId(): string | null {
    return this.call?.id ?? null;
  }

  get teamId(): string | null {
    return this.call?.teamId ?? null;
  }

  get isClosed(): boolean {
    return this.state === "closed";
  }

  onClosed(handler: () => void): void {
    if (this.state === "closed") handler();
    else this.onClosedHandlers.push(handler);
  }

  // Queued behind the call's own writes, so listeners see the row they are told about.
  private notifyLifecycle(type: TCallLifecycleEvent["type"], teamId: string, callId: string): void {
    const listener = this.services.onLifecycle;
    if (listener) this.writes.push(`notify ${type}`, async () => listener({ type, teamId, callId }));
  }

  private wallNow(): Date {
    return this.services.now?.() ?? new Date();
  }

  private streamMs(at = this.clock.now()): number {
    return Math.max(0, Math.round(at - this.streamStartAt));
  }

  // ---- Transport events ---------------------------------------------------------------------------------

  private onTransportEvent(event: TTransportEvent): void {
    switch (event.type) {
      case "start":
        void this.begin(event.start).catch((error: unknown) => {
          this.log.error("call setup failed", { error });
          this.hasFatalError = true;
          void this.close("setup_failed");
        });
        return;
      case "media":
        if (this.state === "starting") {
          if (this.prestartFrames.length < PRESTART_FRAME_LIMIT) this.prestartFrames.push(event);
          return;
        }
        if (this.state === "live") this.onInboundAudio(event.audio, event.timestampMs);
        return;
      case "mark":
        this.onMark(event.name);
        return;
      case "dtmf":
        this.onDtmf(event.digit);
        return;
      case "caller-text":
        this.submitCallerText(event.text);
        return;
      case "stop":
        this.isStreamStopped = true;
        this.stopWaiter?.();
        void this.close("caller_hangup");
        return;
      case "protocol-error":
        this.log.warn("media stream protocol error", { reason: event.reason });
        this.services.metrics.errors.inc({ stage: "transport", kind: "protocol" });
        if (this.call) {
          this.hasFatalError = true;
          this.recordEvent("error", "protocol_error", { stage: "transport", kind: "protocol", message: event.reason });
        }
        void this.close("protocol_error");
        return;
      case "closed":
        this.isStreamStopped = true;
        this.stopWaiter?.();
        void this.close("stream_closed");
        return;
    }
  }

  // ---- Start ----------------------------------------------------------------------------------------------

  private async begin(start: TStreamStart): Promise<void> {
    if (this.state !== "awaiting-start") return;
    this.state = "starting";
    this.streamStartAt = this.clock.now();
    this.startedAtDate = this.wallNow();
    const vadReady = this.services.createVad();
    vadReady.catch(() => {});
    const hasIds = UUID.test(start.callId) && UUID.test(start.teamId);
    const loaded =
      start.preloaded ?? (hasIds ? await loadCallForStream(this.services.db, { callId: start.callId, teamId: start.teamId }) : null);
    if (this.state !== "starting") return;
    // The stream must be for this call (CallSid) and come from the account that owns its number.
    const isMismatch =
      !!loaded &&
      ((!!start.callSid && !!loaded.call.twilioCallSid && loaded.call.twilioCallSid !== start.callSid) ||
        (!!start.accountSid && !!loaded.phoneNumberAccountSid && loaded.phoneNumberAccountSid !== start.accountSid));
    if (!loaded || isMismatch) {
      this.log.warn("stream for an unknown or finished call", { callId: start.callId, teamId: start.teamId });
      this.services.metrics.errors.inc({ stage: "transport", kind: "unknown_call" });
      this.transport.close(1008, "unknown call");
      await this.close("unknown_call");
      return;
    }
    this.call = loaded.call;
    this.snapshot = loaded.snapshot;
    const vad = await vadReady;
    if (this.state !== "starting") {
      vad.close();
      return;
    }
    this.vad = vad;
    this.isAfterHours = start.parameters.afterHours === "1";
    this.log = this.services.log.child({ callId: loaded.call.id, teamId: loaded.call.teamId });
    this.callControl = this.services.callControlFor(start);
    const config = loaded.snapshot.config;
    this.detector = new SpeechDetector(vad, {
      minSpeechMs: Math.min(config.interruptionMinSpeechMs, 160),
      endSilenceMs: config.endpointingSilenceMs,
    });
    this.state = "live";
    this.services.metrics.callsStarted.inc();
    const { id: callId, teamId, agentVersionId } = loaded.call;
    this.trace = startCallTrace({ callId, teamId, agentVersionId, transport: this.transport.kind, clockStart: this.streamStartAt, startedAt: this.startedAtDate, clock: this.clock });

    this.speakGreeting();
    this.writes.push("call answered", () =>
      markCallAnswered(this.services.db, { teamId: loaded.call.teamId, callId: loaded.call.id, answeredAt: this.startedAtDate }),
    );
    this.notifyLifecycle("call.started", loaded.call.teamId, loaded.call.id);
    this.recordEvent("status", "stream_started", {
      transport: this.transport.kind,
      providers: { stt: this.services.providers.stt.name, llm: this.llm.name, tts: this.services.providers.tts.name },
      ...(this.isAfterHours ? { afterHours: true } : {}),
    });
    if (this.services.recordingsDir) {
      const { absolute, relative } = CallRecorder.pathFor(this.services.recordingsDir, loaded.call.teamId, loaded.call.id);
      this.recorder = new CallRecorder(absolute);
      this.recorderRelativePath = relative;
      this.recorder.start();
    }
    this.maxDurationTimer = setTimeout(() => this.onMaxDuration(), config.maxCallDurationSec * 1000);
    if (start.inputMode !== "text") void this.openStt(this.services.providers.stt);
    const early = this.prestartFrames.splice(0);
    for (const frame of early) this.onInboundAudio(frame.audio, frame.timestampMs);
    for (const text of this.prestartTexts.splice(0)) this.submitCallerText(text);
  }

  // ---- Speech to text -----------------------------------------------------------------------------------

  private openStt(provider: TSttProvider): Promise<void> {
    const opening = this.doOpenStt(provider).finally(() => {
      if (this.sttOpening === opening) this.sttOpening = null;
    });
    this.sttOpening = opening;
    return opening;
  }

  private async doOpenStt(provider: TSttProvider): Promise<void> {
    if (!this.snapshot || this.state !== "live") return;
    this.sttProvider = provider;
    try {
      const stream = await provider.open({
        language: this.snapshot.config.language,
        phrases: sttPhrasesFor(this.snapshot),
        signal: this.sttAbort.signal,
      });
      if (this.state !== "live") {
        await stream.close().catch(() => {});
        return;
      }
      this.stt = stream;
      for (const frame of this.sttPending.splice(0)) stream.push(frame);
      void this.consumeStt(stream, provider);
    } catch (error) {
      this.onSttFailure(provider, error);
    }
  }

  private async consumeStt(stream: TSttStream, provider: TSttProvider): Promise<void> {
    try {
      for await (const event of stream.events) {
        if (this.stt !== stream) return;
        this.onSttEvent(event, provider);
        if (this.stt !== stream) return;
      }
      if (this.stt === stream && this.state === "live") this.onSttFailure(provider, new Error("STT stream ended"));
    } catch (error) {
      if (this.stt === stream && this.state === "live") this.onSttFailure(provider, error);
    }
  }

  private onSttEvent(event: TSttEvent, provider: TSttProvider): void {
    if (event.type === "interim") {
      this.lastInterim = event.text;
      this.transport.sendInterim?.(event.text);
      return;
    }
    if (event.type === "final") {
      if (event.text.trim()) this.sttFinals.push(event.text.trim());
      this.lastInterim = "";
      if (event.isFromFinalize) {
        if (this.staleFinalizes > 0) {
          // The answer to a finalize that already timed out: that turn has moved on without it.
          this.staleFinalizes--;
          this.sttFinals = [];
          return;
        }
        const waiter = this.finalWaiters.shift();
        if (waiter) {
          clearTimeout(waiter.timer);
          waiter.resolve(this.takeTranscript());
        }
      }
      return;
    }
    this.recordError("stt", errorKind(event.error), event.error, { provider: provider.name, isFatal: event.isFatal });
    if (event.isFatal) this.onSttFailure(provider, event.error, true);
  }

  private takeTranscript(): string {
    const parts = this.sttFinals.length > 0 ? this.sttFinals : this.lastInterim ? [this.lastInterim] : [];
    this.sttFinals = [];
    this.lastInterim = "";
    return parts.join(" ").replace(/\s+/g, " ").trim();
  }

  private onSttFailure(provider: TSttProvider, error: unknown, isRecorded = false): void {
    if (this.sttProvider !== provider || this.state !== "live") return;
    if (!isRecorded) this.recordError("stt", errorKind(error), error, { provider: provider.name, isFatal: true });
    const old = this.stt;
    this.stt = null;
    void old?.close().catch(() => {});
    const offline = this.services.providers.offline.stt;
    if (provider === offline) {
      this.isSttDead = true;
      this.sttProvider = null;
      for (const waiter of this.finalWaiters.splice(0)) {
        clearTimeout(waiter.timer);
        waiter.resolve(this.takeTranscript());
      }
      return;
    }
    this.recordEvent("status", "stt_fallback_offline", { from: provider.name, to: offline.name });
    // The offline engine hears the current turn again from the kept audio, and answers any finalize the old
    // engine left hanging.
    const isInTurn = this.finalWaiters.length > 0 || this.callerSpeech !== null;
    this.staleFinalizes = 0;
    this.sttFinals = [];
    this.lastInterim = "";
    this.sttPending = isInTurn ? this.replayFrom(this.replayFromPosition) : [];
    const pendingFinalizes = this.finalWaiters.length;
    void this.openStt(offline).then(() => {
      for (let i = 0; i < pendingFinalizes; i++) this.stt?.finalize();
    });
  }

  private replayFrom(position: number): TMulaw[] {
    const audio = this.sttReplay.since(position);
    return audio.length > 0 ? [audio] : [];
  }

  private async sttFinal(): Promise<string> {
    if (!this.stt && this.sttOpening) {
      // The caller finished a turn before the STT connection was up; its audio is buffered for it.
      await Promise.race([this.sttOpening, new Promise((r) => setTimeout(r, this.services.timeouts.sttFinalMs))]);
    }
    if (!this.stt) return this.takeTranscript();
    const stream = this.stt;
    return new Promise((resolve) => {
      const waiter = {
        resolve,
        timer: setTimeout(() => {
          const index = this.finalWaiters.indexOf(waiter);
          if (index >= 0) this.finalWaiters.splice(index, 1);
          this.staleFinalizes++;
          this.recordError("stt", "timeout", new Error(`no final transcript within ${this.services.timeouts.sttFinalMs} ms`), {
            provider: this.sttProvider?.name,
          });
          resolve(this.takeTranscript());
        }, this.services.timeouts.sttFinalMs),
      };
      this.finalWaiters.push(waiter);
      try {
        stream.finalize();
      } catch (error) {
        this.onSttFailure(this.sttProvider as TSttProvider, error);
      }
    });
  }

  // ---- Caller audio ----------------------------------------------------------------------------------------

  private onInboundAudio(audio: TMulaw, timestampMs: number | null): void {
    const detector = this.detector;
    if (!detector) return;
    const at = timestampMs ?? this.inboundFrames * FRAME_MS;
    this.inboundFrames++;
    this.recorder?.caller(audio, at);
    this.sttReplay.push(audio);
    if (this.stt) {
      try {
        this.stt.push(audio);
      } catch (error) {
        if (this.sttProvider) this.onSttFailure(this.sttProvider, error);
      }
    } else if (!this.isSttDead && this.sttPending.length < STT_REPLAY_FRAMES * 2) {
      this.sttPending.push(audio);
    }
    // The VAD wants whole 10/20/30 ms frames; Twilio sends 20 ms, anything else is split or skipped.
    let event: TSpeechEvent | null = null;
    if (audio.length === 160) {
      event = detector.push(audio);
    } else {
      for (let offset = 0; offset + 160 <= audio.length; offset += 160) {
        event = detector.push(audio.subarray(offset, offset + 160)) ?? event;
      }
    }
    if (event?.type === "speech-start") this.onSpeechStart(event);
    else if (event?.type === "speech-end") this.onSpeechEnd(event);
    this.checkBargeIn(detector);
  }

  private onSpeechStart(event: Extract<TSpeechEvent, { type: "speech-start" }>): void {
    const now = this.clock.now();
    this.callerSpeech = { startStreamMs: event.startMs, onsetAt: now - (event.atMs - event.startMs), hasBargedIn: false };
    // From just before the speech began (the current frame is already in the history).
    const framesBack = Math.ceil((event.atMs - event.startMs) / FRAME_MS) + STT_PREROLL_FRAMES + 1;
    this.replayFromPosition = this.sttReplay.position - framesBack * FRAME_BYTES;
    this.silencePrompts = 0;
    this.disarmSilence();
  }

  private checkBargeIn(detector: SpeechDetector): void {
    const speech = this.callerSpeech;
    if (!speech || speech.hasBargedIn || !detector.isSpeaking || !this.snapshot || this.isEnding) return;
    if (!this.isAgentBusy()) return;
    if (detector.timeMs - speech.startStreamMs < this.snapshot.config.interruptionMinSpeechMs) return;
    speech.hasBargedIn = true;
    this.interrupt("caller", speech.onsetAt);
  }

  private onSpeechEnd(event: Extract<TSpeechEvent, { type: "speech-end" }>): void {
    const now = this.clock.now();
    const speech = this.callerSpeech;
    this.callerSpeech = null;
    const timing: TTurnTiming = {
      speechStartStreamMs: event.startMs,
      speechEndStreamMs: event.endMs,
      speechEndAt: now - (event.atMs - event.endMs),
      endpointedAt: now,
      sttFinalAt: now,
    };
    const hasBargedIn = speech?.hasBargedIn ?? false;
    this.turnChain = this.turnChain.then(() => this.onCallerTurnEnd(timing, hasBargedIn)).catch((error: unknown) => {
      this.log.error("caller turn failed", { error });
    });
  }

  private async onCallerTurnEnd(timing: TTurnTiming, hasBargedIn: boolean): Promise<void> {
    if (this.state !== "live") return;
    if (this.isSttDead) {
      await this.endWithLine(LINES.cannotHear, "stt_failure");
      return;
    }
    const text = await this.sttFinal();
    timing.sttFinalAt = this.clock.now();
    if (this.state !== "live") return;
    this.services.metrics.stageLatency.observe(timing.endpointedAt - timing.speechEndAt, { stage: "endpointing" });
    this.services.metrics.stageLatency.observe(timing.sttFinalAt - timing.endpointedAt, { stage: "stt_final" });
    if (!text) {
      // Noise, a cough, or words the engine could not make out. If it cut the agent off, say so rather than
      // leave the caller in silence; otherwise carry on as if nothing happened.
      if (hasBargedIn && !this.isAgentBusy()) this.speakFixed(LINES.didNotCatch);
      else if (!this.isAgentBusy()) this.armSilence();
      return;
    }
    this.acceptCallerTurn(text, timing);
  }

  // A typed caller turn (the browser test call's "Type as caller"): a finished utterance, as if the STT engine had
  // just returned it, bypassing VAD and STT. Latency is measured from the moment it arrived.
  submitCallerText(text: string): void {
    const cleaned = text.replace(/\s+/g, " ").trim().slice(0, 2_000);
    if (!cleaned) return;
    if (this.state === "starting" || this.state === "awaiting-start") {
      if (this.prestartTexts.length < 10) this.prestartTexts.push(cleaned);
      return;
    }
    if (this.state !== "live" || this.isEnding) return;
    const now = this.clock.now();
    const atMs = this.streamMs(now);
    const timing: TTurnTiming = { speechStartStreamMs: atMs, speechEndStreamMs: atMs, speechEndAt: now, endpointedAt: now, sttFinalAt: now };
    this.silencePrompts = 0;
    this.disarmSilence();
    // Typing over the agent cuts it off like speaking over it would.
    if (this.isAgentBusy()) this.interrupt("caller");
    this.turnChain = this.turnChain
      .then(() => {
        if (this.state === "live") this.acceptCallerTurn(cleaned, timing);
      })
      .catch((error: unknown) => {
        this.log.error("caller turn failed", { error });
      });
  }

  private acceptCallerTurn(text: string, timing: TTurnTiming): void {
    // Whatever the agent is saying now answers an older turn; what was heard of it goes before this turn.
    if (this.isAgentBusy() && !this.isEnding) this.interrupt("system");
    this.callerTurns++;
    this.conversation.push({ role: "caller", text });
    this.appendTurn({
      speaker: "caller",
      text,
      startMs: timing.speechStartStreamMs,
      endMs: timing.speechEndStreamMs,
      isInterrupted: false,
    });
    if (!this.isEnding) void this.runReply(timing);
  }

  // ---- DTMF ------------------------------------------------------------------------------------------------

  private onDtmf(digit: string): void {
    if (this.state !== "live") return;
    this.recordEvent("dtmf", digit, { digit });
    if (this.isEnding) return;
    this.dtmfDigits.push(digit);
    this.disarmSilence();
    if (this.isAgentBusy()) this.interrupt("dtmf");
    if (this.dtmfTimer) clearTimeout(this.dtmfTimer);
    // Digits pressed in a quick run (an extension, a phone number) reach the model as one event.
    this.dtmfTimer = setTimeout(() => {
      this.dtmfTimer = null;
      const digits = this.dtmfDigits.splice(0);
      if (digits.length === 0 || this.state !== "live" || this.isEnding) return;
      if (this.isAgentBusy()) this.interrupt("dtmf");
      this.conversation.push({ role: "event", text: `Caller pressed ${digits.join(", ")}` });
      void this.runReply(null);
    }, DTMF_GATHER_MS);
  }

  // ---- Generations ---------------------------------------------------------------------------------------

  private isAgentBusy(): boolean {
    return this.current !== null && !this.current.isDone;
  }

  private beginGeneration(kind: TGeneration["kind"], timing: TTurnTiming | null): TGeneration {
    if (this.isAgentBusy()) this.interrupt("system");
    this.disarmSilence();
    const generation: TGeneration = {
      id: ++this.generationCounter,
      kind,
      abort: new AbortController(),
      segments: [],
      messages: [],
      tts: Promise.resolve(),
      isProducing: true,
      isInterrupted: false,
      isDone: false,
      timing,
      llmStartAt: null,
      llmFirstTokenAt: null,
      ttsFirstByteAt: null,
      firstFrameAt: null,
      firstFrameStreamMs: null,
      lastPlayedStreamMs: null,
      knowledgeIds: new Set(),
      playoutWaiters: [],
      turnSeq: null,
    };
    this.current = generation;
    this.clearSent = false;
    return generation;
  }

  private isLive(generation: TGeneration): boolean {
    return this.current === generation && !generation.isInterrupted && !generation.abort.signal.aborted && this.state === "live";
  }

  // Queue `text` to be spoken as one segment (one mark) of `generation`. Synthesis runs in order, overlapping
  // with the LLM stream and with playback of earlier segments.
  private speak(generation: TGeneration, text: string, message: { role: "agent"; text: string }, cacheKey?: string): void {
    const segment: TSegment = {
      index: generation.segments.length,
      text,
      message,
      markName: `g${generation.id}s${generation.segments.length}`,
      state: "pending",
    };
    generation.segments.push(segment);
    generation.tts = generation.tts.then(() => this.synthesizeSegment(generation, segment, cacheKey));
  }

  private async synthesizeSegment(generation: TGeneration, segment: TSegment, cacheKey?: string): Promise<void> {
    if (!this.isLive(generation) || !this.snapshot) return;
    const tag = { generation: generation.id, segment: segment.index };
    const ttsStartAt = this.clock.now();
    const used = { provider: "" };
    const audio = cacheKey
      ? this.services.audioCache.stream(
          cacheKey,
          () => this.synthesize(segment.text, AbortSignal.timeout(30_000), used),
          () => used.provider === this.services.providers.tts.name,
        )
      : this.synthesize(segment.text, generation.abort.signal, used);
    let hasAudio = false;
    const play = async (chunks: AsyncIterable<TMulaw>) => {
      for await (const chunk of chunks) {
        if (!this.isLive(generation)) return;
        hasAudio = true;
        if (generation.ttsFirstByteAt === null) {
          generation.ttsFirstByteAt = this.clock.now();
          if (generation.kind === "reply") {
            this.services.metrics.stageLatency.observe(generation.ttsFirstByteAt - ttsStartAt, { stage: "tts_first_byte" });
          }
        }
        this.output.enqueueAudio(chunk, tag);
      }
    };
    try {
      await play(audio);
    } catch (error) {
      if (!this.isLive(generation)) return;
      if (cacheKey && !hasAudio) {
        // The shared synthesis failed before any audio (a greeting warm-up has no fallbacks): this call's own
        // retries, falls back and records what failed.
        await play(this.synthesize(segment.text, generation.abort.signal, used)).catch((retryError: unknown) => {
          this.log.warn("sentence could not be synthesized", { error: retryError });
        });
      } else {
        // synthesize() already retried and fell back; the sentence is lost but the call goes on.
        this.log.warn("sentence could not be synthesized", { error });
      }
    }
    if (!this.isLive(generation)) return;
    segment.state = "sent";
    this.output.endSegment(segment.markName, tag);
  }

  // Primary TTS, one retry, then the offline engine for this sentence.
  private async *synthesize(text: string, signal: AbortSignal, used: { provider: string }): AsyncGenerator<TMulaw> {
    const snapshot = this.snapshot as TAgentSnapshot;
    const primary = this.services.providers.tts;
    const offline = this.services.providers.offline.tts;
    const attempts = primary === offline ? [primary, primary] : [primary, primary, offline];
    let lastError: unknown;
    for (const provider of attempts) {
      if (signal.aborted) return;
      const controller = new AbortController();
      const onAbort = () => controller.abort(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      const timer = setTimeout(
        () => controller.abort(new ProviderError("tts", "timeout", `no audio within ${this.services.timeouts.ttsFirstByteMs} ms`)),
        this.services.timeouts.ttsFirstByteMs,
      );
      let hasAudio = false;
      try {
        for await (const chunk of provider.synthesize(text, {
          voice: snapshot.config.voice,
          language: snapshot.config.language,
          signal: controller.signal,
        })) {
          if (!hasAudio) {
            hasAudio = true;
            used.provider = provider.name;
            clearTimeout(timer);
          }
          yield chunk;
        }
        return;
      } catch (error) {
        if (signal.aborted) return;
        lastError = controller.signal.reason instanceof ProviderError ? controller.signal.reason : error;
        this.recordError("tts", errorKind(lastError), lastError, { provider: provider.name });
        if (hasAudio) return;
      } finally {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
      }
    }
    throw lastError ?? new Error("TTS failed");
  }

  private onAudioSent(audio: Uint8Array, generationId: number, playAtMs: number): void {
    const generation = this.current;
    if (!generation || generation.id !== generationId || generation.isInterrupted) return;
    this.transport.sendAudio(audio);
    const streamMs = this.streamMs(playAtMs);
    this.recorder?.agent(audio, streamMs);
    if (generation.firstFrameAt === null) {
      const now = this.clock.now();
      generation.firstFrameAt = now;
      generation.firstFrameStreamMs = streamMs;
      if (generation.kind === "greeting") this.services.metrics.greetingStart.observe(now - this.streamStartAt);
      if (generation.timing) {
        const v2v = now - generation.timing.speechEndAt;
        this.voiceToVoiceMs.push(v2v);
        this.services.metrics.voiceToVoice.observe(v2v);
      }
    }
  }

  private onMark(name: string): void {
    const match = /^g(\d+)s(\d+)$/.exec(name);
    if (!match) return;
    const generation = this.current;
    // Echoes of marks from an interrupted generation come back on `clear`: they were never heard.
    if (!generation || generation.id !== Number(match[1]) || generation.isInterrupted || this.clearSent) return;
    const segment = generation.segments[Number(match[2])];
    if (!segment || segment.state === "played") return;
    segment.state = "played";
    generation.lastPlayedStreamMs = this.streamMs();
    this.checkPlayout(generation);
    // More to say: what was heard so far goes to the record now, so a crash mid-reply keeps it.
    if (!generation.isDone) this.saveHeardSoFar(generation);
  }

  private allPlayed(generation: TGeneration): boolean {
    return generation.segments.every((s) => s.state === "played");
  }

  private checkPlayout(generation: TGeneration): void {
    if (generation.isDone || generation.isInterrupted) return;
    if (this.allPlayed(generation)) {
      for (const waiter of generation.playoutWaiters.splice(0)) waiter();
    }
    if (generation.isProducing || !this.allPlayed(generation)) return;
    generation.isDone = true;
    this.commitGeneration(generation, false);
    if (this.state === "live" && this.current === generation) this.armSilence();
  }

  // Resolves true once every segment queued so far has played, false if the generation is interrupted first.
  private async untilPlayed(generation: TGeneration): Promise<boolean> {
    await generation.tts;
    if (!this.isLive(generation)) return false;
    if (this.allPlayed(generation)) return true;
    return new Promise<boolean>((resolve) => {
      generation.playoutWaiters.push(() => resolve(this.isLive(generation) || (this.current === generation && !generation.isInterrupted)));
    });
  }

  // Barge-in (or any reason to stop talking now): abort the LLM and TTS, clear the far end, drop queued
  // frames and keep only what was heard.
  private interrupt(reason: "caller" | "dtmf" | "system", onsetAt?: number): void {
    const generation = this.current;
    if (!generation || generation.isDone) return;
    generation.isInterrupted = true;
    generation.isDone = true;
    generation.abort.abort();
    const hasSentAudio = generation.firstFrameAt !== null || !this.output.isIdle;
    const droppedFrames = this.output.clear();
    if (hasSentAudio) {
      this.transport.clear();
      this.clearSent = true;
      this.recorder?.eraseAgentFrom(this.streamMs());
    }
    for (const waiter of generation.playoutWaiters.splice(0)) waiter();
    const heard = generation.segments.filter((s) => s.state === "played").map((s) => s.text);
    const unheard = generation.segments.filter((s) => s.state !== "played").map((s) => s.text);
    if (reason !== "system") {
      const reactionMs = onsetAt !== undefined ? Math.round(this.clock.now() - onsetAt) : null;
      if (reactionMs !== null && hasSentAudio) this.services.metrics.bargeInReaction.observe(reactionMs);
      this.recordEvent("barge_in", reason, {
        generation: generation.kind,
        reactionMs,
        heard: heard.join(" "),
        unheard: unheard.join(" "),
        droppedFrames,
      });
    }
    this.commitGeneration(generation, true);
  }

  // What the caller heard of `generation`, message by message (agent text only; tool calls and results are null).
  private heardOf(generation: TGeneration): { message: TChatMessage; heard: string | null }[] {
    const heardBy = new Map<object, string[]>();
    for (const segment of generation.segments) {
      if (segment.state !== "played") continue;
      const parts = heardBy.get(segment.message) ?? [];
      parts.push(segment.text);
      heardBy.set(segment.message, parts);
    }
    return generation.messages.map((message) => ({
      message,
      heard: message.role === "agent" ? (heardBy.get(message) ?? []).join(" ").trim() : null,
    }));
  }

  private agentTurnRow(generation: TGeneration, text: string, isInterrupted: boolean): Omit<TAppendTurnInput, "teamId" | "callId" | "seq"> {
    const timing = generation.timing;
    const since = (at: number | null) => (timing && at !== null ? Math.max(0, Math.round(at - timing.speechEndAt)) : null);
    const knowledgeIds = [...generation.knowledgeIds];
    const startMs = generation.firstFrameStreamMs ?? this.streamMs();
    return {
      speaker: "agent",
      text,
      startMs,
      endMs: Math.max(startMs, isInterrupted ? this.streamMs() : (generation.lastPlayedStreamMs ?? this.streamMs())),
      isInterrupted,
      endpointingMs: timing ? Math.round(timing.endpointedAt - timing.speechEndAt) : null,
      sttFinalMs: since(timing?.sttFinalAt ?? null),
      llmFirstTokenMs: since(generation.llmFirstTokenAt),
      ttsFirstByteMs: since(generation.ttsFirstByteAt),
      firstAudioMs: since(generation.firstFrameAt),
      knowledgeIds: knowledgeIds.length > 0 ? knowledgeIds : null,
    };
  }

  // The turn so far, marked interrupted until it completes: what a crash now would leave.
  private saveHeardSoFar(generation: TGeneration): void {
    const text = this.heardOf(generation)
      .flatMap((m) => (m.heard ? [m.heard] : []))
      .join(" ")
      .trim();
    if (!text) return;
    this.writeAgentTurn(generation, this.agentTurnRow(generation, text, true), false);
  }

  // Adds what the caller heard of `generation` to the conversation and the call record.
  private commitGeneration(generation: TGeneration, isInterrupted: boolean): void {
    this.trace?.turn(generation, isInterrupted);
    const texts: string[] = [];
    for (const { message, heard } of this.heardOf(generation)) {
      if (message.role === "agent") {
        if (!heard) continue;
        this.conversation.push({ role: "agent", text: heard });
        texts.push(heard);
      } else {
        this.conversation.push(message);
      }
    }
    generation.messages = [];
    const text = texts.join(" ").trim();
    if (!text) return;
    const row = this.agentTurnRow(generation, text, isInterrupted);
    this.writeAgentTurn(generation, row, true);
    const knowledgeIds = row.knowledgeIds ?? [];
    if (knowledgeIds.length > 0 && this.call) {
      const teamId = this.call.teamId;
      const at = this.wallNow();
      this.writes.push("knowledge usage", () => recordKnowledgeUsage(this.services.db, { teamId, knowledgeIds, at }));
    }
  }

  // ---- What the agent says -------------------------------------------------------------------------------

  private cacheKey(text: string): string {
    const config = (this.snapshot as TAgentSnapshot).config;
    return lineCacheKey({ agentVersionId: (this.call as Call).agentVersionId, tts: this.services.providers.tts.name, config, text });
  }

  private speakGreeting(): void {
    const text = openingLine((this.snapshot as TAgentSnapshot).config, this.isAfterHours);
    const generation = this.beginGeneration("greeting", null);
    this.speakLines(generation, text, true);
    generation.isProducing = false;
    void generation.tts.then(() => this.checkPlayout(generation));
  }

  // A line the agent says without the LLM (apology, silence prompt): its own generation, cached like the greeting.
  private speakFixed(text: string): TGeneration {
    const generation = this.beginGeneration("fixed", null);
    this.speakLines(generation, text, true);
    generation.isProducing = false;
    void generation.tts.then(() => this.checkPlayout(generation));
    return generation;
  }

  private speakLines(generation: TGeneration, text: string, isCached: boolean): void {
    const message = { role: "agent" as const, text };
    generation.messages.push(message);
    for (const piece of linePieces(text)) this.speak(generation, piece, message, isCached ? this.cacheKey(piece) : undefined);
  }

  private async endWithLine(text: string, reason: string): Promise<void> {
    if (this.state !== "live" || this.isEnding) return;
    this.endReason ??= reason;
    const generation = this.speakFixed(text);
    this.isEnding = true;
    const played = await Promise.race([
      this.untilPlayed(generation),
      new Promise<boolean>((r) => setTimeout(() => r(false), 15_000)),
    ]);
    if (!played) this.log.info("ending the call before the last line finished", { reason });
    await this.close(reason);
  }

  // ---- Replies (LLM) -------------------------------------------------------------------------------------

  private instructions(): string {
    const snapshot = this.snapshot as TAgentSnapshot;
    return assembleInstructions(snapshot, {
      now: this.wallNow(),
      callerNumber: this.call?.fromNumber || undefined,
      isAfterHours: this.isAfterHours ? true : undefined,
    });
  }

  private async runReply(timing: TTurnTiming | null): Promise<void> {
    if (this.state !== "live") return;
    const generation = this.beginGeneration("reply", timing);
    try {
      await this.produceReply(generation);
      // The model said nothing at all: a short line beats silence.
      if (this.isLive(generation) && generation.segments.length === 0) this.speakLines(generation, LINES.didNotCatch, true);
    } catch (error) {
      if (!this.isLive(generation)) return;
      await this.onLlmFailure(generation, error);
    } finally {
      generation.isProducing = false;
      await generation.tts;
      this.checkPlayout(generation);
    }
  }

  private async produceReply(generation: TGeneration): Promise<void> {
    for (let round = 0; round < MAX_TOOL_ROUNDS; round++) {
      const { text, toolCalls } = await this.streamLlmRound(generation, round);
      if (!this.isLive(generation) || toolCalls.length === 0) return;
      for (const call of toolCalls) {
        const next = await this.runTool(generation, call, text);
        if (next === "stop" || !this.isLive(generation)) return;
      }
    }
  }

  private async streamLlmRound(generation: TGeneration, round: number): Promise<{ text: string; toolCalls: TToolCall[] }> {
    const snapshot = this.snapshot as TAgentSnapshot;
    const llm = this.llm;
    const controller = new AbortController();
    const onAbort = () => controller.abort(generation.abort.signal.reason);
    generation.abort.signal.addEventListener("abort", onAbort, { once: true });
    const timeoutMs = this.services.timeouts.llmFirstTokenMs;
    const timer = setTimeout(
      () => controller.abort(new ProviderError("llm", "timeout", `no response within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const messages = [...this.conversation, ...generation.messages];
    // In the generation from the start, so sentences heard before a barge-in mid-stream are kept.
    const message = { role: "agent" as const, text: "" };
    generation.messages.push(message);
    const chunker = new TextChunker(generation.segments.length > 0 ? { firstMinChars: 1_000 } : {});
    const toolCalls: TToolCall[] = [];
    const startAt = this.clock.now();
    if (generation.llmStartAt === null) generation.llmStartAt = startAt;
    let hasEvent = false;
    try {
      const stream = llm.stream({
        system: this.instructions(),
        agent: snapshot,
        messages,
        tools: toolSpecsFor(snapshot),
        signal: controller.signal,
      });
      for await (const event of stream) {
        if (!this.isLive(generation)) break;
        if (!hasEvent) {
          hasEvent = true;
          clearTimeout(timer);
          if (round === 0 && generation.llmFirstTokenAt === null) {
            generation.llmFirstTokenAt = this.clock.now();
            this.services.metrics.stageLatency.observe(generation.llmFirstTokenAt - startAt, { stage: "llm_first_token" });
          }
        }
        if (event.type === "text") {
          message.text += event.text;
          for (const piece of chunker.push(event.text)) this.speak(generation, piece, message);
        } else if (event.type === "tool-call") {
          toolCalls.push(event.call);
        } else if (event.type === "done") {
          for (const id of event.knowledgeIds ?? []) generation.knowledgeIds.add(id);
        }
      }
    } catch (error) {
      if (controller.signal.reason instanceof ProviderError) throw controller.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
      generation.abort.signal.removeEventListener("abort", onAbort);
    }
    if (this.isLive(generation)) {
      for (const piece of chunker.flush()) this.speak(generation, piece, message);
    }
    message.text = message.text.trim();
    if (!message.text) generation.messages = generation.messages.filter((m) => m !== message);
    return { text: message.text, toolCalls };
  }

  private async onLlmFailure(generation: TGeneration, error: unknown): Promise<void> {
    const snapshot = this.snapshot as TAgentSnapshot;
    this.recordError("llm", errorKind(error), error, { provider: this.llm.name });
    const offline = this.services.providers.offline.llm;
    if (this.llm === offline) {
      // Even the local engine failed: a fixed line, then end rather than leave the caller waiting.
      this.hasFatalError = true;
      this.speakLines(generation, LINES.fatal, true);
      generation.isProducing = false;
      void this.untilPlayed(generation).then(() => this.close("llm_failure"));
      return;
    }
    const department = snapshot.departments.find((d) => d.name.trim() && d.phoneNumber.trim());
    if (department && this.callControl && !this.isAfterHours) {
      this.speakLines(generation, `${LINES.apology} Let me transfer you to ${department.name.trim()}.`, true);
      const call: TToolCall = { id: `fallback-transfer-${generation.id}`, name: "transfer_call", args: { department: department.name } };
      const next = await this.runTool(generation, call, "spoken");
      if (next === "stop" || !this.isLive(generation)) return;
    }
    // No one to hand over to (or the handover failed): the rest of the call runs on the offline engine, which
    // can still answer from knowledge and take a message with no network.
    this.llm = offline;
    this.isLlmFallback = true;
    this.recordEvent("status", "llm_fallback_offline", { to: offline.name });
    // The offline engine answers this event with its own apology and an offer to take a message.
    generation.messages.push({ role: "event", text: "The assistant had a technical error and could not answer." });
    const before = generation.segments.length;
    try {
      await this.streamLlmRound(generation, 1);
    } catch (fallbackError) {
      if (!this.isLive(generation)) return;
      this.recordError("llm", errorKind(fallbackError), fallbackError, { provider: offline.name });
      this.hasFatalError = true;
      this.speakLines(generation, LINES.fatal, true);
      generation.isProducing = false;
      void this.untilPlayed(generation).then(() => this.close("llm_failure"));
      return;
    }
    if (this.isLive(generation) && generation.segments.length === before) {
      this.speakLines(generation, `${LINES.apology} ${LINES.afterHoursOffer}`, true);
    }
  }

  // ---- Tools ---------------------------------------------------------------------------------------------

  private async runTool(generation: TGeneration, call: TToolCall, spokenText: string): Promise<"continue" | "stop"> {
    const snapshot = this.snapshot as TAgentSnapshot;
    const callRow = this.call as Call;
    generation.messages.push({ role: "agent-tool-call", call });
    const validation = validateToolCall(call, snapshot);
    const reply = (result: Record<string, unknown>) => {
      generation.messages.push({ role: "tool-result", call, result });
      this.recordEvent("tool_call", call.name, { args: call.args, ok: result.ok !== false, ...(result.error ? { error: result.error } : {}) });
    };
    if (!validation.ok) {
      reply(toolErrorResult(validation.error));
      return "continue";
    }
    const tool = validation.call;
    try {
      switch (tool.name) {
        case "take_message": {
          const saved = await takeCallerMessage(this.services.db, {
            teamId: callRow.teamId,
            callId: callRow.id,
            agentId: callRow.agentId,
            callerName: tool.args.name,
            callbackNumber: tool.args.callback_number,
            message: tool.args.message,
            details: tool.args.details,
          });
          this.isMessageTaken = true;
          reply({ ok: true, messageId: saved.id, note: "The message is saved. Tell the caller someone will call them back." });
          return "continue";
        }
        case "lookup_caller_history": {
          const history = await lookupCallerHistory(this.services.db, {
            teamId: callRow.teamId,
            fromNumber: callRow.fromNumber,
            excludeCallId: callRow.id,
            limit: 5,
          });
          reply({
            ok: true,
            earlierCalls: history.map((h) => ({
              date: h.startedAt.toISOString().slice(0, 10),
              outcome: h.outcome,
              summary: h.summary ?? h.topic ?? null,
            })),
          });
          return "continue";
        }
        case "end_call": {
          if (!spokenText) this.speakLines(generation, LINES.goodbye, true);
          reply({ ok: true });
          this.endReason ??= "agent_end_call";
          const played = await this.untilPlayed(generation);
          if (!played) return "stop";
          generation.isProducing = false;
          this.checkPlayout(generation);
          void this.close("agent_end_call");
          return "stop";
        }
        case "transfer_call": {
          const department = tool.department;
          if (!this.callControl) {
            reply(toolErrorResult("Transfers are not available on this line. Offer to take a message instead."));
            return "continue";
          }
          // Checked again here, not only when the department was saved: the number may predate the rules, or the
          // team's allowed countries may have changed since the version was published.
          const destination = checkTransferDestination(department.phoneNumber, (await loadTransferPolicy(this.services.db, callRow.teamId)).countries);
          if (!destination.ok) {
            this.recordError("transfer", "refused", new Error(destination.message), { department: department.name, reason: destination.reason });
            reply(toolErrorResult(`Calls cannot be transferred to ${department.name.trim()} right now. Apologize and offer to take a message instead.`));
            return "continue";
          }
          if (!spokenText) this.speakLines(generation, `Let me transfer you to ${department.name.trim()}.`, true);
          const played = await this.untilPlayed(generation);
          if (!played) {
            reply(toolErrorResult("The caller interrupted before the transfer started."));
            return "stop";
          }
          const response = new twilio.twiml.VoiceResponse();
          response
            .dial({ callerId: callRow.toNumber || undefined, answerOnBridge: true, timeout: 30 })
            .number(destination.e164);
          // Twilio may stop the stream before the REST call even returns; close() waits for this to settle so
          // the call is recorded as transferred, not as a hang-up.
          const redirecting = this.callControl.redirect(response.toString()).then(
            () => true,
            (error: unknown) => {
              this.recordError("transfer", errorKind(error), error, { department: department.name });
              return false;
            },
          );
          this.transferring = redirecting;
          const isRedirected = await redirecting;
          this.transferring = null;
          if (!isRedirected) {
            reply(toolErrorResult(`The transfer to ${department.name.trim()} failed. Apologize and offer to take a message.`));
            return "continue";
          }
          this.transferredTo = destination.e164;
          this.endReason ??= "transferred";
          reply({ ok: true });
          this.recordEvent("transfer", department.name.trim(), { to: this.transferredTo });
          generation.isProducing = false;
          this.checkPlayout(generation);
          // Twilio ends the <Connect> (stop, then close) once the redirect takes over; do not hang up first.
          await new Promise<void>((resolve) => {
            if (this.isStreamStopped) return resolve();
            const timer = setTimeout(resolve, TRANSFER_STOP_WAIT_MS);
            this.stopWaiter = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          void this.close("transferred");
          return "stop";
        }
      }
    } catch (error) {
      if (!this.isLive(generation)) return "stop";
      this.recordError("tool", errorKind(error), error, { tool: tool.name });
      reply(toolErrorResult(`${tool.name} failed because of a technical problem. Tell the caller and offer another option.`));
      return "continue";
    }
  }

  // ---- Timers --------------------------------------------------------------------------------------------

  private armSilence(): void {
    if (this.state !== "live" || !this.snapshot || this.callerSpeech) return;
    this.disarmSilence();
    this.silenceTimer = setTimeout(() => this.onSilence(), this.snapshot.config.silenceTimeoutSec * 1000);
  }

  private disarmSilence(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = null;
  }

  private onSilence(): void {
    this.silenceTimer = null;
    if (this.state !== "live" || this.isAgentBusy() || this.callerSpeech) return;
    if (this.silencePrompts === 0) {
      this.silencePrompts++;
      this.recordEvent("status", "silence_prompt", {});
      this.speakFixed(LINES.stillThere);
      return;
    }
    void this.endWithLine(LINES.silenceGoodbye, "silence_timeout");
  }

  private onMaxDuration(): void {
    this.maxDurationTimer = null;
    void this.endWithLine(LINES.maxDuration, "max_duration");
  }

  // ---- Records -------------------------------------------------------------------------------------------

  private appendTurn(turn: Omit<TAppendTurnInput, "teamId" | "callId" | "seq">): void {
    const call = this.call;
    if (!call || this.state === "closed") return;
    const row: TAppendTurnInput = { ...turn, teamId: call.teamId, callId: call.id, seq: ++this.turnSeq };
    this.writes.push(`turn ${row.seq}`, () => appendCallTurn(this.services.db, row));
    this.showTurn(row);
  }

  // An agent turn, under the seq its generation took on its first write; shown live only once it is final.
  private writeAgentTurn(generation: TGeneration, turn: Omit<TAppendTurnInput, "teamId" | "callId" | "seq">, isFinal: boolean): void {
    const call = this.call;
    if (!call || this.state === "closed") return;
    generation.turnSeq ??= ++this.turnSeq;
    const row: TAppendTurnInput = { ...turn, teamId: call.teamId, callId: call.id, seq: generation.turnSeq };
    this.writes.push(`turn ${row.seq}`, () => saveAgentTurn(this.services.db, row));
    if (isFinal) this.showTurn(row);
  }

  private showTurn(row: TAppendTurnInput): void {
    this.transport.sendTurn?.({
      seq: row.seq,
      speaker: row.speaker,
      text: row.text,
      isInterrupted: row.isInterrupted ?? false,
      startMs: row.startMs,
      endMs: row.endMs,
      latency: {
        endpointingMs: row.endpointingMs ?? null,
        sttFinalMs: row.sttFinalMs ?? null,
        llmFirstTokenMs: row.llmFirstTokenMs ?? null,
        ttsFirstByteMs: row.ttsFirstByteMs ?? null,
        firstAudioMs: row.firstAudioMs ?? null,
      },
    });
  }

  private recordEvent(kind: TCallEventKind, name: string, data: Record<string, unknown>): void {
    const call = this.call;
    if (!call || this.state === "closed") return;
    const atMs = this.streamMs();
    this.writes.push(`event ${kind}`, () =>
      appendCallEvent(this.services.db, { teamId: call.teamId, callId: call.id, atMs, kind, name, data }),
    );
    this.transport.sendCallEvent?.({ kind, name, atMs, data });
  }

  private recordError(stage: string, kind: string, error: unknown, data: Record<string, unknown> = {}): void {
    this.services.metrics.errors.inc({ stage, kind });
    this.log.warn(`${stage} error`, { kind, error, ...data });
    this.recordEvent("error", `${stage}_${kind}`, { stage, kind, message: errorMessage(error).slice(0, 500), ...data });
  }

  private outcome(): TCallOutcome {
    if (this.transferredTo) return "transferred";
    if (this.isMessageTaken) return "message_taken";
    if (this.hasFatalError) return "failed";
    if (this.callerTurns === 0) return "abandoned";
    return "resolved";
  }

  // ---- End -----------------------------------------------------------------------------------------------

  // Ends the call from the server side (shutdown): says nothing more, records what happened.
  shutdown(reason = "server_shutdown"): Promise<void> {
    return this.close(reason);
  }

  close(reason: string): Promise<void> {
    this.closing ??= this.doClose(reason);
    return this.closing;
  }

  private async doClose(reason: string): Promise<void> {
    const wasLive = this.state === "live" || this.state === "starting";
    if (this.transferring) await Promise.race([this.transferring, new Promise((r) => setTimeout(r, TRANSFER_STOP_WAIT_MS))]);
    this.state = "closing";
    this.endReason ??= reason;
    for (const timer of [this.silenceTimer, this.maxDurationTimer, this.dtmfTimer]) if (timer) clearTimeout(timer);
    for (const waiter of this.finalWaiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve("");
    }
    const generation = this.current;
    if (generation && !generation.isDone) {
      // Cut off by the hang-up: keep what was heard.
      generation.isInterrupted = true;
      generation.isDone = true;
      generation.abort.abort();
      for (const waiter of generation.playoutWaiters.splice(0)) waiter();
      this.commitGeneration(generation, !this.allPlayed(generation) || generation.isProducing);
    }
    this.output.close();
    this.transport.close(1000, this.endReason);
    const stt = this.stt;
    this.stt = null;
    this.sttProvider = null;
    this.sttAbort.abort();
    await Promise.race([stt?.close().catch(() => {}), new Promise((r) => setTimeout(r, 1_000))]);
    this.vad?.close();
    STT_REPLAY_RINGS.give(this.sttReplay.release());
    const call = this.call;
    if (call && wasLive) {
      let recordingPath: string | null = null;
      if (this.recorder) {
        try {
          const bytes = await this.recorder.finish();
          if (bytes > 0) recordingPath = this.recorderRelativePath;
        } catch (error) {
          this.recordError("recording", "write_failed", error);
        }
      }
      const endedAt = this.wallNow();
      const sorted = [...this.voiceToVoiceMs].sort((a, b) => a - b);
      const outcome = this.outcome();
      const endReason = this.endReason ?? reason;
      this.recordEvent("status", "stream_ended", { endReason, outcome });
      this.writes.push("finalize call", () =>
        finalizeCall(this.services.db, {
          teamId: call.teamId,
          callId: call.id,
          status: "completed",
          outcome,
          endReason,
          endedAt,
          durationSec: (endedAt.getTime() - this.startedAtDate.getTime()) / 1000,
          transferredTo: this.transferredTo,
          recordingPath,
          voiceToVoiceP50Ms: percentile(sorted, 50),
          voiceToVoiceP95Ms: percentile(sorted, 95),
        }),
      );
      const uploadRecording = this.services.uploadRecording;
      if (recordingPath && uploadRecording) {
        this.writes.push("recording upload", async () => uploadRecording({ teamId: call.teamId, callId: call.id }));
      }
      this.notifyLifecycle("call.completed", call.teamId, call.id);
      this.services.metrics.callsEnded.inc({ outcome, reason: endReason });
      this.log.info("call ended", { outcome, endReason, turns: this.turnSeq, isLlmFallback: this.isLlmFallback });
      this.trace?.end({ outcome, endReason, turns: this.turnSeq });
    }
    await this.writes.flush();
    this.state = "closed";
    for (const handler of this.onClosedHandlers.splice(0)) handler();
  }
}
