import { silentLogger } from "@/voice-server/observability/log";
import type { CallRecord } from "./call-record";
import type { CallRecorder } from "./call-recorder";
import type { TCallLine, TCallStatus } from "./call-line";
import { createGeneration, type TGeneration, type TGenerationKind, type TTurnTiming } from "./generation";
import type { SpeechPlayer } from "./speech-player";

// Fakes of what a session's parts share (TCallLine), for their unit tests: every call a part makes is written down
// in `calls`, in order, so a test asserts what the part did to the call.

export type TLineCall =
  | { type: "event"; kind: string; name: string; data: Record<string, unknown>; atMs?: number }
  | { type: "error"; stage: string; kind: string }
  | { type: "caller-turn"; text: string; startMs: number; endMs: number }
  | { type: "interrupt"; reason: string; onsetAt?: number }
  | { type: "begin"; kind: TGenerationKind }
  | { type: "speak"; text: string; cacheKey?: string; hasAudio: boolean }
  | { type: "finish" }
  | { type: "fixed"; text: string }
  | { type: "silence"; action: "arm" | "disarm" | "heardCaller" }
  | { type: "silence-caller"; fromMs: number; toMs: number }
  | { type: "caller-audio"; bytes: number; atMs: number };

export class FakePlayer {
  current: TGeneration | null = null;
  // "thinking" until audio goes out; tests set it.
  hasAudio = false;
  private counter = 0;

  constructor(private readonly calls: TLineCall[]) {}

  get isBusy(): boolean {
    return this.current !== null && !this.current.isDone;
  }

  get state(): "idle" | "thinking" | "speaking" {
    if (!this.isBusy) return "idle";
    return this.hasAudio ? "speaking" : "thinking";
  }

  // The agent is saying something (a generation of `kind`, audible or not yet).
  talk(kind: TGenerationKind = "reply", options: { isUninterruptible?: boolean; hasAudio?: boolean } = {}): TGeneration {
    const generation = createGeneration(++this.counter, kind, null);
    generation.isUninterruptible = options.isUninterruptible ?? false;
    this.current = generation;
    this.hasAudio = options.hasAudio ?? true;
    return generation;
  }

  isLive(generation: TGeneration): boolean {
    return this.current === generation && !generation.isInterrupted && !generation.abort.signal.aborted;
  }

  interrupt(reason: string, onsetAt?: number): void {
    if (!this.isBusy) return;
    this.calls.push({ type: "interrupt", reason, ...(onsetAt !== undefined ? { onsetAt } : {}) });
    const generation = this.current as TGeneration;
    generation.isInterrupted = true;
    generation.isDone = true;
  }

  begin(kind: TGenerationKind, timing: TTurnTiming | null): TGeneration {
    this.calls.push({ type: "begin", kind });
    const generation = createGeneration(++this.counter, kind, timing);
    this.current = generation;
    this.hasAudio = false;
    return generation;
  }

  speak(generation: TGeneration, text: string, message: { role: "agent"; text: string }, cacheKey?: string, audio?: readonly Uint8Array[]): void {
    generation.segments.push({ index: generation.segments.length, text, message, markName: `g${generation.id}s${generation.segments.length}`, state: "pending" });
    this.calls.push({ type: "speak", text, ...(cacheKey !== undefined ? { cacheKey } : {}), hasAudio: audio !== undefined });
  }

  async finish(generation: TGeneration): Promise<void> {
    generation.isProducing = false;
    this.calls.push({ type: "finish" });
  }

  // The current generation played to its end.
  playOut(): void {
    if (this.current) this.current.isDone = true;
  }
}

export function fakeLine(options: { isRecording?: boolean } = {}) {
  const calls: TLineCall[] = [];
  const clock = { t: 10_000, now: () => clock.t };
  const status: TCallStatus = { state: "live", isEnding: false };
  const player = new FakePlayer(calls);
  const record = {
    event: (kind: string, name: string, data: Record<string, unknown>, atMs?: number) =>
      calls.push({ type: "event", kind, name, data, ...(atMs !== undefined ? { atMs } : {}) }),
    error: (stage: string, kind: string) => calls.push({ type: "error", stage, kind }),
    callerTurn: (turn: { text: string; startMs: number; endMs: number }) =>
      calls.push({ type: "caller-turn", text: turn.text, startMs: turn.startMs, endMs: turn.endMs }),
  };
  const recorder = {
    caller: (audio: Uint8Array, atMs: number) => calls.push({ type: "caller-audio", bytes: audio.length, atMs }),
    silenceCaller: (fromMs: number, toMs: number) => calls.push({ type: "silence-caller", fromMs, toMs }),
  };
  const protectedLine = { isPlaying: false, waiting: [] as (() => void)[] };
  const line: TCallLine = {
    status,
    clock,
    log: () => silentLogger,
    // The stream started at 0 on the session clock.
    streamMs: (at = clock.now()) => Math.max(0, Math.round(at)),
    record: record as unknown as CallRecord,
    player: player as unknown as SpeechPlayer,
    recorder: () => (options.isRecording === false ? null : (recorder as unknown as CallRecorder)),
    silence: {
      arm: () => calls.push({ type: "silence", action: "arm" }),
      disarm: () => calls.push({ type: "silence", action: "disarm" }),
      heardCaller: () => calls.push({ type: "silence", action: "heardCaller" }),
    },
    isProtectedLinePlaying: () => protectedLine.isPlaying,
    afterProtectedLine: (action) => (protectedLine.isPlaying ? protectedLine.waiting.push(action) : action()),
    speakFixed: (text) => calls.push({ type: "fixed", text }),
  };
  // The disclosure finished playing: what waited for it runs.
  const protectedLineEnded = () => {
    protectedLine.isPlaying = false;
    for (const action of protectedLine.waiting.splice(0)) action();
  };
  const of = <T extends TLineCall["type"]>(type: T) => calls.filter((c): c is Extract<TLineCall, { type: T }> => c.type === type);
  return { line, calls, of, clock, status, player, protectedLine, protectedLineEnded };
}
