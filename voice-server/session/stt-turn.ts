import { ArrayPool } from "@/voice-server/audio/array-pool";
import { AudioHistory } from "@/voice-server/audio/frames";
import { FRAME_BYTES, FRAME_MS } from "@/lib/audio/mulaw";
import type { TMulaw, TSttEvent, TSttProvider, TSttStream, TSttVocabulary } from "@/voice-server/providers/types";

// Speech to text for one call. The connection (SttInput) lives for the whole call: it is fed every caller frame,
// keeps the last seconds of audio, and when its engine fails mid-call it opens the offline one and replays the
// current turn into it. What the engine heard is collected per caller turn (SttTurn): the session ends a turn
// with endTurn() and awaits its one finalTranscript(). A turn can be ended early (before the endpointing silence
// has run out) by a turn-taking policy that wants the final sooner: recognition goes on after a finalize.

// Caller audio kept for a replacement STT engine: up to 10 s, from just before the current turn's speech.
const STT_REPLAY_FRAMES = 500;
// 80 KB each, for the life of a call: reused across calls (see ArrayPool).
const STT_REPLAY_RINGS = new ArrayPool<Uint8Array>(STT_REPLAY_FRAMES * FRAME_BYTES, (length) => new Uint8Array(length));
const STT_PREROLL_FRAMES = 15;

// What the engine heard of one caller turn. Resolves once, with the finals joined (or the last interim when no
// final came): on the engine's answer to the finalize, on the timeout, or when the engine is gone.
export class SttTurn {
  private finals: string[] = [];
  private interimText = "";
  private settle!: (text: string) => void;
  private readonly transcript: Promise<string>;
  private timer: NodeJS.Timeout | null = null;
  isFinalizing = false;
  isSettled = false;
  // The engine said the caller spoke but no usable words came out (only engines that can tell say so).
  isUnrecognized = false;
  // The engine answered the finalize with an empty final and no such flag: what it heard was noise, not speech.
  // Only trusted from the offline engine, which flags unrecognized speech; others cannot tell the two apart.
  isNoise = false;
  // Ended by code outside the turn-taking policy (words over the disclosure, a turn that began over it): what the
  // engine says of it is not fed to the policy.
  isDetached = false;

  constructor() {
    this.transcript = new Promise((resolve) => (this.settle = resolve));
  }

  get interim(): string {
    return this.interimText;
  }

  // What was heard so far.
  get text(): string {
    const parts = this.finals.length > 0 ? this.finals : this.interimText ? [this.interimText] : [];
    return parts.join(" ").replace(/\s+/g, " ").trim();
  }

  finalTranscript(): Promise<string> {
    return this.transcript;
  }

  /** @internal */
  hear(event: Extract<TSttEvent, { type: "interim" | "final" }>): void {
    if (event.type === "interim") {
      this.interimText = event.text;
      return;
    }
    if (event.text.trim()) this.finals.push(event.text.trim());
    else if (event.isUnrecognized) this.isUnrecognized = true;
    this.interimText = "";
  }

  /** @internal Forgets what was heard (an answer that belongs to no turn, or a replay into a new engine). */
  reset(): void {
    this.finals = [];
    this.interimText = "";
    this.isUnrecognized = false;
    this.isNoise = false;
  }

  /** @internal */
  armTimeout(ms: number, onTimeout: () => void): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(onTimeout, ms);
  }

  /** @internal */
  resolve(text = this.text): void {
    if (this.isSettled) return;
    this.isSettled = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.settle(text);
  }
}

export type TSttInputDeps = {
  primary: TSttProvider;
  offline: TSttProvider;
  language: string;
  phrases: string[];
  vocabulary?: TSttVocabulary;
  // How long a finalize may wait for its final: finalTimeoutMs for a cloud engine, offlineFinalTimeoutMs (when
  // given) for the offline engine, whose local decode of a long turn on a loaded machine takes longer.
  finalTimeoutMs: number;
  offlineFinalTimeoutMs?: number;
  // False once the call is closing: late callbacks of the engine do nothing.
  isLive(): boolean;
  onInterim?(text: string): void;
  // Every interim or final of the current turn, for a turn-taking policy that reads the words as they come.
  onHeard?(turn: SttTurn): void;
  // Every interim, final and utterance-end as the engine sent it (answers to timed-out finalizes excepted), with
  // the turn it was heard in: what a turn-taking policy reads.
  onResult?(event: Extract<TSttEvent, { type: "interim" | "final" | "utterance-end" }>, turn: SttTurn): void;
  onError(kind: "timeout" | "engine", error: unknown, data: { provider?: string; isFatal?: boolean }): void;
  onFallback(from: string, to: string): void;
};

