import type { TCaptureField } from "./capture-fields";

export type TSentiment = "positive" | "neutral" | "negative";
export type TOutcome = "resolved" | "transferred" | "message_taken" | "abandoned" | "failed";

// A message the agent took on the call (lib/calls/take-message.ts): what the agent confirmed with the caller.
export type TAnalysisMessage = { callerName: string; callbackNumber: string; message: string };

export type TAnalysisTurn = { seq: number; speaker: "caller" | "agent"; text: string; isInterrupted: boolean };

// Everything an analyzer may look at, already read from the database.
export type TAnalysisInput = {
  turns: TAnalysisTurn[];
  // What the voice server recorded; transferred, message_taken, failed and abandoned are facts and are kept.
  outcome: TOutcome | null;
  endReason: string | null;
  transferredTo: string | null;
  hasMessage: boolean;
  // The messages themselves, oldest first (absent: none were read).
  messages?: TAnalysisMessage[];
  // The department a transfer went to, as the transfer event named it (transferredTo is the number dialled).
  transferDepartment?: string | null;
  captureFields: TCaptureField[];
  knowledgeTitles: string[];
  toolNames: string[];
};

export type TAnalysisResult = {
  summary: string;
  sentiment: TSentiment;
  sentimentScore: number; // -1 (very negative) .. 1 (very positive)
  turnSentiments: { seq: number; sentiment: TSentiment }[]; // caller turns
  topic: string | null;
  outcome: TOutcome;
  capturedFields: Record<string, string>;
};

export const KEPT_OUTCOMES: readonly TOutcome[] = ["transferred", "message_taken", "failed", "abandoned"];
