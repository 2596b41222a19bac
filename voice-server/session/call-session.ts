import type { Db } from "@/db/client";
import type { Call } from "@/db/schema";
import { assembleInstructions } from "@/lib/agents/assemble-instructions";
import type { TAgentSnapshot } from "@/lib/agents/config";
import { loadCallForStream } from "@/lib/calls/resolve-inbound-call";
import { FRAME_MS } from "@/lib/audio/mulaw";
import { redactionSettingsFor } from "@/lib/redaction/redaction-settings";
import type { TLogger } from "@/voice-server/observability/log";
import type { TVoiceMetrics } from "@/voice-server/observability/metrics";
import { startCallTrace, type TCallTrace } from "@/voice-server/observability/turn-trace";
import type { TVoiceProviders } from "@/voice-server/providers/registry";
import type { TChatMessage, TMulaw, TSttEvent } from "@/voice-server/providers/types";
import { offlineMessageSoFar } from "@/voice-server/providers/llm/offline";
import { normalizePhoneNumber } from "@/voice-server/tools/phone-number";
import { toolSpecsFor, validateToolCall } from "@/voice-server/tools/registry";
import type { TToolContext } from "@/voice-server/tools/types";
import { SpeechDetector, type TSpeechEvent, type TVad } from "@/voice-server/vad/vad";
import type { AudioCache } from "./audio-cache";
import { DtmfGather, SilenceWatch } from "./call-timers";
import { CallOutcomeTracker, percentile } from "./call-outcome";
import { CallRecord, errorKind, type TCallLifecycleEvent } from "./call-record";
import { CallRecorder } from "./call-recorder";
import { describeKeys, KeypadPrivacy, keyEventOf, type TKeyRun } from "./keypad-privacy";
import { LineHandover } from "./line-handover";
import { agentTurnRow, heardOf, heardText, type TGeneration, type TTurnTiming } from "./generation";
import type { FramePacer, TClock } from "./pacer";
import { ProtectedLine } from "./protected-line";
import { ProviderRoute } from "./provider-fallback";
import { AdaptiveTurns, type TTurnTakingSummary } from "./adaptive-turns";
import { RecordingConsent } from "./recording-consent";
import { Replier } from "./reply";
import type { TResumePiece } from "./resume";
import type { SpeculativeReply } from "./speculative-reply";
import { SpeechPlayer, type TInterruptReason } from "./speech-player";
import { LINES, lineCacheKey, linePieces, openingLine } from "./spoken-lines";
import { sttPhrasesFor } from "./stt-phrases";
import { SttInput, type SttTurn } from "./stt-turn";
import type { TCallTransport, TStreamStart, TTransportEvent } from "./transport";
import { fixedTurnPolicy, type TAgentFloor, type TTurnPolicy } from "./turn-policy";
import { TurnTaker, turnPolicyConfigFor, type TPolicyTurn } from "./turn-taker";

// One live call, as a coordinator over parts with one job each (see the voice-server section of the README):
//   caller frames -> VAD (SpeechDetector) + SttInput (one SttTurn per caller turn) -> TTurnPolicy decides turns
//   and barge-in -> Replier (LLM rounds, tools/) -> SpeechPlayer (TTS via ProviderRoute, pacer, marks) -> what the
//   caller heard -> conversation + CallRecord (turns, events, final row).
// With a streaming recognizer (Deepgram) the turns are the adaptive policy's instead (TurnTaker over
// voice-server/turn-taking/, acted on by AdaptiveTurns): early finalizes, preemptive replies, replies dropped when
// the caller goes on, and barge-in that resumes after a backchannel. Otherwise (the offline engine decodes a whole
// turn at once) the VAD's end of speech after the agent's endpointing silence ends the turn, as fixedTurnPolicy says.
// Everything about the call lives on this object and its parts, nothing at module level.

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
  // offlineSttFinalMs: the offline recognizer's budget (it decodes locally, slower under load); sttFinalMs otherwise.
  timeouts: { sttFinalMs: number; offlineSttFinalMs?: number; llmFirstTokenMs: number; ttsFirstByteMs: number };
  createVad(): Promise<TVad>;
  callControlFor(start: TStreamStart): TCallControl | null;
  now?: () => Date;
  // Told after the call's row says so (answered, then finalized): post-call analysis, outbound webhooks.
  onLifecycle?: (event: TCallLifecycleEvent) => Promise<void> | void;
};

export type { TCallLifecycleEvent };

type TSessionState = "awaiting-start" | "starting" | "live" | "closing" | "closed";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DTMF_GATHER_MS = 600;
const PRESTART_FRAME_LIMIT = 100;
const TRANSFER_STOP_WAIT_MS = 5_000;
// The offline LLM's provider name: only its dialog state can say what a half-given message holds.
const OFFLINE_LLM_NAME = "offline-local";
const MISSING_FIELD_WORDS = { name: "their name", callback_number: "a callback number", message: "the message itself" } as const;

export class CallSession {
  private state: TSessionState = "awaiting-start";
  private call: Call | null = null;
  private snapshot: TAgentSnapshot | null = null;
  private isAfterHours = false;
  // A test-suite call (parameters.hours "open") runs as if within business hours, so a suite's result does not
  // depend on the time of day it is run at.
  private isOpenForTest = false;
  private readonly conversation: TChatMessage[] = [];
  private readonly clock: TClock;
  private log: TLogger;
  private trace: TCallTrace | null = null;
  private streamStartAt = 0;
  private startedAtDate = new Date();
  private readonly record: CallRecord;
  private readonly route: ProviderRoute;
  private readonly player: SpeechPlayer;
  private readonly replier: Replier;
  private readonly outcome = new CallOutcomeTracker();

