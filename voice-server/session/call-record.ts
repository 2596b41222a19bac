import type { Db } from "@/db/client";
import { appendCallEvent, type TAppendEventInput, type TCallEventKind } from "@/lib/calls/append-event";
import { appendCallTurn, saveAgentTurn, type TAppendTurnInput } from "@/lib/calls/append-turn";
import { markCallAnswered } from "@/lib/calls/create-call";
import { finalizeCall, type TFinalizeCallInput } from "@/lib/calls/finalize-call";
import { markDisclosurePlayed } from "@/lib/calls/mark-disclosure-played";
import { recordKnowledgeUsage } from "@/lib/calls/record-knowledge-usage";
import type { TLogger } from "@/voice-server/observability/log";
import type { TVoiceMetrics } from "@/voice-server/observability/metrics";
import { ProviderError } from "@/voice-server/providers/types";
import type { TCallTransport } from "./transport";
import { WriteQueue } from "./write-queue";

// The call's record: turns, events and the final row, written in order through one WriteQueue (a turn before the
// call is finalized, retried on transient errors) and shown live to transports that want them. Nothing here
// decides what happened on the call; the session tells it. The crash-recovery heartbeat is not per call: the
// server touches every live call in one statement (voice-server/server.ts, lib/calls/heartbeat.ts).

export type TTurnRow = Omit<TAppendTurnInput, "teamId" | "callId" | "seq">;

// The database writes, replaceable in unit tests.
export type TCallRecordStore = {
  appendTurn(db: Db, row: TAppendTurnInput): Promise<void>;
  saveAgentTurn(db: Db, row: TAppendTurnInput): Promise<void>;
  appendEvent(db: Db, input: TAppendEventInput): Promise<void>;
  markAnswered(db: Db, input: { teamId: string; callId: string; answeredAt: Date }): Promise<void>;
  recordKnowledgeUsage(db: Db, input: { teamId: string; knowledgeIds: string[]; at: Date }): Promise<void>;
  markDisclosurePlayed(db: Db, input: { teamId: string; callId: string; playedAt: Date }): Promise<void>;
  finalize(db: Db, input: TFinalizeCallInput): Promise<void>;
};

export const dbCallRecordStore: TCallRecordStore = {
  appendTurn: appendCallTurn,
  saveAgentTurn,
  appendEvent: appendCallEvent,
  markAnswered: markCallAnswered,
  recordKnowledgeUsage,
  markDisclosurePlayed,
  finalize: finalizeCall,
};

export type TCallLifecycleEvent = { type: "call.started" | "call.completed"; teamId: string; callId: string };

// An agent turn keeps one seq from its first partial write (what was heard so far) to its final one.
export type TAgentTurnSlot = { seq: number | null };

