import type { TLogger } from "@/voice-server/observability/log";
import type { TVoiceMetrics } from "@/voice-server/observability/metrics";
import type { TMulaw } from "@/voice-server/providers/types";
import type { AudioCache } from "./audio-cache";
import type { CallRecorder } from "./call-recorder";
import { allPlayed, createGeneration, type TGeneration, type TGenerationKind, type TSegment, type TTurnTiming } from "./generation";
import type { FramePacer, PacedOutput, TClock } from "./pacer";
import type { ProviderRoute } from "./provider-fallback";
import type { TCallTransport } from "./transport";

// The agent's voice on one call: text in, paced audio and marks out. Each generation's text is synthesized
// segment by segment (overlapping with the LLM stream and with playback), sent through the call's PacedOutput,
// and marked; marks coming back say what the caller heard. Interruption is a protocol here: abort synthesis,
// `clear` the far end when audio went out, drop queued frames and stale marks, keep only the played segments.
// The player knows three states a turn-taking policy needs: idle, thinking (a reply begun, no audio yet: it can be
// dropped with nothing heard), and speaking.

// One second of 8 kHz mu-law: the first array a segment's kept audio is gathered in.
const MIN_SEGMENT_AUDIO_BYTES = 8000;

export type TInterruptReason = "caller" | "dtmf" | "system";

export type TSpeechPlayerDeps = {
  pacer: FramePacer;
  transport: Pick<TCallTransport, "sendAudio" | "sendMark" | "clear" | "sendAgentSpeech">;
  audioCache: AudioCache;
  route: ProviderRoute;
  metrics: TVoiceMetrics;
  log: () => TLogger;
  voice: () => { voice: string; language: string };
  // The stream's start on the clock; stream times are ms since then.
  streamStartAt: () => number;
  recorder: () => CallRecorder | null;
  isCallLive: () => boolean;
  onTtsError(provider: string, error: unknown): void;
  onInterrupted(generation: TGeneration, info: { reason: TInterruptReason; reactionMs: number | null; hasSentAudio: boolean; droppedFrames: number }): void;
  // The generation's first audio frame went out: from now on the caller can hear it.
  onAudioStarted?(generation: TGeneration): void;
  // A segment played and more is coming: what was heard so far can go on record.
  onProgress(generation: TGeneration): void;
  // The generation is over (played out or cut off): what was heard joins the conversation and the record.
  onEnded(generation: TGeneration, isInterrupted: boolean): void;
  onPlayedOut(generation: TGeneration): void;
};

export class SpeechPlayer {
  private counter = 0;
  private generation: TGeneration | null = null;
  private clearSent = false;
  private readonly output: PacedOutput;
  private readonly clock: TClock;
  readonly voiceToVoiceMs: number[] = [];

  constructor(private readonly deps: TSpeechPlayerDeps) {
    this.clock = deps.pacer.clock;
    this.output = deps.pacer.createOutput({
      sendAudio: (audio, tag, playAtMs) => this.onAudioSent(audio, tag, playAtMs),
      sendMark: (name) => deps.transport.sendMark(name),
    });
  }

  get current(): TGeneration | null {
    return this.generation;
  }

  get isBusy(): boolean {
    return this.generation !== null && !this.generation.isDone;
  }

  // "thinking": a generation is under way and none of its audio has gone out (dropping it costs the caller nothing).
  get state(): "idle" | "thinking" | "speaking" {
    const g = this.generation;
    if (!g || g.isDone) return "idle";
    return g.firstFrameAt === null && this.output.isIdle ? "thinking" : "speaking";
  }

  private streamMs(at = this.clock.now()): number {
    return Math.max(0, Math.round(at - this.deps.streamStartAt()));
  }

  begin(kind: TGenerationKind, timing: TTurnTiming | null): TGeneration {
    if (this.isBusy) this.interrupt("system");
    const generation = createGeneration(++this.counter, kind, timing);
    this.generation = generation;
    this.clearSent = false;
    return generation;
  }

  isLive(generation: TGeneration): boolean {
    return this.generation === generation && !generation.isInterrupted && !generation.abort.signal.aborted && this.deps.isCallLive();
  }