  // Set once the call is known (begin).
  private policy: TTurnPolicy | null = null;
  // The adaptive turn-taking policy, while the recognizer streams (null: fixed endpointing on the VAD).
  private turnTaker: TurnTaker | null = null;
  private adaptive: AdaptiveTurns | null = null;
  // What the adaptive policy did on this call (kept when it is left: a fallback, the call's end).
  private turnTakingSummary: TTurnTakingSummary | null = null;
  private detector: SpeechDetector | null = null;
  private vad: TVad | null = null;
  private stt: SttInput | null = null;
  private silence: SilenceWatch | null = null;
  private readonly dtmf: DtmfGather;
  // Keys typed while the agent collects data the team redacts are masked and silenced in the recording.
  private readonly keypad = new KeypadPrivacy();
  private recorder: CallRecorder | null = null;
  private recordingPath: string | null = null;
  // Whether the call is recorded (the agent's recording mode, and the caller's answer when asked).
  private consent: RecordingConsent | null = null;
  private callControl: TCallControl | null = null;

  private prestart: { frames: { audio: TMulaw; timestampMs: number | null }[]; texts: string[] } = { frames: [], texts: [] };
  private inboundFrames = 0;
  // isOverProtectedLine: began while a line the caller may not interrupt was playing (the disclosure).
  private callerSpeech: { startStreamMs: number; onsetAt: number; hasBargedIn: boolean; isOverProtectedLine: boolean } | null = null;
  // The opening with the disclosure: nothing the caller does cuts it or starts a turn while it plays.
  private protectedLine: ProtectedLine | null = null;
  private turnChain: Promise<void> = Promise.resolve();
  // Caller turns in a row with speech but no usable words (reset by any turn that was understood, or keys).
  private unusableTurns = 0;
  // Saying the last line before hanging up: the caller can no longer talk over it or start a new turn.
  private isEnding = false;
  private maxDurationTimer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  private readonly handover = new LineHandover(TRANSFER_STOP_WAIT_MS);
  private onClosedHandlers: (() => void)[] = [];

  constructor(
    private readonly transport: TCallTransport,
    private readonly services: TSessionServices,
  ) {
    this.clock = services.pacer.clock;
    this.log = services.log;
    this.route = new ProviderRoute(services.providers, services.timeouts.ttsFirstByteMs);
    this.record = new CallRecord({
      db: services.db,
      metrics: services.metrics,
      log: services.log,
      transport,
      streamMs: () => this.streamMs(),
      onLifecycle: services.onLifecycle,
    });
    this.player = new SpeechPlayer({
      pacer: services.pacer,
      transport,
      audioCache: services.audioCache,
      route: this.route,
      metrics: services.metrics,
      log: () => this.log,
      voice: () => ({ voice: this.agent.config.voice, language: this.agent.config.language }),
      streamStartAt: () => this.streamStartAt,
      recorder: () => this.recorder,
      isCallLive: () => this.state === "live",
      onTtsError: (provider, error) => this.record.error("tts", errorKind(error), error, { provider }),
      onInterrupted: (generation, info) => this.onInterrupted(generation, info),
      onAudioStarted: (generation) => {
        this.writeCallerTurn(generation);
        this.turnTaker?.agentAudioStarted(!(this.isEnding || generation.isUninterruptible));
      },
      onProgress: (generation) => this.saveHeardSoFar(generation),
      onEnded: (generation, isInterrupted) => this.commitGeneration(generation, isInterrupted),
      onPlayedOut: () => {
        this.turnTaker?.agentQuiet();
        if (this.state === "live") this.armSilence();
      },
    });
    this.replier = new Replier({
      player: this.player,
      route: this.route,
      clock: this.clock,
      metrics: services.metrics,
      llmFirstTokenMs: services.timeouts.llmFirstTokenMs,
      agent: () => this.agent,
      conversation: () => this.conversation,
      instructions: () => this.instructions(),
      say: (generation, text) => this.sayLine(generation, text),
      toolContext: (generation, spokenText) => this.toolContext(generation, spokenText),
      canTransfer: () => this.callControl !== null && !this.isAfterHours,
      recordToolCall: (call, result) =>
        this.record.event("tool_call", call.name, { args: call.args, ok: result.ok !== false, ...(result.error ? { error: result.error } : {}) }),
      recordError: (stage, kind, error, data) => this.record.error(stage, kind, error, data),
      onLlmFallback: (to) => this.record.event("status", "llm_fallback_offline", { to }),
      onFatal: (generation) => {
        this.outcome.hasFatalError = true;
        this.sayLine(generation, LINES.fatal);
        generation.isProducing = false;
        void this.player.untilPlayed(generation).then(() => this.close("llm_failure"));
      },
    });
    this.dtmf = new DtmfGather(DTMF_GATHER_MS, () => this.onDtmfDigits());
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

  private get agent(): TAgentSnapshot {
    return this.snapshot as TAgentSnapshot;
  }

  private get floor(): TAgentFloor {
    return { state: this.player.state, isUninterruptible: this.isEnding || (this.player.current?.isUninterruptible ?? false) };
  }

  private instructions(): string {
    return assembleInstructions(this.agent, {
      now: this.wallNow(),
      callerNumber: this.call?.fromNumber || undefined,
      isAfterHours: this.isAfterHours ? true : this.isOpenForTest ? false : undefined,
    });
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
          this.outcome.hasFatalError = true;
          void this.close("setup_failed");
        });
        return;
      case "media":
        if (this.state === "starting") {
          if (this.prestart.frames.length < PRESTART_FRAME_LIMIT) this.prestart.frames.push(event);
          return;
        }
        if (this.state === "live") this.onInboundAudio(event.audio, event.timestampMs);
        return;
      case "mark":
        this.player.onMark(event.name);
        return;
      case "dtmf":
        this.onDtmf(event.digit);
        return;
      case "caller-text":
        this.submitCallerText(event.text);
        return;
      case "stop":
      case "closed":
        this.handover.streamStopped();
        void this.close(event.type === "stop" ? "caller_hangup" : "stream_closed");
        return;
      case "protocol-error":
        this.log.warn("media stream protocol error", { reason: event.reason });
        this.services.metrics.errors.inc({ stage: "transport", kind: "protocol" });
        if (this.call) {
          this.outcome.hasFatalError = true;
          this.record.event("error", "protocol_error", { stage: "transport", kind: "protocol", message: event.reason });
        }
        void this.close("protocol_error");
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
    const { call, snapshot } = loaded;
    this.call = call;
    this.snapshot = snapshot;
    const vad = await vadReady;
    if (this.state !== "starting") {
      vad.close();
      return;
    }
    this.vad = vad;
    this.isAfterHours = start.parameters.afterHours === "1";
    this.isOpenForTest = start.parameters.hours === "open" && !this.isAfterHours;
    this.log = this.services.log.child({ callId: call.id, teamId: call.teamId });
    this.record.log = this.log;
    this.record.attach({ teamId: call.teamId, callId: call.id });
    this.callControl = this.services.callControlFor(start);
    redactionSettingsFor(this.services.db, call.teamId).then(
      (settings) => this.keypad.useSettings(settings),
      (error: unknown) => this.log.warn("redaction settings unavailable; keypad privacy uses the defaults", { error }),
    );
    const config = snapshot.config;
    this.policy = fixedTurnPolicy(config);
    this.detector = new SpeechDetector(vad, { minSpeechMs: this.policy.minSpeechMs, endSilenceMs: this.policy.endpointingSilenceMs });
    this.silence = new SilenceWatch(config.silenceTimeoutSec * 1000, () => this.onSilence());
    this.state = "live";
    this.services.metrics.callsStarted.inc();
    this.trace = startCallTrace({
      callId: call.id,
      teamId: call.teamId,
      agentVersionId: call.agentVersionId,
      transport: this.transport.kind,
      clockStart: this.streamStartAt,
      startedAt: this.startedAtDate,
      clock: this.clock,
    });