export function errorKind(error: unknown): string {
  if (error instanceof ProviderError) return error.kind;
  if (error instanceof Error && error.name === "TimeoutError") return "timeout";
  return "unavailable";
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class CallRecord {
  private readonly writes: WriteQueue;
  private ids: { teamId: string; callId: string } | null = null;
  private isSealed = false;
  private lastSeq = 0;
  log: TLogger;

  constructor(
    private readonly deps: {
      db: Db;
      metrics: TVoiceMetrics;
      log: TLogger;
      transport: Pick<TCallTransport, "sendTurn" | "sendCallEvent">;
      // Milliseconds since the stream started, for event times.
      streamMs(): number;
      onLifecycle?: (event: TCallLifecycleEvent) => Promise<void> | void;
      store?: TCallRecordStore;
      writeQueue?: WriteQueue;
    },
  ) {
    this.log = deps.log;
    this.writes =
      deps.writeQueue ??
      new WriteQueue({
        onRetry: (name, attempt, error) => {
          deps.metrics.dbWriteRetries.inc();
          this.log.warn("call record write retried", { write: name, attempt, error });
        },
        onGiveUp: (name, error) => {
          deps.metrics.errors.inc({ stage: "db", kind: "write_failed" });
          this.log.error("call record write failed", { write: name, error });
        },
      });
  }

  private get store(): TCallRecordStore {
    return this.deps.store ?? dbCallRecordStore;
  }

  // Turns written so far (caller turns and agent turns, partial ones counted once).
  get turns(): number {
    return this.lastSeq;
  }

  // From here on writes go to this call's rows.
  attach(ids: { teamId: string; callId: string }): void {
    this.ids = ids;
  }

  // After close: nothing more is written (a late callback must not add a turn to a finalized call).
  seal(): void {
    this.isSealed = true;
  }

  private target(): { teamId: string; callId: string } | null {
    return this.isSealed ? null : this.ids;
  }

  answered(answeredAt: Date): void {
    const ids = this.target();
    if (!ids) return;
    this.writes.push("call answered", () => this.store.markAnswered(this.deps.db, { ...ids, answeredAt }));
    this.notify("call.started");
  }

  // Queued behind the call's own writes, so listeners see the row they are told about.
  notify(type: TCallLifecycleEvent["type"]): void {
    const listener = this.deps.onLifecycle;
    const ids = this.ids;
    if (listener && ids) this.writes.push(`notify ${type}`, async () => listener({ type, ...ids }));
  }

  callerTurn(turn: TTurnRow): void {
    const ids = this.target();
    if (!ids) return;
    const row: TAppendTurnInput = { ...turn, ...ids, seq: ++this.lastSeq };
    this.writes.push(`turn ${row.seq}`, () => this.store.appendTurn(this.deps.db, row));
    this.show(row);
  }

  // An agent turn under the seq its slot took on its first write; shown live only once it is final.
  agentTurn(slot: TAgentTurnSlot, turn: TTurnRow, isFinal: boolean): void {
    const ids = this.target();
    if (!ids) return;
    slot.seq ??= ++this.lastSeq;
    const row: TAppendTurnInput = { ...turn, ...ids, seq: slot.seq };
    this.writes.push(`turn ${row.seq}`, () => this.store.saveAgentTurn(this.deps.db, row));
    if (isFinal) this.show(row);
  }

  // The disclosure line played to its end (proof on the call row, and an event on its timeline).
  disclosurePlayed(playedAt: Date): void {
    const ids = this.target();
    if (!ids) return;
    this.writes.push("disclosure played", () => this.store.markDisclosurePlayed(this.deps.db, { ...ids, playedAt }));
    this.event("status", "disclosure_played", {});
  }

  knowledgeUsed(knowledgeIds: string[], at: Date): void {
    const ids = this.target();
    if (!ids || knowledgeIds.length === 0) return;
    this.writes.push("knowledge usage", () => this.store.recordKnowledgeUsage(this.deps.db, { teamId: ids.teamId, knowledgeIds, at }));
  }

  // `atMs`: when it happened, if earlier than now (keys are written once their run is complete).
  event(kind: TCallEventKind, name: string, data: Record<string, unknown>, atMs = this.deps.streamMs()): void {
    const ids = this.target();
    if (!ids) return;
    this.writes.push(`event ${kind}`, () => this.store.appendEvent(this.deps.db, { ...ids, atMs, kind, name, data }));
    this.deps.transport.sendCallEvent?.({ kind, name, atMs, data });
  }

  error(stage: string, kind: string, error: unknown, data: Record<string, unknown> = {}): void {
    this.deps.metrics.errors.inc({ stage, kind });
    this.log.warn(`${stage} error`, { kind, error, ...data });
    this.event("error", `${stage}_${kind}`, { stage, kind, message: errorMessage(error).slice(0, 500), ...data });
  }

  finalize(input: Omit<TFinalizeCallInput, "teamId" | "callId">): void {
    const ids = this.target();
    if (!ids) return;
    this.writes.push("finalize call", () => this.store.finalize(this.deps.db, { ...ids, ...input }));
  }

  // Anything else that must happen after the writes queued so far (moving the recording once the row names it).
  then(name: string, task: () => Promise<void> | void): void {
    this.writes.push(name, async () => task());
  }

  flush(): Promise<void> {
    return this.writes.flush();
  }

  private show(row: TAppendTurnInput): void {
    this.deps.transport.sendTurn?.({
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
}
