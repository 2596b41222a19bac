import type { TVoiceMetrics } from "@/voice-server/observability/metrics";
import type { TCallerSpeech, TSpeechEnd } from "./caller-audio";
import type { TCallLine, TCallStatus } from "./call-line";
import type { ConversationLog } from "./conversation-log";
import type { TTurnTiming } from "./generation";
import { isUnanswered, type PolicyTurns } from "./policy-turns";
import type { SpeculativeReply } from "./speculative-reply";
import { LINES } from "./spoken-lines";
import type { SttInput, SttTurn } from "./stt-turn";
import type { TurnTaker, TPolicyTurn } from "./turn-taker";

// What becomes of a caller turn once it ends: spoken (the VAD's end of speech, or the adaptive policy's decision),
// typed, or cut by the hang-up. Its words are taken from the recognizer, accepted into the conversation and
// answered (a reply, or the short acknowledgement of a consent answer); speech with no usable words gets a reprompt
// and then an offer; speech over the disclosure is heard and dropped. Turns are handled one after another, in the
// order they ended.

export type TCallerTurnsDeps = Pick<
  TCallLine,
  "status" | "clock" | "log" | "streamMs" | "record" | "player" | "silence" | "afterProtectedLine" | "speakFixed"
> & {
  metrics: Pick<TVoiceMetrics, "stageLatency">;
  // The longest the last turn's words may take to come at the hang-up.
  lastTurnBudgetMs: number;
  stt(): SttInput | null;
  turns: PolicyTurns;
  conversation: Pick<ConversationLog, "callerSaid">;
  // Speech over the disclosure that ended at `speechEndAt` still counts as a turn (it outlasted the line).
  isTurnAfterProtectedLine(speechEndAt: number): boolean;
  // The acknowledgement when `text` answers "may we record?" alone (null: a turn for the model).
  consentLine(text: string): string | null;
  // A department can take the call (the offer after speech the agent cannot make out).
  canOfferTransfer(): boolean;
  endWithLine(text: string, reason: string): Promise<void>;
  // Starts a reply; `answering`: the caller turn a policy reply answers (on record once the reply is audible).
  reply(timing: TTurnTiming | null, answering?: { text: string; prestarted: SpeculativeReply | null }): void;
};

export class CallerTurns {
  private chain: Promise<void> = Promise.resolve();
  // Caller turns in a row with speech but no usable words (reset by any turn that was understood, or keys).
  private unusableTurns = 0;

  constructor(private readonly deps: TCallerTurnsDeps) {}

  private get isLive(): boolean {
    return this.deps.status.state === "live";
  }

  // The caller did something the agent understood (keys): the reprompts start over.
  understood(): void {
    this.unusableTurns = 0;
  }

  // Caller turns are handled one after another, in the order they ended.
  private enqueue(handle: () => Promise<void> | void): void {
    this.chain = this.chain.then(handle).catch((error: unknown) => {
      this.deps.log().error("caller turn failed", { error });
    });
  }

  // The VAD heard the caller's speech end, after the agent's endpointing silence.
  speechEnded(speech: TCallerSpeech | null, event: TSpeechEnd): void {
    const now = this.deps.clock.now();
    const timing: TTurnTiming = {
      speechStartStreamMs: event.startMs,
      speechEndStreamMs: event.endMs,
      speechEndAt: now - (event.atMs - event.endMs),
      endpointedAt: now,
      sttFinalAt: now,
    };
    const hasBargedIn = speech?.hasBargedIn ?? false;
    if (speech?.isOverProtectedLine && !this.deps.isTurnAfterProtectedLine(timing.speechEndAt)) {
      this.enqueue(() => this.dropTurnOverProtectedLine());
      return;
    }
    if (this.deps.turns.taker && !speech?.isOverProtectedLine) {
      const onsetAt = speech?.onsetAt ?? timing.speechEndAt;
      this.enqueue(() => this.checkWordlessTurn(onsetAt));
      return;
    }
    this.enqueue(() => this.onTurnEnd(timing, hasBargedIn));
  }

