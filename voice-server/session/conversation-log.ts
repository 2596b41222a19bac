import type { TChatMessage } from "@/voice-server/providers/types";
import type { CallOutcomeTracker } from "./call-outcome";
import type { CallRecord } from "./call-record";
import { agentTurnRow, heardOf, heardText, type TGeneration, type TTurnTiming } from "./generation";
import type { TInterruptReason } from "./speech-player";

// What was said on the call, and only that: the conversation the model reads and the turns on record. Caller
// turns go in as they are accepted (or, for a reply the policy may still drop, once the reply is audible); an agent
// generation goes in as what the caller heard of it, clause by clause, when it ends.

export type TConversationLogDeps = {
  record: Pick<CallRecord, "callerTurn" | "agentTurn" | "knowledgeUsed" | "event">;
  outcome: Pick<CallOutcomeTracker, "callerTurns">;
  // Where the stream is now (ms since it started), and the wall clock.
  streamMs(): number;
  now(): Date;
};

export class ConversationLog {
  readonly messages: TChatMessage[] = [];

  constructor(private readonly deps: TConversationLogDeps) {}

  // An accepted caller turn (or the last words before a hang-up): in the conversation and on record.
  callerSaid(text: string, timing: Pick<TTurnTiming, "speechStartStreamMs" | "speechEndStreamMs">): void {
    this.deps.outcome.callerTurns++;
    this.messages.push({ role: "caller", text });
    this.deps.record.callerTurn({ speaker: "caller", text, startMs: timing.speechStartStreamMs, endMs: timing.speechEndStreamMs, isInterrupted: false });
  }

  // Something the caller did that is not words (keys pressed), for the model to read.
  callerEvent(text: string): void {
    this.messages.push({ role: "event", text });
  }

  // The caller's words a reply answers, on record once the reply is audible (or over without being dropped).
  writeCallerTurn(generation: TGeneration): void {
    const turn = generation.callerTurn;
    if (!turn || turn.isWritten || generation.isDropped) return;
    turn.isWritten = true;
    this.deps.outcome.callerTurns++;
    this.deps.record.callerTurn({ speaker: "caller", text: turn.text, startMs: turn.startMs, endMs: turn.endMs, isInterrupted: false });
  }

  // The caller cut the agent off (speech, keys, typing): the timeline says what they had heard by then.
  interrupted(generation: TGeneration, info: { reason: TInterruptReason; reactionMs: number | null; droppedFrames: number }): void {
    this.deps.record.event("barge_in", info.reason, {
      generation: generation.kind,
      reactionMs: info.reactionMs,
      heard: generation.segments.filter((s) => s.state === "played").map((s) => s.text).join(" "),
      unheard: generation.segments.filter((s) => s.state !== "played").map((s) => s.text).join(" "),
      droppedFrames: info.droppedFrames,
    });
  }

  // The turn so far, marked interrupted until it completes: what a crash now would leave.
  heardSoFar(generation: TGeneration): void {
    const text = heardText(generation);
    if (text) this.deps.record.agentTurn(generation.turn, agentTurnRow(generation, text, true, this.deps.streamMs()), false);
  }

  // Adds what the caller heard of the ended `generation` to the conversation and the record; returns that text
  // ("" when nothing of it was heard whole).
  commit(generation: TGeneration, isInterrupted: boolean): string {
    this.writeCallerTurn(generation);
    const texts: string[] = [];
    for (const { message, heard } of heardOf(generation)) {
      // A dropped reply's caller words are still in the caller's turn: the next reply takes them.
      if (message.role === "caller" && generation.isDropped) continue;
      if (message.role !== "agent") this.messages.push(message);
      else if (heard) {
        this.messages.push({ role: "agent", text: heard });
        texts.push(heard);
      }
    }
    generation.messages = [];
    const text = texts.join(" ").trim();
    if (!text) {
      // Cut inside its first clause: the caller heard the start of it, so the transcript keeps the turn, marked
      // interrupted, with no words (none of its clauses played to the end).
      if (isInterrupted && generation.firstFrameAt !== null) {
        this.deps.record.agentTurn(generation.turn, agentTurnRow(generation, "", true, this.deps.streamMs()), true);
      }
      return "";
    }
    const row = agentTurnRow(generation, text, isInterrupted, this.deps.streamMs());
    this.deps.record.agentTurn(generation.turn, row, true);
    this.deps.record.knowledgeUsed(row.knowledgeIds ?? [], this.deps.now());
    return text;
  }
}