export class SttInput {
  private stream: TSttStream | null = null;
  private provider: TSttProvider | null = null;
  private opening: Promise<void> | null = null;
  private readonly abort = new AbortController();
  private pendingFrames: TMulaw[] = [];
  // Ring buffer of the latest caller frames; slot i holds frame number i modulo its size.
  private readonly replay = new AudioHistory(STT_REPLAY_RINGS.take());
  private replayFromPosition = 0;
  private isReleased = false;
  // Answers to finalizes whose turn already timed out: they belong to no turn.
  private staleFinalizes = 0;
  private isCallerSpeaking = false;
  private current = new SttTurn();
  isDead = false;

  constructor(private readonly deps: TSttInputDeps) {}

  get turn(): SttTurn {
    return this.current;
  }

  get providerName(): string | undefined {
    return this.provider?.name;
  }

  // The engine in use streams (see TSttProvider.streaming): early finalizes cost nothing.
  get isStreaming(): boolean {
    return (this.provider ?? this.deps.primary).streaming !== undefined && !this.isDead;
  }

  // Whether a finalize is waiting for its answer.
  get isFinalizing(): boolean {
    return this.current.isFinalizing;
  }

  open(): Promise<void> {
    return this.openWith(this.deps.primary);
  }

  push(audio: TMulaw): void {
    this.replay.push(audio);
    if (this.stream) {
      try {
        this.stream.push(audio);
      } catch (error) {
        if (this.provider) this.fail(this.provider, error);
      }
    } else if (!this.isDead && this.pendingFrames.length < STT_REPLAY_FRAMES * 2) {
      // A copy: the frame is a view into one of Buffer's shared 64 KiB slabs, which a kept view would hold alive.
      this.pendingFrames.push(new Uint8Array(audio));
    }
  }

  // Speech began `msAgo` ago (the current frame already pushed): a replay starts a little before it.
  speechStarted(msAgo: number): void {
    this.isCallerSpeaking = true;
    const framesBack = Math.ceil(msAgo / FRAME_MS) + STT_PREROLL_FRAMES + 1;
    this.replayFromPosition = this.replay.position - framesBack * FRAME_BYTES;
  }

  speechEnded(): void {
    this.isCallerSpeaking = false;
  }

  // Asks the engine for the current turn's final transcript; words heard after its answer go to the next turn.
  endTurn(): SttTurn {
    const turn = this.current;
    if (!turn.isFinalizing) {
      turn.isFinalizing = true;
      void this.finalize(turn);
    }
    return turn;
  }

  // The final's budget for the engine in use.
  private finalTimeoutMs(): number {
    const { offline, offlineFinalTimeoutMs, finalTimeoutMs } = this.deps;
    return this.provider === offline && offlineFinalTimeoutMs !== undefined ? offlineFinalTimeoutMs : finalTimeoutMs;
  }

  private async finalize(turn: SttTurn): Promise<void> {
    if (!this.stream && this.opening) {
      // The caller finished a turn before the STT connection was up; its audio is buffered for it.
      await Promise.race([this.opening, new Promise((r) => setTimeout(r, this.finalTimeoutMs()))]);
    }
    const stream = this.stream;
    if (!stream) return this.complete(turn);
    this.armFinalTimeout(turn);
    try {
      stream.finalize();
    } catch (error) {
      if (this.provider) this.fail(this.provider, error);
    }
  }

  private armFinalTimeout(turn: SttTurn): void {
    const timeoutMs = this.finalTimeoutMs();
    turn.armTimeout(timeoutMs, () => {
      this.staleFinalizes++;
      this.deps.onError("timeout", new Error(`no final transcript within ${timeoutMs} ms`), { provider: this.provider?.name });
      this.complete(turn);
    });
  }

  private complete(turn: SttTurn, text?: string): void {
    turn.resolve(text);
    if (this.current === turn) this.current = new SttTurn();
  }