  // Queue `text` as one segment (one mark) of `generation`. `cacheKey`: a fixed line whose audio many calls share.
  // `audio`: its audio as synthesized before (a sentence said again after a backchannel): played, not synthesized.
  speak(generation: TGeneration, text: string, message: { role: "agent"; text: string }, cacheKey?: string, audio?: readonly TMulaw[]): void {
    const segment: TSegment = {
      index: generation.segments.length,
      text,
      message,
      markName: `g${generation.id}s${generation.segments.length}`,
      state: "pending",
    };
    generation.segments.push(segment);
    generation.tts = generation.tts.then(() => this.synthesizeSegment(generation, segment, cacheKey, audio));
  }

  // Nothing more will be added: the generation ends once what was queued has played.
  async finish(generation: TGeneration): Promise<void> {
    generation.isProducing = false;
    await generation.tts;
    this.checkPlayout(generation);
  }

  // Finishing now, without waiting for synthesis (the tool has already waited for playback).
  finishNow(generation: TGeneration): void {
    generation.isProducing = false;
    this.checkPlayout(generation);
  }

  private synthesize(text: string, signal: AbortSignal, used: { provider: string }): AsyncGenerator<TMulaw> {
    return this.deps.route.synthesize(text, { ...this.deps.voice(), signal, used }, (provider, error) => this.deps.onTtsError(provider, error));
  }

  private async synthesizeSegment(generation: TGeneration, segment: TSegment, cacheKey?: string, kept?: readonly TMulaw[]): Promise<void> {
    if (!this.isLive(generation)) return;
    const tag = { generation: generation.id, segment: segment.index };
    const ttsStartAt = this.clock.now();
    const used = { provider: "" };
    const audio = kept
      ? replayAudio(kept)
      : cacheKey
      ? this.deps.audioCache.stream(
          cacheKey,
          () => this.synthesize(segment.text, AbortSignal.timeout(30_000), used),
          () => used.provider === this.deps.route.ttsName,
        )
      : this.synthesize(segment.text, generation.abort.signal, used);
    let hasAudio = false;
    // Kept for a replay once all of it is in (TSegment.audio), in an array of its own: the chunks are views into
    // Buffer's shared 64 KiB slabs, and a generation holding them for as long as it plays kept a slab alive per
    // 100 ms chunk, promoted to the old generation with it (megabytes per speaking call at hundreds of calls).
    const heard = kept ? null : new SegmentAudio();
    const play = async (chunks: AsyncIterable<TMulaw>) => {
      for await (const chunk of chunks) {
        if (!this.isLive(generation)) return;
        hasAudio = true;
        heard?.add(chunk);
        if (generation.ttsFirstByteAt === null) {
          generation.ttsFirstByteAt = this.clock.now();
          if (generation.kind === "reply") {
            this.deps.metrics.stageLatency.observe(generation.ttsFirstByteAt - ttsStartAt, { stage: "tts_first_byte" });
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
          this.deps.log().warn("sentence could not be synthesized", { error: retryError });
        });
      } else {
        // synthesize() already retried and fell back; the sentence is lost but the call goes on.
        this.deps.log().warn("sentence could not be synthesized", { error });
      }
    }
    if (!this.isLive(generation)) return;
    segment.isSynthesized = hasAudio;
    if (hasAudio) segment.audio = kept ? [...kept] : [heard!.take()];
    segment.state = "sent";
    this.output.endSegment(segment.markName, tag);
  }

  private onAudioSent(audio: Uint8Array, tag: { generation: number; segment: number }, playAtMs: number): void {
    const generation = this.generation;
    if (!generation || generation.id !== tag.generation || generation.isInterrupted) return;
    this.deps.transport.sendAudio(audio);
    const streamMs = this.streamMs(playAtMs);
    // The sentence's words go out with its first frame, so a transport that shows text shows what is being heard.
    const segment = generation.segments[tag.segment];
    if (segment && !segment.isShown) {
      segment.isShown = true;
      this.deps.transport.sendAgentSpeech?.({ generation: generation.id, segment: segment.index, text: segment.text, atMs: streamMs });
    }
    this.deps.recorder()?.agent(audio, streamMs);
    if (generation.firstFrameAt === null) {
      const now = this.clock.now();
      generation.firstFrameAt = now;
      generation.firstFrameStreamMs = streamMs;
      this.deps.onAudioStarted?.(generation);
      if (generation.kind === "greeting") this.deps.metrics.greetingStart.observe(now - this.deps.streamStartAt());
      if (generation.timing) {
        const v2v = now - generation.timing.speechEndAt;
        this.voiceToVoiceMs.push(v2v);
        this.deps.metrics.voiceToVoice.observe(v2v);
      }
    }
  }

