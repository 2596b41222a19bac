import { describe, expect, it } from "vitest";
import { silentLogger } from "@/voice-server/observability/log";
import { recordCallEnd, type TCallEndDeps, type TCallEndFacts } from "./call-end";
import { CallOutcomeTracker } from "./call-outcome";

function setup() {
  const log: string[] = [];
  const tasks: (() => Promise<void> | void)[] = [];
  const record = {
    turns: 7,
    event: (kind: string, name: string, data: Record<string, unknown>) => log.push(`${kind} ${name} ${JSON.stringify(data)}`),
    finalize: (input: Record<string, unknown>) => log.push(`finalize ${JSON.stringify(input)}`),
    then: (name: string, task: () => Promise<void> | void) => {
      log.push(`then ${name}`);
      tasks.push(task);
    },
    notify: (type: string) => log.push(`notify ${type}`),
  };
  const ended: Record<string, string>[] = [];
  const uploads: { teamId: string; callId: string }[] = [];
  const traced: unknown[] = [];
  const deps: TCallEndDeps = {
    record: record as unknown as TCallEndDeps["record"],
    metrics: { callsEnded: { inc: (labels: Record<string, string>) => ended.push(labels) } } as unknown as TCallEndDeps["metrics"],
    log: silentLogger,
    trace: { end: (attributes) => traced.push(attributes) },
    uploadRecording: (call) => uploads.push(call),
  };
  const facts = (over: Partial<TCallEndFacts> = {}): TCallEndFacts => ({
    call: { teamId: "team-a", callId: "call-1" },
    reason: "caller_hangup",
    outcome: new CallOutcomeTracker(),
    startedAt: new Date("2026-01-01T10:00:00Z"),
    endedAt: new Date("2026-01-01T10:01:30Z"),
    voiceToVoiceMs: [900, 700, 800],
    recordingPath: null,
    turnTaking: { policy: "fixed" },
    isLlmFallback: false,
    ...over,
  });
  return { deps, facts, log, tasks, ended, uploads, traced };
}

describe("recordCallEnd", () => {
  it("writes stream_ended, then the final row with the duration and voice-to-voice percentiles, then call.completed", () => {
    const { deps, facts, log, ended, traced } = setup();
    const outcome = new CallOutcomeTracker();
    outcome.callerTurns = 2;
    recordCallEnd(deps, facts({ outcome }));
    expect(log[0]).toBe('status stream_ended {"endReason":"caller_hangup","outcome":"resolved","turnTaking":{"policy":"fixed"}}');
    const row = JSON.parse(log[1]!.slice("finalize ".length));
    expect(row).toMatchObject({ status: "completed", outcome: "resolved", endReason: "caller_hangup", durationSec: 90, voiceToVoiceP50Ms: 800, voiceToVoiceP95Ms: 900, recordingPath: null, transferredTo: null });
    expect(log.slice(2)).toEqual(["notify call.completed"]);
    expect(ended).toEqual([{ outcome: "resolved", reason: "caller_hangup" }]);
    expect(traced).toEqual([{ outcome: "resolved", endReason: "caller_hangup", turns: 7 }]);
  });

  it("the first end reason given wins over the close's, and a transfer is the outcome", () => {
    const { deps, facts, log } = setup();
    const outcome = new CallOutcomeTracker();
    outcome.setEndReason("transferred");
    outcome.transferredTo = "+15550100";
    recordCallEnd(deps, facts({ outcome, reason: "stream_closed" }));
    expect(log[0]).toContain('"endReason":"transferred","outcome":"transferred"');
    expect(log[1]).toContain('"transferredTo":"+15550100"');
  });

  it("a recording is uploaded once the row naming it is written; no recording, no upload", async () => {
    const { deps, facts, log, tasks, uploads } = setup();
    recordCallEnd(deps, facts({ recordingPath: "team-a/call-1.wav" }));
    expect(log.slice(2)).toEqual(["then recording upload", "notify call.completed"]);
    expect(uploads).toEqual([]);
    await tasks[0]?.();
    expect(uploads).toEqual([{ teamId: "team-a", callId: "call-1" }]);
    const second = setup();
    recordCallEnd(second.deps, second.facts());
    expect(second.tasks).toEqual([]);
  });
});
