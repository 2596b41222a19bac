import { describe, expect, it } from "vitest";
import { fixedTurnPolicy } from "./turn-policy";

const policy = fixedTurnPolicy({ endpointingSilenceMs: 300, interruptionMinSpeechMs: 250 });

describe("fixedTurnPolicy", () => {
  it("cuts the agent off once the caller has spoken over it for the agent's minimum", () => {
    const floor = { state: "speaking" as const, isUninterruptible: false };
    expect(policy.shouldBargeIn({ speechMs: 240, floor })).toBe(false);
    expect(policy.shouldBargeIn({ speechMs: 250, floor })).toBe(true);
    expect(policy.shouldBargeIn({ speechMs: 250, floor: { state: "thinking", isUninterruptible: false } })).toBe(true);
  });

  it("never cuts an uninterruptible line, and there is nothing to cut when the agent is idle", () => {
    expect(policy.shouldBargeIn({ speechMs: 5_000, floor: { state: "speaking", isUninterruptible: true } })).toBe(false);
    expect(policy.shouldBargeIn({ speechMs: 5_000, floor: { state: "idle", isUninterruptible: false } })).toBe(false);
    expect(policy.mayStartTurn({ state: "speaking", isUninterruptible: true })).toBe(false);
    expect(policy.mayStartTurn({ state: "speaking", isUninterruptible: false })).toBe(true);
  });

  it("starts speech sooner than barge-in, and ends turns after the agent's silence", () => {
    expect(policy.minSpeechMs).toBe(160);
    expect(fixedTurnPolicy({ endpointingSilenceMs: 300, interruptionMinSpeechMs: 100 }).minSpeechMs).toBe(100);
    expect(policy.endpointingSilenceMs).toBe(300);
  });
});
