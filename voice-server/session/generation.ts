import type { TChatMessage, TMulaw } from "@/voice-server/providers/types";
import type { TTurnRow } from "./call-record";
import type { SpeculativeReply } from "./speculative-reply";

// One thing the agent says: the greeting, a reply (LLM rounds and tool calls), or a fixed line. Its audio goes
// out in segments, one mark each; a segment is "played" once its mark came back before any clear. Only what was
// played ever reaches the conversation and the call record.

export type TSegment = {
  index: number;
  text: string;
  // The agent message this piece of text belongs to (a reply's rounds each have one).
  message: { role: "agent"; text: string };
  markName: string;
  state: "pending" | "sent" | "played";
  // Its words went to the transport with its first audio frame (sendAgentSpeech).
  isShown?: boolean;
  // Its synthesized audio, kept while the generation plays so a sentence cut by a backchannel can be said again
  // without another TTS request; `isSynthesized` once all of it is here.
  audio?: TMulaw[];
  isSynthesized?: boolean;
};

// When the caller's turn ended, on the session's clock (ms), and where in the stream its speech was.
export type TTurnTiming = {
  speechStartStreamMs: number;
  speechEndStreamMs: number;
  speechEndAt: number;
  endpointedAt: number;
  sttFinalAt: number;
};

export type TGenerationKind = "greeting" | "reply" | "fixed";

export type TGeneration = {
  id: number;
  kind: TGenerationKind;
  abort: AbortController;
  segments: TSegment[];
  // What this generation adds to the conversation, in order (agent text, tool calls, tool results).
  messages: TChatMessage[];
  // Synthesis runs segment after segment; this is the tail of that chain.
  tts: Promise<void>;
  isProducing: boolean;
  isInterrupted: boolean;
  isDone: boolean;
  // The caller cannot cut it off (the opening with the disclosure, the last line before hanging up).
  isUninterruptible: boolean;
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
  turn: { seq: number | null };
  // A reply to a caller turn the turn-taking policy ended: the caller's words go on record once the reply is
  // audible (or over), not before, because a reply can still be dropped when the caller goes on speaking; then the
  // words stay in the caller's turn and are answered with what follows.
  callerTurn: { text: string; startMs: number; endMs: number; isWritten: boolean } | null;
  // Dropped before a sound of it was heard (the caller went on): nothing of it is kept.
  isDropped: boolean;
  // Its first LLM round was generated preemptively, before the caller's turn was over.
  prestarted: SpeculativeReply | null;
};

export function createGeneration(id: number, kind: TGenerationKind, timing: TTurnTiming | null): TGeneration {
  return {
    id,
    kind,
    abort: new AbortController(),
    segments: [],
    messages: [],
    tts: Promise.resolve(),
    isProducing: true,
    isInterrupted: false,
    isDone: false,
    isUninterruptible: false,
    timing,
    llmStartAt: null,
    llmFirstTokenAt: null,
    ttsFirstByteAt: null,
    firstFrameAt: null,
    firstFrameStreamMs: null,
    lastPlayedStreamMs: null,
    knowledgeIds: new Set(),
    playoutWaiters: [],
    turn: { seq: null },
    callerTurn: null,
    isDropped: false,
    prestarted: null,
  };
}

export function allPlayed(generation: TGeneration): boolean {
  return generation.segments.every((s) => s.state === "played");
}

// What the caller heard of `generation`, message by message (agent text only; tool calls and results are null).
export function heardOf(generation: TGeneration): { message: TChatMessage; heard: string | null }[] {
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

export function heardText(generation: TGeneration): string {
  return heardOf(generation)
    .flatMap((m) => (m.heard ? [m.heard] : []))
    .join(" ")
    .trim();
}

// The call_turns row of what the caller heard of `generation` (`text`), with each stage's latency in ms from the
// end of the caller's speech. `nowStreamMs`: where the stream is now (an interrupted turn ends here).
export function agentTurnRow(generation: TGeneration, text: string, isInterrupted: boolean, nowStreamMs: number): TTurnRow {
  const timing = generation.timing;
  const since = (at: number | null) => (timing && at !== null ? Math.max(0, Math.round(at - timing.speechEndAt)) : null);
  const knowledgeIds = [...generation.knowledgeIds];
  const startMs = generation.firstFrameStreamMs ?? nowStreamMs;
  return {
    speaker: "agent",
    text,
    startMs,
    endMs: Math.max(startMs, isInterrupted ? nowStreamMs : (generation.lastPlayedStreamMs ?? nowStreamMs)),
    isInterrupted,
    endpointingMs: timing ? Math.round(timing.endpointedAt - timing.speechEndAt) : null,
    sttFinalMs: since(timing?.sttFinalAt ?? null),
    llmFirstTokenMs: since(generation.llmFirstTokenAt),
    ttsFirstByteMs: since(generation.ttsFirstByteAt),
    firstAudioMs: since(generation.firstFrameAt),
    knowledgeIds: knowledgeIds.length > 0 ? knowledgeIds : null,
  };
}
