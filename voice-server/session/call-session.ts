import { redactionSettingsFor } from "@/lib/redaction/redaction-settings";
import type { TLogger } from "@/voice-server/observability/log";
import { startCallTrace, type TCallTrace } from "@/voice-server/observability/turn-trace";
import type { TVad } from "@/voice-server/vad/vad";
import { AgentLines } from "./agent-lines";
import type { CallerAudio } from "./caller-audio";
import { openCallerInput } from "./caller-input";
import { CallerTurns } from "./caller-turns";
import { recordCallEnd } from "./call-end";
import { CallEnding } from "./call-ending";
import { CallFacts } from "./call-facts";
import type { TCallLine, TCallStatus } from "./call-line";
import { CallOutcomeTracker } from "./call-outcome";
import { CallRecord, errorKind } from "./call-record";
import { CallRecording } from "./call-recording";
import { ConversationLog } from "./conversation-log";
import type { TGeneration } from "./generation";
import { storeMessageSoFar } from "./hang-up-message";
import { KeypadInput } from "./keypad-input";
import { LineHandover } from "./line-handover";
import type { TClock } from "./pacer";
import { PolicyTurns } from "./policy-turns";
import { PrestartBuffer } from "./prestart-buffer";
import { ProtectedLine } from "./protected-line";
import { ProviderRoute } from "./provider-fallback";
import { Replier } from "./reply";
import type { TSessionServices } from "./session-services";
import { SilencePrompts } from "./silence-prompts";
import { SpeechPlayer } from "./speech-player";
import { LINES, openingLine } from "./spoken-lines";
import type { SttInput } from "./stt-turn";
import { callForStream, dbCallLoader } from "./stream-call";
import { CallTools } from "./tool-context";
import type { TCallTransport, TStreamStart, TTransportEvent } from "./transport";

// One live call, as a coordinator over parts with one job each (see the voice-server section of the README). This
// file creates them and wires their events; what each does is in its own file:
//   caller frames -> CallerAudio (recording, SttInput, VAD, barge-in) -> CallerTurns (a turn's words, accepted or
//   reprompted) -> Replier (LLM rounds, tools/) -> SpeechPlayer (TTS via ProviderRoute, pacer, marks) -> what the
//   caller heard -> ConversationLog (conversation + CallRecord turns) -> recordCallEnd (the final row).
// With a streaming recognizer (Deepgram) the turns are the adaptive policy's instead (PolicyTurns: TurnTaker over
// voice-server/turn-taking/, acted on by AdaptiveTurns): early finalizes, preemptive replies, replies dropped when
// the caller goes on, and barge-in that resumes after a backchannel. Otherwise (the offline engine decodes a whole
// turn at once) the VAD's end of speech after the agent's endpointing silence ends the turn, as fixedTurnPolicy says.
// Alongside: AgentLines (fixed lines), KeypadInput, SilencePrompts, CallEnding (the last line, the time limit),
// CallRecording with RecordingConsent, the ProtectedLine (the disclosure), LineHandover (transfers). The parts share
// one TCallLine; everything about the call lives on this object and its parts, nothing at module level.

const TRANSFER_STOP_WAIT_MS = 5_000;

export class CallSession {
  private readonly status: TCallStatus = { state: "awaiting-start", isEnding: false };
  // Set once the stream's start names a call we run (begin).
  private facts: CallFacts | null = null;
  private readonly clock: TClock;
  private log: TLogger;
  private trace: TCallTrace | null = null;
  private streamStartAt = 0;
  private startedAtDate = new Date();
  private readonly outcome = new CallOutcomeTracker();
  private readonly record: CallRecord;
  private readonly conversation: ConversationLog;
  private readonly route: ProviderRoute;
  private readonly player: SpeechPlayer;
  private readonly line: TCallLine;
  private readonly lines: AgentLines;
  private readonly tools: CallTools;
  private readonly replier: Replier;
  private readonly turns: PolicyTurns;
  private readonly callerTurns: CallerTurns;
  private readonly keypad: KeypadInput;
  private readonly recording: CallRecording;
  private readonly ending: CallEnding;
  private readonly prestart = new PrestartBuffer();
  private readonly handover = new LineHandover(TRANSFER_STOP_WAIT_MS);
  // Set once the call is live.
  private audio: CallerAudio | null = null;
  private vad: TVad | null = null;
  private stt: SttInput | null = null;
  private silence: SilencePrompts | null = null;
  // The opening with the disclosure: nothing the caller does cuts it or starts a turn while it plays.
  private protectedLine: ProtectedLine | null = null;
  private closing: Promise<void> | null = null;
  private onClosedHandlers: (() => void)[] = [];