  // The adaptive policy ended a caller turn: answer it (or, at the hang-up, keep its words).
  policyTurn(turn: TPolicyTurn, speculative: SpeculativeReply | null): void {
    const now = this.deps.clock.now();
    const timing: TTurnTiming = {
      speechStartStreamMs: turn.speechStartStreamMs,
      speechEndStreamMs: turn.speechEndStreamMs,
      speechEndAt: turn.speechEndAt,
      endpointedAt: now,
      sttFinalAt: now,
    };
    const { status } = this.deps;
    if (status.state === "closing") {
      // The caller hung up as the turn ended: the words are kept, nothing is answered.
      speculative?.discard();
      this.keepWords(turn.text, timing);
      return;
    }
    if (status.state !== "live" || status.isEnding) {
      speculative?.discard();
      return;
    }
    this.deps.metrics.stageLatency.observe(timing.endpointedAt - timing.speechEndAt, { stage: "endpointing" });
    this.unusableTurns = 0;
    this.deps.reply(timing, { text: turn.text, prestarted: speculative });
  }

  // A typed caller turn (the browser test call's "Type as caller"): a finished utterance, as if the STT engine had
  // just returned it, bypassing VAD and STT. Latency is measured from the moment it arrived.
  typed(text: string): void {
    const { status, player } = this.deps;
    if (status.state !== "live" || status.isEnding) return;
    const now = this.deps.clock.now();
    const atMs = this.deps.streamMs(now);
    const timing: TTurnTiming = { speechStartStreamMs: atMs, speechEndStreamMs: atMs, speechEndAt: now, endpointedAt: now, sttFinalAt: now };
    this.deps.silence.heardCaller();
    this.deps.afterProtectedLine(() => {
      if (status.state !== "live" || status.isEnding) return;
      // Typing over the agent cuts it off like speaking over it would.
      if (player.isBusy) player.interrupt("caller");
      this.enqueue(() => {
        if (this.isLive) this.accept(text, timing);
      });
    });
  }

  // Words (or noise) over the disclosure: heard by the recognizer so they do not bleed into the next turn, then
  // dropped; the timeline says it happened.
  private async dropTurnOverProtectedLine(): Promise<void> {
    const stt = this.deps.stt();
    if (!this.isLive || !stt) return;
    const text = stt.isDead ? "" : await this.detachedTurn(stt).finalTranscript();
    if (!this.isLive) return;
    this.deps.record.event("status", "speech_over_disclosure", { words: text.split(/\s+/).filter(Boolean).length });
    if (!this.deps.player.isBusy) this.deps.silence.arm();
  }

  // The VAD heard the caller's speech end with the adaptive policy holding no words for it: ask the engine, and if
  // no words come of it, do what the fixed policy does with a wordless turn.
  private async checkWordlessTurn(onsetAt: number): Promise<void> {
    const stt = this.deps.stt();
    const { turns } = this.deps;
    const taker = turns.taker;
    if (!this.isLive || !stt || !taker) return;
    if (stt.isDead) {
      await this.deps.endWithLine(LINES.cannotHear, "stt_failure");
      return;
    }
    if (turns.hasTurnSince(onsetAt)) return;
    const round = stt.endTurn();
    await round.finalTranscript();
    if (!this.isLive || turns.taker !== taker || turns.hasTurnSince(onsetAt) || this.deps.player.isBusy || this.deps.status.isEnding) return;
    if (!round.isNoise) this.answerUnusableSpeech(round.isUnrecognized);
    else this.deps.silence.arm();
  }

  // Ends the recognizer's turn for code outside the adaptive policy, whose answer the policy must not read.
  private detachedTurn(stt: SttInput): SttTurn {
    const turn = stt.endTurn();
    if (this.deps.turns.taker) turn.isDetached = true;
    return turn;
  }

  private async onTurnEnd(timing: TTurnTiming, hasBargedIn: boolean): Promise<void> {
    const { status, metrics } = this.deps;
    const stt = this.deps.stt();
    // "closing": the caller hung up while this turn was being recognized; its words are still kept (below).
    if ((status.state !== "live" && status.state !== "closing") || !stt) return;
    if (stt.isDead) {
      if (this.isLive) await this.deps.endWithLine(LINES.cannotHear, "stt_failure");
      return;
    }
    const turn = this.detachedTurn(stt);
    const text = await turn.finalTranscript();
    timing.sttFinalAt = this.deps.clock.now();
    if ((status.state as TCallStatus["state"]) === "closing" && text) this.keepWords(text, timing);
    if (!this.isLive) return;
    metrics.stageLatency.observe(timing.endpointedAt - timing.speechEndAt, { stage: "endpointing" });
    metrics.stageLatency.observe(timing.sttFinalAt - timing.endpointedAt, { stage: "stt_final" });
    if (!text) {
      if (this.deps.player.isBusy || status.isEnding) return;
      // The VAD heard speech but no words came out (the engine said so, or it cannot tell noise from unclear
      // speech): ask again rather than leave the caller in silence. Only what the offline engine calls noise is
      // let go, unless it cut the agent off.
      if (!turn.isNoise) this.answerUnusableSpeech(turn.isUnrecognized);
      else if (hasBargedIn) this.deps.speakFixed(LINES.didNotCatch);
      else this.deps.silence.arm();
      return;
    }
    this.accept(text, timing);
  }

