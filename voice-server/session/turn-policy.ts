import type { TAgentConfig } from "@/lib/agents/config";

// When the caller gets the floor, with a recognizer that decodes whole turns (the offline engine): the call session
// asks this object and does what it says. With a streaming recognizer the session runs the adaptive policy of
// voice-server/turn-taking/ instead (see TurnTaker and AdaptiveTurns); this one still sizes the VAD that both use.

export type TAgentFloor = {
  // "thinking": a reply is under way with no audio out yet; "speaking": audio went out.
  state: "idle" | "thinking" | "speaking";
  // The current line may not be cut (the opening with the disclosure, the last line before hanging up).
  isUninterruptible: boolean;
};

export type TTurnPolicy = {
  // Silence after speech that ends the caller's turn (the VAD's end-of-speech), in ms.
  readonly endpointingSilenceMs: number;
  // Caller speech of at least this much starts the VAD's speech (barge-in needs more, below).
  readonly minSpeechMs: number;
  // The caller has been speaking for `speechMs` while the agent has the floor: cut the agent off now?
  shouldBargeIn(input: { speechMs: number; floor: TAgentFloor }): boolean;
  // Speech or typing arrived while the agent has the floor: may it start a caller turn at all? (No during a line
  // that cannot be interrupted: the caller's words over it are not a turn.)
  mayStartTurn(floor: TAgentFloor): boolean;
};

// Today's rules: a fixed endpointing silence, barge-in after the agent's minimum speech, and nothing cuts an
// uninterruptible line.
export function fixedTurnPolicy(config: Pick<TAgentConfig, "endpointingSilenceMs" | "interruptionMinSpeechMs">): TTurnPolicy {
  return {
    endpointingSilenceMs: config.endpointingSilenceMs,
    minSpeechMs: Math.min(config.interruptionMinSpeechMs, 160),
    shouldBargeIn: ({ speechMs, floor }) =>
      floor.state !== "idle" && !floor.isUninterruptible && speechMs >= config.interruptionMinSpeechMs,
    mayStartTurn: (floor) => floor.state === "idle" || !floor.isUninterruptible,
  };
}