    this.speakOpening();
    this.record.answered(this.startedAtDate);
    this.record.event("status", "stream_started", {
      transport: this.transport.kind,
      providers: { stt: this.services.providers.stt.name, llm: this.route.llm.name, tts: this.services.providers.tts.name },
      ...(this.isAfterHours ? { afterHours: true } : {}),
    });
    this.consent = new RecordingConsent({
      mode: config.recordingMode,
      startRecording: () => this.startRecorder(),
      note: (name, data) => this.record.event("status", name, data),
    });
    this.consent.begin();
    this.maxDurationTimer = setTimeout(() => void this.endWithLine(LINES.maxDuration, "max_duration"), config.maxCallDurationSec * 1000);
    if (start.inputMode !== "text") {
      this.stt = new SttInput({
        ...this.route.stt,
        language: config.language,
        phrases: sttPhrasesFor(snapshot),
        finalTimeoutMs: this.services.timeouts.sttFinalMs,
        offlineFinalTimeoutMs: this.services.timeouts.offlineSttFinalMs,
        isLive: () => this.state === "live",
        onInterim: (text) => this.transport.sendInterim?.(text),
        onResult: (event, turn) => this.onSttResult(event, turn),
        onError: (kind, error, data) => this.record.error("stt", kind === "timeout" ? "timeout" : errorKind(error), error, data),
        onFallback: (from, to) => {
          this.record.event("status", "stt_fallback_offline", { from, to });
          // The offline engine decodes whole turns: fixed endpointing from here on.
          this.leaveAdaptiveTurns();
        },
      });
      if (this.stt.isStreaming) this.startAdaptiveTurns(this.stt);
      void this.stt.open();
    }
    const { frames, texts } = this.prestart;
    this.prestart = { frames: [], texts: [] };
    for (const frame of frames) this.onInboundAudio(frame.audio, frame.timestampMs);
    for (const text of texts) this.submitCallerText(text);
  }

  // From now on both sides of the call go to its recording (at the start, or once the caller agreed).
  private startRecorder(): void {
    const call = this.call;
    if (this.recorder || !call || !this.services.recordingsDir) return;
    const { absolute, relative } = CallRecorder.pathFor(this.services.recordingsDir, call.teamId, call.id);
    this.recorder = new CallRecorder(absolute);
    this.recordingPath = relative;
    this.recorder.start();
  }

  // ---- Caller audio and turns ----------------------------------------------------------------------------

  private onInboundAudio(audio: TMulaw, timestampMs: number | null): void {
    const detector = this.detector;
    if (!detector) return;
    const at = timestampMs ?? this.inboundFrames * FRAME_MS;
    this.inboundFrames++;
    this.recorder?.caller(audio, at);
    this.stt?.push(audio);
    // The VAD wants whole 10/20/30 ms frames; Twilio sends 20 ms, anything else is split or skipped.
    let event: TSpeechEvent | null = null;
    if (audio.length === 160) {
      event = detector.push(audio);
      this.feedPolicy(detector);
    } else {
      for (let offset = 0; offset + 160 <= audio.length; offset += 160) {
        event = detector.push(audio.subarray(offset, offset + 160)) ?? event;
        this.feedPolicy(detector);
      }
    }
    if (event?.type === "speech-start") this.onSpeechStart(event);
    else if (event?.type === "speech-end") this.onSpeechEnd(event);
    if (!this.turnTaker) this.checkBargeIn(detector);
  }

  // ---- Adaptive turn-taking (a streaming recognizer) -----------------------------------------------------

  private startAdaptiveTurns(stt: SttInput): void {
    this.adaptive = new AdaptiveTurns({
      clock: this.clock,
      player: this.player,
      route: this.route,
      metrics: this.services.metrics,
      agent: () => this.agent,
      conversation: () => this.conversation,
      instructions: () => this.instructions(),
      canReply: () => this.state === "live" && !this.isEnding,
      event: (kind, name, data) => this.record.event(kind, name, data),
      startReply: (turn, speculative) => this.replyToPolicyTurn(turn, speculative),
      resume: (from, pieces) => this.resumeSpeech(from, pieces),
      quiet: () => {
        this.turnTaker?.agentQuiet();
        if (!this.player.isBusy) this.armSilence();
      },
    });
    this.turnTaker = new TurnTaker(turnPolicyConfigFor(this.agent.config, this.route.stt.primary.streaming?.endpointingMs), {
      clock: this.clock,
      stt,
      handlers: this.adaptive,
    });
  }

  private leaveAdaptiveTurns(): void {
    if (this.adaptive) this.turnTakingSummary = this.adaptive.summary();
    this.turnTaker?.close();
    this.adaptive?.close();
    this.turnTaker = null;
    this.adaptive = null;
  }

  // Speech over the disclosure is not the policy's: it is dropped or, outlasting the line, taken whole (below).
  private get isPolicyDeaf(): boolean {
    return !!this.protectedLine?.isPlaying || !!this.callerSpeech?.isOverProtectedLine;
  }

  private feedPolicy(detector: SpeechDetector): void {
    if (this.turnTaker && !this.isPolicyDeaf) this.turnTaker.frame(detector.isVoicedFrame, detector.timeMs, FRAME_MS, detector.onsetLeadMs);
  }

  private onSttResult(event: Extract<TSttEvent, { type: "interim" | "final" | "utterance-end" }>, turn: SttTurn): void {
    if (this.turnTaker && !turn.isDetached && !this.isPolicyDeaf) this.turnTaker.result(event);
  }

  private replyToPolicyTurn(turn: TPolicyTurn, speculative: SpeculativeReply | null): void {
    const now = this.clock.now();
    const timing: TTurnTiming = {
      speechStartStreamMs: turn.speechStartStreamMs,
      speechEndStreamMs: turn.speechEndStreamMs,
      speechEndAt: turn.speechEndAt,
      endpointedAt: now,
      sttFinalAt: now,
    };
    if (this.state === "closing") {
      // The caller hung up as the turn ended: the words are kept, nothing is answered.
      speculative?.discard();
      this.keepCallerWords(turn.text, timing);
      return;
    }
    if (this.state !== "live" || this.isEnding) {
      speculative?.discard();
      return;
    }
    this.services.metrics.stageLatency.observe(timing.endpointedAt - timing.speechEndAt, { stage: "endpointing" });
    this.unusableTurns = 0;
    const generation = this.startGeneration("reply", timing);
    generation.callerTurn = { text: turn.text, startMs: timing.speechStartStreamMs, endMs: timing.speechEndStreamMs, isWritten: false };
    generation.messages.push({ role: "caller", text: turn.text });
    generation.prestarted = speculative;
    void this.replier.run(generation);
  }

  // The caller's words a reply answers, on record once the reply is audible (or over without being dropped).
  private writeCallerTurn(generation: TGeneration): void {
    const turn = generation.callerTurn;
    if (!turn || turn.isWritten || generation.isDropped) return;
    turn.isWritten = true;
    this.outcome.callerTurns++;
    this.record.callerTurn({ speaker: "caller", text: turn.text, startMs: turn.startMs, endMs: turn.endMs, isInterrupted: false });
  }

  // After a backchannel or a noise: the cut sentence and the rest, as a new generation (its own agent turn).
  private resumeSpeech(from: TGeneration, pieces: TResumePiece[]): void {
    const generation = this.startGeneration(from.kind === "reply" ? "reply" : "fixed", null);
    const message = { role: "agent" as const, text: pieces.map((p) => p.text).join(" ") };
    generation.messages.push(message);
    for (const piece of pieces) this.player.speak(generation, piece.text, message, undefined, piece.audio);
    void this.player.finish(generation);
  }

  // The VAD heard the caller's speech end (after the agent's endpointing silence) with the policy holding no words
  // for it: ask the engine, and if no words come of it, do what the fixed policy does with a wordless turn.
  private async checkWordlessTurn(onsetAt: number): Promise<void> {
    const stt = this.stt;
    const taker = this.turnTaker;
    const adaptive = this.adaptive;
    if (this.state !== "live" || !stt || !taker || !adaptive) return;
    if (stt.isDead) {
      await this.endWithLine(LINES.cannotHear, "stt_failure");
      return;
    }
    const isPolicyTurn = () =>
      taker.callerText !== "" || taker.policy.agentState !== "idle" || taker.policy.isOverlapPending || adaptive.lastDecisionAt >= onsetAt;
    if (isPolicyTurn()) return;
    const round = stt.endTurn();
    await round.finalTranscript();
    if (this.state !== "live" || this.turnTaker !== taker || isPolicyTurn() || this.player.isBusy || this.isEnding) return;
    if (!round.isNoise) this.answerUnusableSpeech(round.isUnrecognized);
    else this.armSilence();
  }

  private onSpeechStart(event: Extract<TSpeechEvent, { type: "speech-start" }>): void {
    const now = this.clock.now();
    const onsetAt = now - (event.atMs - event.startMs);
    this.callerSpeech = { startStreamMs: event.startMs, onsetAt, hasBargedIn: false, isOverProtectedLine: !!this.protectedLine?.isPlaying };
    this.stt?.speechStarted(event.atMs - event.startMs);
    this.silence?.heardCaller();
  }

  private checkBargeIn(detector: SpeechDetector): void {
    const speech = this.callerSpeech;
    if (!speech || speech.hasBargedIn || !detector.isSpeaking || !this.policy) return;
    if (!this.policy.shouldBargeIn({ speechMs: detector.timeMs - speech.startStreamMs, floor: this.floor })) return;
    speech.hasBargedIn = true;
    this.player.interrupt("caller", speech.onsetAt);
  }

  private onSpeechEnd(event: Extract<TSpeechEvent, { type: "speech-end" }>): void {
    const now = this.clock.now();
    const speech = this.callerSpeech;
    this.callerSpeech = null;
    this.stt?.speechEnded();
    const timing: TTurnTiming = {
      speechStartStreamMs: event.startMs,
      speechEndStreamMs: event.endMs,
      speechEndAt: now - (event.atMs - event.endMs),
      endpointedAt: now,
      sttFinalAt: now,
    };
    const hasBargedIn = speech?.hasBargedIn ?? false;
    if (speech?.isOverProtectedLine && !this.protectedLine?.isTurn(timing.speechEndAt, this.agent.config.interruptionMinSpeechMs)) {
      this.chainTurn(() => this.dropTurnOverProtectedLine());
      return;
    }
    if (this.turnTaker && !speech?.isOverProtectedLine) {
      const onsetAt = speech?.onsetAt ?? timing.speechEndAt;
      this.chainTurn(() => this.checkWordlessTurn(onsetAt));
      return;
    }
    this.chainTurn(() => this.onCallerTurnEnd(timing, hasBargedIn));
  }

  // Words (or noise) over the disclosure: heard by the recognizer so they do not bleed into the next turn, then
  // dropped; the timeline says it happened.
  private async dropTurnOverProtectedLine(): Promise<void> {
    if (this.state !== "live" || !this.stt) return;
    const text = this.stt.isDead ? "" : await this.detachedTurn(this.stt).finalTranscript();
    if (this.state !== "live") return;
    this.record.event("status", "speech_over_disclosure", { words: text.split(/\s+/).filter(Boolean).length });
    if (!this.player.isBusy) this.armSilence();
  }

  // Runs `action` now, or once the protected line has played (typed text and keypresses wait for the disclosure).
  private afterProtectedLine(action: () => void): void {
    if (this.protectedLine) this.protectedLine.after(action);
    else action();
  }

  // Ends the recognizer's turn for code outside the adaptive policy, whose answer the policy must not read.
  private detachedTurn(stt: SttInput): SttTurn {
    const turn = stt.endTurn();
    if (this.turnTaker) turn.isDetached = true;
    return turn;
  }

  // Caller turns are handled one after another, in the order they ended.
  private chainTurn(handle: () => Promise<void> | void): void {
    this.turnChain = this.turnChain.then(handle).catch((error: unknown) => {
      this.log.error("caller turn failed", { error });
    });
  }

  private async onCallerTurnEnd(timing: TTurnTiming, hasBargedIn: boolean): Promise<void> {
    // "closing": the caller hung up while this turn was being recognized; its words are still kept (below).
    if ((this.state !== "live" && this.state !== "closing") || !this.stt) return;
    if (this.stt.isDead) {
      if (this.state === "live") await this.endWithLine(LINES.cannotHear, "stt_failure");
      return;
    }
    const turn = this.detachedTurn(this.stt);
    const text = await turn.finalTranscript();
    timing.sttFinalAt = this.clock.now();
    if (this.state === "closing" && text) this.keepCallerWords(text, timing);
    if (this.state !== "live") return;
    this.services.metrics.stageLatency.observe(timing.endpointedAt - timing.speechEndAt, { stage: "endpointing" });
    this.services.metrics.stageLatency.observe(timing.sttFinalAt - timing.endpointedAt, { stage: "stt_final" });
    if (!text) {
      if (this.player.isBusy || this.isEnding) return;
      // The VAD heard speech but no words came out (the engine said so, or it cannot tell noise from unclear
      // speech): ask again rather than leave the caller in silence. Only what the offline engine calls noise is
      // let go, unless it cut the agent off.
      if (!turn.isNoise) this.answerUnusableSpeech(turn.isUnrecognized);
      else if (hasBargedIn) this.speakFixed(LINES.didNotCatch);
      else this.armSilence();
      return;
    }
    this.acceptCallerTurn(text, timing);
  }

  // A caller turn with speech and no usable words: a short reprompt, and from the second in a row an offer that
  // does not depend on being understood word for word (a message, or a person when a department can take the
  // call). Spoken as agent turns; nothing goes to the model as caller text.
  private answerUnusableSpeech(isFlagged: boolean): void {
    this.unusableTurns++;
    const isOffer = this.unusableTurns >= 2;
    this.record.event("status", "unrecognized_speech", {
      consecutive: this.unusableTurns,
      engine: this.stt?.providerName ?? null,
      isFlagged,
      reply: isOffer ? "offer" : "reprompt",
    });
    const canTransfer =
      this.callControl !== null && !this.isAfterHours && this.agent.departments.some((d) => d.name.trim() && d.phoneNumber.trim());
    this.speakFixed(isOffer ? (canTransfer ? LINES.hardToHearOffer : LINES.hardToHearMessage) : LINES.didNotCatch);
  }

  // A typed caller turn (the browser test call's "Type as caller"): a finished utterance, as if the STT engine had
  // just returned it, bypassing VAD and STT. Latency is measured from the moment it arrived.
  submitCallerText(text: string): void {
    const cleaned = text.replace(/\s+/g, " ").trim().slice(0, 2_000);
    if (!cleaned) return;
    if (this.state === "starting" || this.state === "awaiting-start") {
      if (this.prestart.texts.length < 10) this.prestart.texts.push(cleaned);
      return;
    }
    if (this.state !== "live" || this.isEnding) return;
    const now = this.clock.now();
    const atMs = this.streamMs(now);
    const timing: TTurnTiming = { speechStartStreamMs: atMs, speechEndStreamMs: atMs, speechEndAt: now, endpointedAt: now, sttFinalAt: now };
    this.silence?.heardCaller();
    this.afterProtectedLine(() => {
      if (this.state !== "live" || this.isEnding) return;
      // Typing over the agent cuts it off like speaking over it would.
      if (this.player.isBusy) this.player.interrupt("caller");
      this.chainTurn(() => {
        if (this.state === "live") this.acceptCallerTurn(cleaned, timing);
      });
    });
  }

  // What the caller said as they hung up (a callback number, the end of a message): on record and in the
  // conversation the call ends with (the message kept at hang-up reads it), with no reply.
  private keepCallerWords(text: string, timing: TTurnTiming): void {
    this.outcome.callerTurns++;
    this.unusableTurns = 0;
    this.conversation.push({ role: "caller", text });
    this.record.callerTurn({ speaker: "caller", text, startMs: timing.speechStartStreamMs, endMs: timing.speechEndStreamMs, isInterrupted: false });
  }

  // At hang-up: a caller turn still being spoken or recognized is finished and waited for (bounded by the
  // engine's own final budget), so the last words before the hang-up are not lost.
  private async finishLastTurn(): Promise<void> {
    const stt = this.stt;
    if (!stt || stt.isDead) return;
    const speech = this.callerSpeech;
    this.callerSpeech = null;
    if (this.turnTaker && !speech?.isOverProtectedLine) return this.finishLastPolicyTurn(stt, this.turnTaker, speech?.startStreamMs ?? null);
    if (speech && !speech.isOverProtectedLine) {
      stt.speechEnded();
      const now = this.clock.now();
      const endMs = this.streamMs(now);
      const timing: TTurnTiming = { speechStartStreamMs: speech.startStreamMs, speechEndStreamMs: endMs, speechEndAt: now, endpointedAt: now, sttFinalAt: now };
      this.chainTurn(() => this.onCallerTurnEnd(timing, false));
    }
    const { sttFinalMs, offlineSttFinalMs } = this.services.timeouts;
    const budgetMs = Math.max(sttFinalMs, offlineSttFinalMs ?? 0) + 500;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.turnChain, new Promise<void>((resolve) => (timer = setTimeout(resolve, budgetMs)))]);
    clearTimeout(timer);
  }

  // At hang-up with the adaptive policy: the words it holds that no reply took, with the engine's answer for the
  // speech not yet final, are kept.
  private async finishLastPolicyTurn(stt: SttInput, taker: TurnTaker, speechStartStreamMs: number | null): Promise<void> {
    const isUnanswered = () => taker.policy.agentState === "idle" && !taker.policy.isOverlapPending;
    if (speechStartStreamMs === null && !(isUnanswered() && taker.callerText)) return;
    const round = stt.endTurn();
    const { sttFinalMs, offlineSttFinalMs } = this.services.timeouts;
    const budgetMs = Math.max(sttFinalMs, offlineSttFinalMs ?? 0) + 500;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([round.finalTranscript(), new Promise<void>((resolve) => (timer = setTimeout(resolve, budgetMs)))]);
    clearTimeout(timer);
    const text = taker.callerText.trim();
    // A reply the policy started took the words (its generation kept them when the player closed).
    if (!text || !isUnanswered()) return;
    const now = this.clock.now();
    const endMs = this.streamMs(now);
    const startMs = speechStartStreamMs ?? endMs;
    this.keepCallerWords(text, { speechStartStreamMs: startMs, speechEndStreamMs: endMs, speechEndAt: now, endpointedAt: now, sttFinalAt: now });
  }

  private acceptCallerTurn(text: string, timing: TTurnTiming): void {
    // Whatever the agent is saying now answers an older turn; what was heard of it goes before this turn.
    if (this.player.isBusy && !this.isEnding) this.player.interrupt("system");
    this.unusableTurns = 0;
    this.outcome.callerTurns++;
    this.conversation.push({ role: "caller", text });
    this.record.callerTurn({ speaker: "caller", text, startMs: timing.speechStartStreamMs, endMs: timing.speechEndStreamMs, isInterrupted: false });
    // The answer to "may we record?" alone gets a short acknowledgement rather than a reply from the model.
    const consentLine = this.consent?.heard(text) ?? null;
    if (this.isEnding) return;
    if (consentLine) this.speakFixed(consentLine);
    else void this.runReply(timing);
  }

  private onDtmf(digit: string): void {
    if (this.state !== "live") return;
    const speaking = this.player.current;
    if (speaking && !speaking.isDone) this.keypad.agentSaying(speaking.segments.map((s) => s.text).join(" "));
    const silence = this.keypad.press(digit, this.streamMs());
    if (silence) this.recorder?.silenceCaller(silence.fromMs, silence.toMs);
    // Keys pressed over the last line are written at the close.
    if (this.isEnding) return;
    this.silence?.disarm();
    // The answer to "may we record?" (1 agrees): acknowledged once the disclosure has played, not sent to the model.
    const consentLine = this.consent?.key(digit) ?? null;
    if (consentLine) {
      this.writeKeys(this.keypad.take());
      this.afterProtectedLine(() => {
        if (this.state === "live" && !this.isEnding) this.speakFixed(consentLine);
      });
      return;
    }
    if (this.player.isBusy && !this.protectedLine?.isPlaying) this.player.interrupt("dtmf");
    this.dtmf.push(digit, this.keypad.gatherMs);
  }

  private onDtmfDigits(): void {
    const run = this.keypad.take();
    if (!run) return;
    this.writeKeys(run);
    this.afterProtectedLine(() => {
      if (this.state !== "live" || this.isEnding) return;
      if (this.player.isBusy) this.player.interrupt("dtmf");
      this.unusableTurns = 0;
      this.conversation.push({ role: "event", text: describeKeys(run) });
      void this.runReply(null);
    });
  }

  // A run of keys on the timeline, at the moments they were pressed; a masked run names no digit and its tones
  // are silenced in the recording (now for what is still in memory, at sealing for the rest).
  private writeKeys(run: TKeyRun | null): void {
    if (!run) return;
    for (const press of run.presses) {
      const { name, data } = keyEventOf(press, run);
      this.record.event("dtmf", name, data, press.atMs);
    }
    for (const span of run.spans) this.recorder?.silenceCaller(span.fromMs, span.toMs);
  }

  // ---- What the agent says -------------------------------------------------------------------------------

  private startGeneration(kind: TGeneration["kind"], timing: TTurnTiming | null): TGeneration {
    if (this.player.isBusy) this.player.interrupt("system");
    this.silence?.disarm();
    return this.player.begin(kind, timing);
  }

  // A fixed line in `generation`, in cached pieces (one mark each).
  private sayLine(generation: TGeneration, text: string): void {
    const message = { role: "agent" as const, text };
    generation.messages.push(message);
    const config = this.agent.config;
    for (const piece of linePieces(text)) {
      const cacheKey = lineCacheKey({ agentVersionId: (this.call as Call).agentVersionId, tts: this.route.ttsName, config, text: piece });
      this.player.speak(generation, piece, message, cacheKey);
    }
  }

  // The greeting (or after-hours message) with the disclosure after it. With a disclosure, the whole opening plays
  // to its end whatever the caller does, and the call row keeps when it finished as proof.
  private speakOpening(): void {
    const generation = this.startGeneration("greeting", null);
    if (this.agent.config.disclosure.trim()) this.protectedLine = new ProtectedLine(generation, (g) => this.player.untilPlayed(g));
    this.sayLine(generation, openingLine(this.agent.config, this.isAfterHours));
    void this.player.finish(generation);
  }

  // A line the agent says without the LLM (apology, silence prompt): its own generation, cached like the greeting.
  private speakFixed(text: string): TGeneration {
    const generation = this.startGeneration("fixed", null);
    this.sayLine(generation, text);
    void this.player.finish(generation);
    return generation;
  }

  private async endWithLine(text: string, reason: string): Promise<void> {
    if (this.state !== "live" || this.isEnding) return;
    this.outcome.setEndReason(reason);
    const generation = this.speakFixed(text);
    this.isEnding = true;
    const played = await Promise.race([this.player.untilPlayed(generation), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))]);
    if (!played) this.log.info("ending the call before the last line finished", { reason });
    await this.close(reason);
  }

  private async runReply(timing: TTurnTiming | null): Promise<void> {
    if (this.state !== "live") return;
    await this.replier.run(this.startGeneration("reply", timing));
  }

  private toolContext(generation: TGeneration, spokenText: string): TToolContext {
    const control = this.callControl;
    return {
      db: this.services.db,
      agent: this.agent,
      call: this.call as Call,
      isAfterHours: this.isAfterHours,
      spokenText,
      say: (text) => this.sayLine(generation, text),
      untilPlayed: () => this.player.untilPlayed(generation),
      finishReply: () => this.player.finishNow(generation),
      setEndReason: (reason) => this.outcome.setEndReason(reason),
      close: (reason) => void this.close(reason),
      noteMessageTaken: () => (this.outcome.isMessageTaken = true),
      recordError: (stage, kind, error, data) => this.record.error(stage, kind, error, data),
      recordEvent: (kind, name, data) => this.record.event(kind, name, data),
      lineControl:
        control &&
        this.handover.controlFor((twiml) => control.redirect(twiml), {
          onError: (error, department) => this.record.error("transfer", errorKind(error), error, { department }),
          onTransferred: (e164) => (this.outcome.transferredTo = e164),
        }),
    };
  }

  // ---- What the caller heard -----------------------------------------------------------------------------

  private onInterrupted(generation: TGeneration, info: { reason: TInterruptReason; reactionMs: number | null; droppedFrames: number }): void {
    if (info.reason === "system") return;
    // A keypress or typing cut the agent (the policy's own clear leaves it judging the caller's sound).
    this.turnTaker?.agentQuiet();
    this.record.event("barge_in", info.reason, {
      generation: generation.kind,
      reactionMs: info.reactionMs,
      heard: generation.segments.filter((s) => s.state === "played").map((s) => s.text).join(" "),
      unheard: generation.segments.filter((s) => s.state !== "played").map((s) => s.text).join(" "),
      droppedFrames: info.droppedFrames,
    });
  }

  // The turn so far, marked interrupted until it completes: what a crash now would leave.
  private saveHeardSoFar(generation: TGeneration): void {
    const text = heardText(generation);
    if (text) this.record.agentTurn(generation.turn, agentTurnRow(generation, text, true, this.streamMs()), false);
  }

  // Adds what the caller heard of `generation` to the conversation and the call record.
  private commitGeneration(generation: TGeneration, isInterrupted: boolean): void {
    this.writeCallerTurn(generation);
    // A preemptive first round the reply never reached (dropped or cut before its LLM round began).
    generation.prestarted?.discard();
    generation.prestarted = null;
    this.trace?.turn(generation, isInterrupted);
    if (this.protectedLine?.generation === generation) {
      this.protectedLine.ended(this.clock.now());
      if (!isInterrupted) this.record.disclosurePlayed(this.wallNow());
    }
    const texts: string[] = [];
    for (const { message, heard } of heardOf(generation)) {
      // A dropped reply's caller words are still in the caller's turn: the next reply takes them.
      if (message.role === "caller" && generation.isDropped) continue;
      if (message.role !== "agent") this.conversation.push(message);
      else if (heard) {
        this.conversation.push({ role: "agent", text: heard });
        texts.push(heard);
      }
    }
    generation.messages = [];
    const text = texts.join(" ").trim();
    if (!text) {
      // Cut inside its first clause: the caller heard the start of it, so the transcript keeps the turn, marked
      // interrupted, with no words (none of its clauses played to the end).
      if (isInterrupted && generation.firstFrameAt !== null) this.record.agentTurn(generation.turn, agentTurnRow(generation, "", true, this.streamMs()), true);
      return;
    }
    this.turnTaker?.agentSaid(text);
    // What the agent asked last decides whether keys typed now are sensitive.
    this.keypad.agentSaid(text);
    const row = agentTurnRow(generation, text, isInterrupted, this.streamMs());
    this.record.agentTurn(generation.turn, row, true);
    this.record.knowledgeUsed(row.knowledgeIds ?? [], this.wallNow());
  }

  // ---- Silence -------------------------------------------------------------------------------------------

  private armSilence(): void {
    if (this.state !== "live" || this.callerSpeech) return;
    this.silence?.arm();
  }

  private onSilence(): void {
    if (this.state !== "live" || this.player.isBusy || this.callerSpeech || !this.silence) return;
    if (this.silence.prompts === 0) {
      this.silence.prompts++;
      this.record.event("status", "silence_prompt", {});
      this.speakFixed(LINES.stillThere);
      return;
    }
    void this.endWithLine(LINES.silenceGoodbye, "silence_timeout");
  }

  // ---- End -----------------------------------------------------------------------------------------------

  // The caller hung up in the middle of leaving a message with the offline engine: what was heard is stored
  // through take_message, as if the engine had called it, with what was still missing said in the message. The
  // callback number falls back to the number the caller called from. Cloud models keep their own judgement:
  // nothing is guessed for them.
  private async storeMessageSoFar(call: Call): Promise<void> {
    if (this.outcome.isMessageTaken || this.route.llm.name !== OFFLINE_LLM_NAME || !this.snapshot) return;
    const agent = this.agent;
    try {
      const soFar = offlineMessageSoFar(
        { system: this.instructions(), agent, messages: this.conversation, tools: toolSpecsFor(agent) },
        this.wallNow(),
      );
      if (!soFar) return;
      // A browser test call has no number of its own ("browser").
      const callbackNumber = soFar.args.callback_number ?? normalizePhoneNumber(call.fromNumber);
      if (!callbackNumber) {
        this.record.event("status", "message_not_stored", { reason: "no_callback_number", missing: soFar.missing });
        return;
      }
      const missing = soFar.missing.map((field) =>
        field === "callback_number" ? `${MISSING_FIELD_WORDS[field]} (the number they called from is kept)` : MISSING_FIELD_WORDS[field],
      );
      const note = `The caller hung up before the message was finished${missing.length > 0 ? `; not given: ${missing.join(", ")}` : ""}.`;
      const toolCall = {
        id: `hang-up-message-${call.id}`,
        name: "take_message",
        args: { ...soFar.args, callback_number: callbackNumber, message: `${soFar.args.message.trim()}\n\n(${note})` },
      };
      const validation = validateToolCall(toolCall, agent);
      if (!validation.ok) {
        this.record.error("tool", "invalid_args", new Error(validation.error), { tool: "take_message", atHangUp: true });
        return;
      }
      const context: TToolContext = {
        db: this.services.db,
        agent,
        call,
        isAfterHours: this.isAfterHours,
        spokenText: "",
        // The line is gone: nothing more is said or done on it.
        say: () => {},
        untilPlayed: async () => false,
        finishReply: () => {},
        setEndReason: () => {},
        close: () => {},
        noteMessageTaken: () => (this.outcome.isMessageTaken = true),
        recordError: (stage, kind, error, data) => this.record.error(stage, kind, error, data),
        recordEvent: (kind, name, data) => this.record.event(kind, name, data),
        lineControl: null,
      };
      const { result } = await validation.call.tool.execute(validation.call.args, context);
      this.record.event("tool_call", "take_message", { args: toolCall.args, ok: result.ok !== false, atHangUp: true, missing: soFar.missing });
    } catch (error) {
      this.record.error("tool", errorKind(error), error, { tool: "take_message", atHangUp: true });
    }
  }

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
    await this.handover.settled();
    this.state = "closing";
    this.outcome.setEndReason(reason);
    this.silence?.disarm();
    this.dtmf.stop();
    // Keys of a run the hang-up cut short are still on the timeline (masked as their run requires).
    this.writeKeys(this.keypad.take());
    if (this.maxDurationTimer) clearTimeout(this.maxDurationTimer);
    // Cut off by the hang-up: what was heard is kept.
    this.player.close();
    this.transport.close(1000, this.outcome.endReason ?? reason);
    if (wasLive) await this.finishLastTurn();
    this.leaveAdaptiveTurns();
    await this.stt?.close();
    this.vad?.close();
    const call = this.call;
    if (call && wasLive) {
      await this.storeMessageSoFar(call);
      this.consent?.end();
      let recordingPath: string | null = null;
      if (this.recorder) {
        try {
          const bytes = await this.recorder.finish();
          if (bytes > 0) recordingPath = this.recordingPath;
        } catch (error) {
          this.record.error("recording", "write_failed", error);
        }
      }
      const endedAt = this.wallNow();
      const sorted = [...this.player.voiceToVoiceMs].sort((a, b) => a - b);
      const outcome = this.outcome.outcome();
      const endReason = this.outcome.endReason ?? reason;
      this.record.event("status", "stream_ended", {
        endReason,
        outcome,
        turnTaking: this.turnTakingSummary ? { policy: "adaptive", ...this.turnTakingSummary } : { policy: "fixed" },
      });
      this.record.finalize({
        status: "completed",
        outcome,
        endReason,
        endedAt,
        durationSec: (endedAt.getTime() - this.startedAtDate.getTime()) / 1000,
        transferredTo: this.outcome.transferredTo,
        recordingPath,
        voiceToVoiceP50Ms: percentile(sorted, 50),
        voiceToVoiceP95Ms: percentile(sorted, 95),
      });
      const uploadRecording = this.services.uploadRecording;
      if (recordingPath && uploadRecording) this.record.then("recording upload", () => uploadRecording({ teamId: call.teamId, callId: call.id }));
      this.record.notify("call.completed");
      this.services.metrics.callsEnded.inc({ outcome, reason: endReason });
      this.log.info("call ended", { outcome, endReason, turns: this.record.turns, isLlmFallback: this.route.isLlmFallback });
      this.trace?.end({ outcome, endReason, turns: this.record.turns });
    }
    await this.record.flush();
    this.record.seal();
    this.state = "closed";
    for (const handler of this.onClosedHandlers.splice(0)) handler();
  }
}