  // A caller turn with speech and no usable words: a short reprompt, and from the second in a row an offer that
  // does not depend on being understood word for word (a message, or a person when a department can take the
  // call). Spoken as agent turns; nothing goes to the model as caller text.
  private answerUnusableSpeech(isFlagged: boolean): void {
    this.unusableTurns++;
    const isOffer = this.unusableTurns >= 2;
    this.deps.record.event("status", "unrecognized_speech", {
      consecutive: this.unusableTurns,
      engine: this.deps.stt()?.providerName ?? null,
      isFlagged,
      reply: isOffer ? "offer" : "reprompt",
    });
    this.deps.speakFixed(isOffer ? (this.deps.canOfferTransfer() ? LINES.hardToHearOffer : LINES.hardToHearMessage) : LINES.didNotCatch);
  }

  private accept(text: string, timing: TTurnTiming): void {
    const { player, status } = this.deps;
    // Whatever the agent is saying now answers an older turn; what was heard of it goes before this turn.
    if (player.isBusy && !status.isEnding) player.interrupt("system");
    this.unusableTurns = 0;
    this.deps.conversation.callerSaid(text, timing);
    // The answer to "may we record?" alone gets a short acknowledgement rather than a reply from the model.
    const consentLine = this.deps.consentLine(text);
    if (status.isEnding) return;
    if (consentLine) this.deps.speakFixed(consentLine);
    else this.deps.reply(timing);
  }

  // What the caller said as they hung up (a callback number, the end of a message): on record and in the
  // conversation the call ends with (the message kept at hang-up reads it), with no reply.
  private keepWords(text: string, timing: TTurnTiming): void {
    this.unusableTurns = 0;
    this.deps.conversation.callerSaid(text, timing);
  }

  // At hang-up: a caller turn still being spoken (`speech`) or recognized is finished and waited for (bounded by
  // the engine's own final budget), so the last words before the hang-up are not lost.
  async finishLast(speech: TCallerSpeech | null): Promise<void> {
    const stt = this.deps.stt();
    if (!stt || stt.isDead) return;
    const taker = this.deps.turns.taker;
    if (taker && !speech?.isOverProtectedLine) return this.finishLastPolicyTurn(stt, taker, speech?.startStreamMs ?? null);
    if (speech && !speech.isOverProtectedLine) {
      stt.speechEnded();
      const now = this.deps.clock.now();
      const endMs = this.deps.streamMs(now);
      const timing: TTurnTiming = { speechStartStreamMs: speech.startStreamMs, speechEndStreamMs: endMs, speechEndAt: now, endpointedAt: now, sttFinalAt: now };
      this.enqueue(() => this.onTurnEnd(timing, false));
    }
    await this.withinBudget(this.chain);
  }

  // At hang-up with the adaptive policy: the words it holds that no reply took, with the engine's answer for the
  // speech not yet final, are kept.
  private async finishLastPolicyTurn(stt: SttInput, taker: TurnTaker, speechStartStreamMs: number | null): Promise<void> {
    if (speechStartStreamMs === null && !(isUnanswered(taker) && taker.callerText)) return;
    await this.withinBudget(stt.endTurn().finalTranscript());
    const text = taker.callerText.trim();
    // A reply the policy started took the words (its generation kept them when the player closed).
    if (!text || !isUnanswered(taker)) return;
    const now = this.deps.clock.now();
    const endMs = this.deps.streamMs(now);
    const startMs = speechStartStreamMs ?? endMs;
    this.keepWords(text, { speechStartStreamMs: startMs, speechEndStreamMs: endMs, speechEndAt: now, endpointedAt: now, sttFinalAt: now });
  }

  private async withinBudget(work: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.deps.lastTurnBudgetMs)))]);
    clearTimeout(timer);
  }
}
