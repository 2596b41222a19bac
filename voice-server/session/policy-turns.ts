import type { TSttEvent } from "@/voice-server/providers/types";
import { AdaptiveTurns, type TAdaptiveTurnsDeps, type TTurnTakingSummary } from "./adaptive-turns";
import type { SttTurn } from "./stt-turn";
import { TurnTaker, turnPolicyConfigFor, type TTurnTakerStt } from "./turn-taker";

// Which turn-taking runs on the call: the adaptive policy (TurnTaker, acted on by AdaptiveTurns) while the
// recognizer streams, fixed endpointing on the VAD otherwise. This part starts the adaptive one, leaves it (the
// recognizer fell back to the offline engine, or the call ended) keeping what it did for the call's summary, and
// answers what the rest of the session asks of it.

// No reply is under way for the caller's words the policy holds (nor an overlap being judged).
export function isUnanswered(taker: TurnTaker): boolean {
  return taker.policy.agentState === "idle" && !taker.policy.isOverlapPending;
}

export class PolicyTurns {
  private turnTaker: TurnTaker | null = null;
  private adaptive: AdaptiveTurns | null = null;
  // What the adaptive policy did on this call (kept when it is left: a fallback, the call's end).
  private summary: TTurnTakingSummary | null = null;

  constructor(private readonly deps: TAdaptiveTurnsDeps & { sttEndpointingMs(): number | undefined }) {}

  // The adaptive policy, while it runs (null: fixed endpointing on the VAD).
  get taker(): TurnTaker | null {
    return this.turnTaker;
  }

  start(stt: TTurnTakerStt): void {
    this.adaptive = new AdaptiveTurns(this.deps);
    this.turnTaker = new TurnTaker(turnPolicyConfigFor(this.deps.agent().config, this.deps.sttEndpointingMs()), {
      clock: this.deps.clock,
      stt,
      handlers: this.adaptive,
    });
  }

  leave(): void {
    if (this.adaptive) this.summary = this.adaptive.summary();
    this.turnTaker?.close();
    this.adaptive?.close();
    this.turnTaker = null;
    this.adaptive = null;
  }

  // What the recognizer heard, for the policy (unless the turn was ended outside it, or the caller is speaking over
  // the disclosure).
  result(event: Extract<TSttEvent, { type: "interim" | "final" | "utterance-end" }>, turn: SttTurn, isDeaf: boolean): void {
    if (this.turnTaker && !turn.isDetached && !isDeaf) this.turnTaker.result(event);
  }

  // Whether the policy holds the caller's speech that began at `onsetAt` (session clock): it has words for it, the
  // agent has the floor, an overlap is being judged, or it decided on that speech already (a floor yielded to it
  // is no decision until its words come).
  hasTurnSince(onsetAt: number): boolean {
    const taker = this.turnTaker;
    const adaptive = this.adaptive;
    if (!taker || !adaptive) return false;
    if (taker.callerText !== "" || taker.policy.agentState !== "idle" || taker.policy.isOverlapPending) return true;
    return adaptive.lastDecisionAt >= onsetAt && !adaptive.isFloorYielded;
  }

  // For the call's stream_ended event.
  turnTaking(): Record<string, unknown> {
    const summary = this.adaptive?.summary() ?? this.summary;
    return summary ? { policy: "adaptive", ...summary } : { policy: "fixed" };
  }
}