  constructor(
    private readonly transport: TCallTransport,
    private readonly services: TSessionServices,
  ) {
    const { metrics } = services;
    this.clock = services.pacer.clock;
    this.log = services.log;
    this.route = new ProviderRoute(services.providers, services.timeouts.ttsFirstByteMs);
    this.recording = new CallRecording(services.recordingsDir);
    this.record = new CallRecord({ db: services.db, metrics, log: services.log, transport, streamMs: () => this.streamMs(), onLifecycle: services.onLifecycle });
    this.conversation = new ConversationLog({ record: this.record, outcome: this.outcome, streamMs: () => this.streamMs(), now: () => this.wallNow() });
    this.player = new SpeechPlayer({
      pacer: services.pacer,
      transport,
      audioCache: services.audioCache,
      route: this.route,
      metrics,
      log: () => this.log,
      voice: () => ({ voice: this.agent.config.voice, language: this.agent.config.language }),
      streamStartAt: () => this.streamStartAt,
      recorder: () => this.recording.recorder,
      isCallLive: () => this.status.state === "live",
      onTtsError: (provider, error) => this.record.error("tts", errorKind(error), error, { provider }),
      onInterrupted: (generation, info) => {
        if (info.reason === "system") return;
        // A keypress or typing cut the agent (the policy's own clear leaves it judging the caller's sound).
        this.turns.taker?.agentQuiet();
        this.conversation.interrupted(generation, info);
      },
      onAudioStarted: (generation) => {
        this.conversation.writeCallerTurn(generation);
        this.turns.taker?.agentAudioStarted(!(this.status.isEnding || generation.isUninterruptible));
      },
      onProgress: (generation) => this.conversation.heardSoFar(generation),
      onEnded: (generation, isInterrupted) => this.onGenerationEnded(generation, isInterrupted),
      onPlayedOut: () => {
        this.turns.taker?.agentQuiet();
        this.silence?.arm();
      },
    });
    const line: TCallLine = {
      status: this.status,
      clock: this.clock,
      log: () => this.log,
      streamMs: (at) => this.streamMs(at),
      record: this.record,
      player: this.player,
      recorder: () => this.recording.recorder,
      silence: { arm: () => this.silence?.arm(), disarm: () => this.silence?.disarm(), heardCaller: () => this.silence?.heardCaller() },
      isProtectedLinePlaying: () => !!this.protectedLine?.isPlaying,
      afterProtectedLine: (action) => (this.protectedLine ? this.protectedLine.after(action) : action()),
      speakFixed: (text) => void this.lines.line("fixed", text),
    };
    this.line = line;
    this.lines = new AgentLines({
      ...line,
      voice: () => ({ agentVersionId: this.callFacts.call.agentVersionId, tts: this.route.ttsName, config: this.agent.config }),
    });
    this.ending = new CallEnding({
      ...line,
      status: this.status,
      speak: (text) => this.lines.line("fixed", text),
      say: (generation, text) => this.lines.say(generation, text),
      setEndReason: (reason) => this.outcome.setEndReason(reason),
      close: (reason) => this.close(reason),
    });
    // What a reply (and a preemptive one) is made of: the model, the conversation so far, the instructions.
    const replies = {
      player: this.player,
      route: this.route,
      clock: this.clock,
      metrics,
      agent: () => this.agent,
      conversation: () => this.conversation.messages,
      instructions: () => this.callFacts.instructions(this.wallNow()),
    };
    this.tools = new CallTools({
      db: services.db,
      outcome: this.outcome,
      record: this.record,
      facts: () => this.callFacts,
      handover: this.handover,
      player: this.player,
      say: (generation, text) => this.lines.say(generation, text),
      close: (reason) => void this.close(reason),
    });
    this.replier = new Replier({
      ...replies,
      record: this.record,
      llmFirstTokenMs: services.timeouts.llmFirstTokenMs,
      lines: this.lines,
      toolContext: (generation, spokenText) => this.tools.forReply(generation, spokenText),
      canTransfer: () => this.callFacts.canTransfer,
      onFatal: (generation) => {
        this.outcome.hasFatalError = true;
        this.ending.endReply(generation, LINES.fatal, "llm_failure");
      },
    });
    this.turns = new PolicyTurns({
      ...replies,
      canReply: () => this.status.state === "live" && !this.status.isEnding,
      event: (kind, name, data) => this.record.event(kind, name, data),
      startReply: (turn, speculative) => this.callerTurns.policyTurn(turn, speculative),
      resume: (from, pieces) => this.lines.resume(from, pieces),
      quiet: () => {
        this.turns.taker?.agentQuiet();
        if (!this.player.isBusy) this.silence?.arm();
      },
      sttEndpointingMs: () => this.route.stt.primary.streaming?.endpointingMs,
    });
    const { sttFinalMs, offlineSttFinalMs } = services.timeouts;
    this.callerTurns = new CallerTurns({
      ...line,
      metrics,
      lastTurnBudgetMs: Math.max(sttFinalMs, offlineSttFinalMs ?? 0) + 500,
      stt: () => this.stt,
      turns: this.turns,
      conversation: this.conversation,
      isTurnAfterProtectedLine: (speechEndAt) => !!this.protectedLine?.isTurn(speechEndAt, this.agent.config.interruptionMinSpeechMs),
      consentLine: (text) => this.recording.consent?.heard(text) ?? null,
      canOfferTransfer: () => this.callFacts.canOfferTransfer,
      endWithLine: (text, reason) => this.ending.endWithLine(text, reason),
      reply: (timing, answering) => this.replier.start(timing, answering),
    });
    this.keypad = new KeypadInput({
      ...line,
      consentLine: (digit) => this.recording.consent?.key(digit) ?? null,
      keys: (description) => {
        this.callerTurns.understood();
        this.conversation.callerEvent(description);
        this.replier.start(null);
      },
    });
    transport.onEvent((event) => this.onTransportEvent(event));
  }

