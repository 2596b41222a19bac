import type { TCallOutcome } from "@/lib/calls/finalize-call";

// What the call achieved, as the session learns it; read once when the call is finalized.
export class CallOutcomeTracker {
  callerTurns = 0;
  transferredTo: string | null = null;
  isMessageTaken = false;
  hasFatalError = false;
  endReason: string | null = null;

  // The first reason wins: a hang-up after the agent decided to end the call is still the agent's end.
  setEndReason(reason: string): void {
    this.endReason ??= reason;
  }

  outcome(): TCallOutcome {
    if (this.transferredTo) return "transferred";
    if (this.isMessageTaken) return "message_taken";
    if (this.hasFatalError) return "failed";
    if (this.callerTurns === 0) return "abandoned";
    return "resolved";
  }
}

export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[index] as number);
}