  private openWith(provider: TSttProvider): Promise<void> {
    const opening = this.connect(provider).finally(() => {
      if (this.opening === opening) this.opening = null;
    });
    this.opening = opening;
    return opening;
  }

  private async connect(provider: TSttProvider): Promise<void> {
    if (!this.deps.isLive()) return;
    this.provider = provider;
    try {
      const stream = await provider.open({
        language: this.deps.language,
        phrases: this.deps.phrases,
        vocabulary: this.deps.vocabulary,
        signal: this.abort.signal,
      });
      if (!this.deps.isLive()) {
        await stream.close().catch(() => {});
        return;
      }
      this.stream = stream;
      for (const frame of this.pendingFrames.splice(0)) stream.push(frame);
      void this.consume(stream, provider);
    } catch (error) {
      this.fail(provider, error);
    }
  }

  private async consume(stream: TSttStream, provider: TSttProvider): Promise<void> {
    try {
      for await (const event of stream.events) {
        if (this.stream !== stream) return;
        this.onEvent(event, provider);
        if (this.stream !== stream) return;
      }
      if (this.stream === stream && this.deps.isLive()) this.fail(provider, new Error("STT stream ended"));
    } catch (error) {
      if (this.stream === stream && this.deps.isLive()) this.fail(provider, error);
    }
  }

  private onEvent(event: TSttEvent, provider: TSttProvider): void {
    if (event.type === "error") {
      this.deps.onError("engine", event.error, { provider: provider.name, isFatal: event.isFatal });
      if (event.isFatal) this.fail(provider, event.error, true);
      return;
    }
    const turn = this.current;
    if (event.type === "utterance-end") {
      this.deps.onResult?.(event, turn);
      return;
    }
    turn.hear(event);
    if (event.type === "interim") this.deps.onInterim?.(event.text);
    if (event.type === "final" && event.isFromFinalize) {
      if (this.staleFinalizes > 0) {
        // The answer to a finalize that already timed out: that turn has moved on without it.
        this.staleFinalizes--;
        turn.reset();
        return;
      }
      if (turn.isFinalizing) {
        turn.isNoise = provider === this.deps.offline && !event.text.trim() && !event.isUnrecognized && !turn.text;
        this.deps.onResult?.(event, turn);
        return this.complete(turn);
      }
    }
    this.deps.onResult?.(event, turn);
    this.deps.onHeard?.(turn);
  }

  // The engine failed: the offline engine takes over and hears the current turn again from the kept audio (and
  // answers a finalize the old engine left hanging). When the offline engine itself fails, the input is dead.
  private fail(provider: TSttProvider, error: unknown, isRecorded = false): void {
    if (this.provider !== provider || !this.deps.isLive()) return;
    if (!isRecorded) this.deps.onError("engine", error, { provider: provider.name, isFatal: true });
    const old = this.stream;
    this.stream = null;
    void old?.close().catch(() => {});
    const offline = this.deps.offline;
    const turn = this.current;
    if (provider === offline) {
      this.isDead = true;
      this.provider = null;
      if (turn.isFinalizing) this.complete(turn);
      return;
    }
    this.deps.onFallback(provider.name, offline.name);
    const isInTurn = turn.isFinalizing || this.isCallerSpeaking;
    this.staleFinalizes = 0;
    turn.reset();
    const audio = isInTurn ? this.replay.since(this.replayFromPosition) : new Uint8Array(0);
    this.pendingFrames = audio.length > 0 ? [audio] : [];
    const isFinalizing = turn.isFinalizing && !turn.isSettled;
    void this.openWith(offline).then(() => {
      if (!isFinalizing || turn.isSettled || !this.stream) return;
      // The offline engine decodes the replayed turn from the start: it gets its own budget, not what was left
      // of the failed engine's.
      this.armFinalTimeout(turn);
      this.stream.finalize();
    });
  }

  // Ends recognition: a turn still waiting gets nothing (the call is over), the engine is closed (bounded).
  async close(): Promise<void> {
    if (this.current.isFinalizing) this.complete(this.current, "");
    const stream = this.stream;
    this.stream = null;
    this.provider = null;
    this.abort.abort();
    await Promise.race([stream?.close().catch(() => {}), new Promise((r) => setTimeout(r, 1_000))]);
    if (!this.isReleased) {
      this.isReleased = true;
      STT_REPLAY_RINGS.give(this.replay.release());
    }
  }
}