  onMark(name: string): void {
    const match = /^g(\d+)s(\d+)$/.exec(name);
    if (!match) return;
    const generation = this.generation;
    // Echoes of marks from an interrupted generation come back on `clear`: they were never heard.
    if (!generation || generation.id !== Number(match[1]) || generation.isInterrupted || this.clearSent) return;
    const segment = generation.segments[Number(match[2])];
    if (!segment || segment.state === "played") return;
    segment.state = "played";
    generation.lastPlayedStreamMs = this.streamMs();
    this.checkPlayout(generation);
    // More to say: what was heard so far goes to the record now, so a crash mid-reply keeps it.
    if (!generation.isDone) this.deps.onProgress(generation);
  }

  private checkPlayout(generation: TGeneration): void {
    if (generation.isDone || generation.isInterrupted) return;
    if (allPlayed(generation)) {
      for (const waiter of generation.playoutWaiters.splice(0)) waiter();
    }
    if (generation.isProducing || !allPlayed(generation)) return;
    generation.isDone = true;
    this.deps.onEnded(generation, false);
    if (this.generation === generation) this.deps.onPlayedOut(generation);
  }

  // Resolves true once every segment queued so far has played, false if the generation is interrupted first.
  async untilPlayed(generation: TGeneration): Promise<boolean> {
    await generation.tts;
    if (!this.isLive(generation)) return false;
    if (allPlayed(generation)) return true;
    return new Promise<boolean>((resolve) => {
      generation.playoutWaiters.push(() => resolve(this.isLive(generation) || (this.generation === generation && !generation.isInterrupted)));
    });
  }

  // Barge-in (or any reason to stop talking now): abort the LLM and TTS, clear the far end, drop queued
  // frames and keep only what was heard.
  interrupt(reason: TInterruptReason, onsetAt?: number): void {
    const generation = this.generation;
    if (!generation || generation.isDone) return;
    generation.isInterrupted = true;
    generation.isDone = true;
    generation.abort.abort();
    const hasSentAudio = generation.firstFrameAt !== null || !this.output.isIdle;
    const droppedFrames = this.output.clear();
    if (hasSentAudio) {
      this.deps.transport.clear();
      this.clearSent = true;
      this.deps.recorder()?.eraseAgentFrom(this.streamMs());
    }
    for (const waiter of generation.playoutWaiters.splice(0)) waiter();
    const reactionMs = onsetAt !== undefined ? Math.round(this.clock.now() - onsetAt) : null;
    if (reason !== "system" && reactionMs !== null && hasSentAudio) this.deps.metrics.bargeInReaction.observe(reactionMs);
    this.deps.onInterrupted(generation, { reason, reactionMs, hasSentAudio, droppedFrames });
    this.deps.onEnded(generation, true);
  }

  // The call is ending under the agent (hang-up, shutdown): keep what was heard, say nothing more.
  close(): void {
    const generation = this.generation;
    if (generation && !generation.isDone) {
      generation.isInterrupted = true;
      generation.isDone = true;
      generation.abort.abort();
      for (const waiter of generation.playoutWaiters.splice(0)) waiter();
      this.deps.onEnded(generation, !allPlayed(generation) || generation.isProducing);
    }
    this.output.close();
  }
}

async function* replayAudio(chunks: readonly TMulaw[]): AsyncGenerator<TMulaw> {
  yield* chunks;
}

// A segment's audio gathered into one array as it streams in, grown by doubling.
class SegmentAudio {
  private bytes = new Uint8Array(0);
  private length = 0;

  add(chunk: Uint8Array): void {
    if (this.length + chunk.length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + chunk.length, MIN_SEGMENT_AUDIO_BYTES));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(chunk, this.length);
    this.length += chunk.length;
  }

  // All of it, in an array no bigger than a third over its length.
  take(): Uint8Array {
    const audio = this.bytes.subarray(0, this.length);
    return this.bytes.length - this.length > this.length / 3 ? audio.slice() : audio;
  }
}
