import { describe, expect, it } from "vitest";
import type { TAppendTurnInput } from "@/lib/calls/append-turn";
import { silentLogger } from "@/voice-server/observability/log";
import { createVoiceMetrics } from "@/voice-server/observability/metrics";
import { CallRecord, type TCallRecordStore } from "./call-record";
import type { TTransportTurn } from "./transport";

function setup() {
  const writes: string[] = [];
  const rows: TAppendTurnInput[] = [];
  const shown: TTransportTurn[] = [];
  const store: TCallRecordStore = {
    appendTurn: async (_db, row) => {
      writes.push(`caller turn ${row.seq}`);
      rows.push(row);
    },
    saveAgentTurn: async (_db, row) => {
      writes.push(`agent turn ${row.seq} ${row.isInterrupted ? "partial" : "final"}`);
      rows.push(row);
    },
    appendEvent: async (_db, input) => void writes.push(`event ${input.kind} ${input.name} @${input.atMs}`),
    markAnswered: async () => void writes.push("answered"),
    recordKnowledgeUsage: async (_db, input) => void writes.push(`knowledge ${input.knowledgeIds.join(",")}`),
    markDisclosurePlayed: async () => void writes.push("disclosure played"),
    finalize: async (_db, input) => void writes.push(`finalize ${input.outcome}`),
  };
  const lifecycle: string[] = [];
  const record = new CallRecord({
    db: null as never,
    metrics: createVoiceMetrics(),
    log: silentLogger,
    transport: { sendTurn: (turn) => shown.push(turn) },
    streamMs: () => 1234,
    onLifecycle: (event) => void lifecycle.push(`${event.type} ${event.teamId}/${event.callId}`),
    store,
  });
  return { record, writes, rows, shown, lifecycle };
}

const agentRow = (text: string, isInterrupted: boolean) => ({ speaker: "agent" as const, text, startMs: 0, endMs: 10, isInterrupted });

describe("CallRecord", () => {
  it("writes nothing before the call is known", async () => {
    const { record, writes } = setup();
    record.event("status", "early", {});
    record.callerTurn({ speaker: "caller", text: "hi", startMs: 0, endMs: 1, isInterrupted: false });
    await record.flush();
    expect(writes).toEqual([]);
  });

  it("writes in order, numbers turns, keeps one seq for an agent turn from its partial to its final write", async () => {
    const { record, writes, rows, shown, lifecycle } = setup();
    record.attach({ teamId: "team-1", callId: "call-1" });
    record.answered(new Date());
    const slot = { seq: null };
    record.agentTurn(slot, agentRow("Hello.", true), false);
    record.callerTurn({ speaker: "caller", text: "Hi", startMs: 0, endMs: 1, isInterrupted: false });
    record.agentTurn(slot, agentRow("Hello. How can I help?", false), true);
    record.knowledgeUsed(["k1"], new Date());
    record.knowledgeUsed([], new Date());
    record.event("status", "stream_ended", {});
    record.finalize({ status: "completed", outcome: "resolved", endReason: "caller_hangup", endedAt: new Date(), durationSec: 3 });
    record.notify("call.completed");
    await record.flush();
    expect(writes).toEqual([
      "answered",
      "agent turn 1 partial",
      "caller turn 2",
      "agent turn 1 final",
      "knowledge k1",
      "event status stream_ended @1234",
      "finalize resolved",
    ]);
    expect(lifecycle).toEqual(["call.started team-1/call-1", "call.completed team-1/call-1"]);
    expect(rows.every((r) => r.teamId === "team-1" && r.callId === "call-1")).toBe(true);
    // Shown live: the caller turn and the final agent turn, not the partial.
    expect(shown.map((t) => [t.seq, t.text])).toEqual([
      [2, "Hi"],
      [1, "Hello. How can I help?"],
    ]);
    expect(record.turns).toBe(2);
  });

  it("writes nothing more once sealed", async () => {
    const { record, writes } = setup();
    record.attach({ teamId: "t", callId: "c" });
    record.seal();
    record.event("dtmf", "1", {});
    record.agentTurn({ seq: null }, agentRow("late", false), true);
    await record.flush();
    expect(writes).toEqual([]);
  });
});