  get callId(): string | null {
    return this.facts?.call.id ?? null;
  }

  get teamId(): string | null {
    return this.facts?.call.teamId ?? null;
  }

  get isClosed(): boolean {
    return this.status.state === "closed";
  }

  onClosed(handler: () => void): void {
    if (this.status.state === "closed") handler();
    else this.onClosedHandlers.push(handler);
  }

  // Only read once the call is known (nothing speaks, replies or runs a tool before that).
  private get callFacts(): CallFacts {
    return this.facts as CallFacts;
  }

  private get agent() {
    return this.callFacts.agent;
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
        // 50 frames a second: straight to the caller's audio (kept while the call is still being loaded).
        if (this.status.state === "live") this.audio?.push(event.audio, event.timestampMs);
        else if (this.status.state === "starting") this.prestart.frame(event);
        return;
      case "mark":
        this.player.onMark(event.name);
        return;
      case "dtmf":
        this.keypad.press(event.digit);
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
        if (this.facts) {
          this.outcome.hasFatalError = true;
          this.record.event("error", "protocol_error", { stage: "transport", kind: "protocol", message: event.reason });
        }
        void this.close("protocol_error");
        return;
    }
  }

  // A typed caller turn (the browser test call's "Type as caller"); kept until the call is live.
  submitCallerText(text: string): void {
    const cleaned = text.replace(/\s+/g, " ").trim().slice(0, 2_000);
    if (!cleaned) return;
    if (this.status.state === "starting" || this.status.state === "awaiting-start") this.prestart.text(cleaned);
    else this.callerTurns.typed(cleaned);
  }

  // ---- Start ----------------------------------------------------------------------------------------------

  private async begin(start: TStreamStart): Promise<void> {
    const { services, status } = this;
    if (status.state !== "awaiting-start") return;
    status.state = "starting";
    this.streamStartAt = this.clock.now();
    this.startedAtDate = this.wallNow();
    const vadReady = services.createVad();
    vadReady.catch(() => {});
    const loaded = await callForStream(start, dbCallLoader(services.db));
    if (status.state !== "starting") return;
    if (!loaded) {
      this.log.warn("stream for an unknown or finished call", { callId: start.callId, teamId: start.teamId });
      services.metrics.errors.inc({ stage: "transport", kind: "unknown_call" });
      this.transport.close(1008, "unknown call");
      await this.close("unknown_call");
      return;
    }
    const { call, snapshot } = loaded;
    const facts = new CallFacts(call, snapshot, start, services.callControlFor(start));
    this.facts = facts;
    const vad = await vadReady;
    if (status.state !== "starting") {
      vad.close();
      return;
    }
    this.vad = vad;
    this.log = services.log.child({ callId: call.id, teamId: call.teamId });
    this.record.log = this.log;
    this.record.attach({ teamId: call.teamId, callId: call.id });
    this.keypad.useSettings(redactionSettingsFor(services.db, call.teamId));
    const config = snapshot.config;
    this.silence = new SilencePrompts({
      ...this.line,
      timeoutMs: config.silenceTimeoutSec * 1000,
      isCallerSpeaking: () => !!this.audio?.speech,
      endWithLine: (text, reason) => this.ending.endWithLine(text, reason),
    });
    status.state = "live";
    services.metrics.callsStarted.inc();
    const { id: callId, teamId, agentVersionId } = call;
    const { clock, streamStartAt: clockStart, startedAtDate: startedAt } = this;
    this.trace = startCallTrace({ callId, teamId, agentVersionId, transport: this.transport.kind, clockStart, startedAt, clock });

    // The greeting (or after-hours message) with the disclosure after it. With a disclosure, the whole opening plays
    // to its end whatever the caller does, and the call row keeps when it finished as proof.
    const opening = this.lines.line("greeting", openingLine(config, facts.isAfterHours));
    if (config.disclosure.trim()) this.protectedLine = new ProtectedLine(opening, (g) => this.player.untilPlayed(g));
    this.record.answered(this.startedAtDate);
    this.record.event("status", "stream_started", {
      transport: this.transport.kind,
      providers: { stt: services.providers.stt.name, llm: this.route.llm.name, tts: services.providers.tts.name },
      ...(facts.isAfterHours ? { afterHours: true } : {}),
    });
    this.recording.begin(config.recordingMode, { teamId, callId }, (name, data) => this.record.event("status", name, data));
    this.ending.startLimit(config.maxCallDurationSec);
    const { audio, stt } = openCallerInput({
      ...this.line,
      vad,
      snapshot,
      isVoice: start.inputMode !== "text",
      route: this.route,
      timeouts: services.timeouts,
      turns: this.turns,
      sendInterim: (text) => this.transport.sendInterim?.(text),
      speechEnded: (speech, event) => this.callerTurns.speechEnded(speech, event),
    });
    this.audio = audio;
    this.stt = stt;
    const { frames, texts } = this.prestart.drain();
    for (const frame of frames) audio.push(frame.audio, frame.timestampMs);
    for (const text of texts) this.submitCallerText(text);
  }

  // ---- What the agent said ------------------------------------------------------------------------------

  // A generation is over (played out or cut off): what the caller heard of it joins the conversation and the record.
  private onGenerationEnded(generation: TGeneration, isInterrupted: boolean): void {
    // A preemptive first round the reply never reached (dropped or cut before its LLM round began).
    generation.prestarted?.discard();
    generation.prestarted = null;
    this.trace?.turn(generation, isInterrupted);
    if (this.protectedLine?.generation === generation) {
      this.protectedLine.ended(this.clock.now());
      if (!isInterrupted) this.record.disclosurePlayed(this.wallNow());
    }
    const heard = this.conversation.commit(generation, isInterrupted);
    if (!heard) return;
    this.turns.taker?.agentSaid(heard);
    // What the agent asked last decides whether keys typed now are sensitive.
    this.keypad.agentSaid(heard);
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
    const { status } = this;
    const wasLive = status.state === "live" || status.state === "starting";
    await this.handover.settled();
    status.state = "closing";
    this.outcome.setEndReason(reason);
    this.silence?.disarm();
    this.keypad.close();
    this.ending.stop();
    // Cut off by the hang-up: what was heard is kept.
    this.player.close();
    this.transport.close(1000, this.outcome.endReason ?? reason);
    if (wasLive) await this.callerTurns.finishLast(this.audio?.takeSpeech() ?? null);
    this.turns.leave();
    await this.stt?.close();
    this.vad?.close();
    const facts = this.facts;
    if (facts && wasLive) {
      const instructions = () => facts.instructions(this.wallNow());
      const conversation = this.conversation.messages;
      await storeMessageSoFar({ ...this.tools.facts, llmName: this.route.llm.name, instructions, conversation, now: this.wallNow() });
      const recordingPath = await this.recording.finish((error) => this.record.error("recording", "write_failed", error));
      recordCallEnd(
        { ...this.services, record: this.record, log: this.log, trace: this.trace },
        {
          call: { teamId: facts.call.teamId, callId: facts.call.id },
          reason,
          outcome: this.outcome,
          startedAt: this.startedAtDate,
          endedAt: this.wallNow(),
          voiceToVoiceMs: this.player.voiceToVoiceMs,
          recordingPath,
          turnTaking: this.turns.turnTaking(),
          isLlmFallback: this.route.isLlmFallback,
        },
      );
    }
    await this.record.flush();
    this.record.seal();
    status.state = "closed";
    for (const handler of this.onClosedHandlers.splice(0)) handler();
  }
}
