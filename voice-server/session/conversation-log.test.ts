import { describe, expect, it } from "vitest";
import { CallOutcomeTracker } from "./call-outcome";
import type { CallRecord, TTurnRow } from "./call-record";
import { ConversationLog } from "./conversation-log";
import { createGeneration, type TGeneration } from "./generation";

function setup() {
  const turns: { kind: "caller" | "agent"; row: TTurnRow; isFinal?: boolean }[] = [];
  const events: { kind: string; name: string; data: Record<string, unknown> }[] = [];
  const knowledge: string[][] = [];
  const record = {
    callerTurn: (row: TTurnRow) => turns.push({ kind: "caller", row }),
    agentTurn: (_slot: unknown, row: TTurnRow, isFinal: boolean) => turns.push({ kind: "agent", row, isFinal }),
    knowledgeUsed: (ids: string[]) => knowledge.push(ids),
    event: (kind: string, name: string, data: Record<string, unknown>) => events.push({ kind, name, data }),
  } as unknown as CallRecord;
  const outcome = new CallOutcomeTracker();
  const log = new ConversationLog({ record, outcome, streamMs: () => 5_000, now: () => new Date("2026-01-01T10:00:00Z") });
  return { log, turns, events, knowledge, outcome };
}

// A reply of two clauses in one message; `played` of them came back as heard.
function reply(texts: string[], played: number): TGeneration {
  const generation = createGeneration(1, "reply", null);
  const message = { role: "agent" as const, text: texts.join(" ") };
  generation.messages.push(message);
  texts.forEach((text, index) => {
    generation.segments.push({ index, text, message, markName: `g1s${index}`, state: index < played ? "played" : "sent" });
  });
  generation.firstFrameAt = 100;
  generation.firstFrameStreamMs = 4_000;
  return generation;
}

describe("ConversationLog", () => {
  it("an accepted caller turn goes to the conversation and on record, and counts for the call's outcome", () => {
    const { log, turns, outcome } = setup();
    log.callerSaid("I'd like to book a cleaning.", { speechStartStreamMs: 1_000, speechEndStreamMs: 2_500 });
    expect(log.messages).toEqual([{ role: "caller", text: "I'd like to book a cleaning." }]);
    expect(turns[0]?.row).toMatchObject({ speaker: "caller", startMs: 1_000, endMs: 2_500, isInterrupted: false });
    expect(outcome.callerTurns).toBe(1);
  });

  it("only what the caller heard of a reply joins the conversation; the cut turn is on record as interrupted", () => {
    const { log, turns, knowledge } = setup();
    const generation = reply(["We open at nine.", "On Saturdays we open at ten."], 1);
    generation.knowledgeIds.add("k1");
    expect(log.commit(generation, true)).toBe("We open at nine.");
    expect(log.messages).toEqual([{ role: "agent", text: "We open at nine." }]);
    expect(turns).toEqual([{ kind: "agent", row: expect.objectContaining({ text: "We open at nine.", isInterrupted: true, endMs: 5_000 }), isFinal: true }]);
    expect(knowledge).toEqual([["k1"]]);
  });

  it("a reply cut inside its first clause stays in the transcript with no words; one never heard leaves nothing", () => {
    const { log, turns } = setup();
    expect(log.commit(reply(["Sure, let me check that for you."], 0), true)).toBe("");
    expect(turns).toEqual([{ kind: "agent", row: expect.objectContaining({ text: "", isInterrupted: true }), isFinal: true }]);
    const silent = reply(["Never sent."], 0);
    silent.firstFrameAt = null;
    log.commit(silent, true);
    expect(turns).toHaveLength(1);
    expect(log.messages).toEqual([]);
  });

  it("the caller's words a policy reply answers go on record once the reply is audible, once; a dropped reply keeps none", () => {
    const { log, turns, outcome } = setup();
    const generation = reply(["Yes, we do."], 1);
    generation.callerTurn = { text: "Do you take walk-ins?", startMs: 1_000, endMs: 2_000, isWritten: false };
    generation.messages.unshift({ role: "caller", text: "Do you take walk-ins?" });
    log.writeCallerTurn(generation);
    log.writeCallerTurn(generation);
    log.commit(generation, false);
    expect(turns.map((t) => [t.kind, t.row.text])).toEqual([
      ["caller", "Do you take walk-ins?"],
      ["agent", "Yes, we do."],
    ]);
    expect(log.messages.map((m) => m.role)).toEqual(["caller", "agent"]);
    expect(outcome.callerTurns).toBe(1);

    const dropped = reply(["Let me"], 0);
    dropped.firstFrameAt = null;
    dropped.isDropped = true;
    dropped.callerTurn = { text: "and also", startMs: 3_000, endMs: 3_500, isWritten: false };
    dropped.messages.unshift({ role: "caller", text: "and also" });
    log.commit(dropped, true);
    expect(turns).toHaveLength(2);
    expect(log.messages).toHaveLength(2);
  });

  it("a barge-in is on the timeline with what had been heard and what had not", () => {
    const { log, events } = setup();
    log.interrupted(reply(["One.", "Two."], 1), { reason: "caller", reactionMs: 180, droppedFrames: 12 });
    expect(events).toEqual([
      { kind: "barge_in", name: "caller", data: { generation: "reply", reactionMs: 180, heard: "One.", unheard: "Two.", droppedFrames: 12 } },
    ]);
  });

  it("keys are an event the model reads, not caller words", () => {
    const { log, turns, outcome } = setup();
    log.callerEvent("Caller pressed 1");
    expect(log.messages).toEqual([{ role: "event", text: "Caller pressed 1" }]);
    expect(turns).toEqual([]);
    expect(outcome.callerTurns).toBe(0);
  });
});
