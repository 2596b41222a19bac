import type { Db } from "@/db/client";
import type { Call } from "@/db/schema";
import type { TAgentSnapshot } from "@/lib/agents/config";
import type { TToolContext } from "@/voice-server/tools/types";
import type { CallOutcomeTracker } from "./call-outcome";
import { errorKind, type CallRecord } from "./call-record";
import type { TGeneration } from "./generation";
import type { LineHandover } from "./line-handover";
import type { TCallControl } from "./session-services";
import type { SpeechPlayer } from "./speech-player";

// What a tool may do to the call (TToolContext): on a live reply (say a line in it, wait for it to play, end it,
// hang up, hand the line over), or after the hang-up, when the line is gone and a tool can only write (the message
// kept at hang-up). What the tools achieve (a message taken, a transfer, the end reason) goes to the call's outcome.

export type TToolCallFacts = {
  db: Db;
  agent: TAgentSnapshot;
  call: Call;
  isAfterHours: boolean;
  outcome: Pick<CallOutcomeTracker, "setEndReason" | "isMessageTaken" | "transferredTo">;
  record: Pick<CallRecord, "error" | "event">;
};

export type TToolLine = Pick<TToolContext, "spokenText" | "say" | "untilPlayed" | "finishReply" | "close" | "lineControl">;

export function toolContextFor(facts: TToolCallFacts, line: TToolLine): TToolContext {
  const { outcome, record } = facts;
  return {
    db: facts.db,
    agent: facts.agent,
    call: facts.call,
    isAfterHours: facts.isAfterHours,
    ...line,
    setEndReason: (reason) => outcome.setEndReason(reason),
    noteMessageTaken: () => (outcome.isMessageTaken = true),
    recordError: (stage, kind, error, data) => record.error(stage, kind, error, data),
    recordEvent: (kind, name, data) => record.event(kind, name, data),
  };
}

// After the hang-up: nothing more is said or done on the line.
export const HUNG_UP_LINE: TToolLine = {
  spokenText: "",
  say: () => {},
  untilPlayed: async () => false,
  finishReply: () => {},
  close: () => {},
  lineControl: null,
};

export function hungUpToolContext(facts: TToolCallFacts): TToolContext {
  return { ...toolContextFor(facts, HUNG_UP_LINE), setEndReason: () => {} };
}

export type TCallToolsDeps = Omit<TToolCallFacts, "agent" | "call" | "isAfterHours"> & {
  // The call's facts, once known (tools only run on a live call).
  facts(): { agent: TAgentSnapshot; call: Call; isAfterHours: boolean; control: TCallControl | null };
  handover: LineHandover;
  player: Pick<SpeechPlayer, "untilPlayed" | "finishNow">;
  // Queues a fixed line (cached audio) in `generation`.
  say(generation: TGeneration, text: string): void;
  close(reason: string): void;
};

// The tool contexts of one call.
export class CallTools {
  constructor(private readonly deps: TCallToolsDeps) {}

  get facts(): TToolCallFacts {
    const { db, outcome, record } = this.deps;
    const { agent, call, isAfterHours } = this.deps.facts();
    return { db, agent, call, isAfterHours, outcome, record };
  }

  // For the tools of a reply (`generation`); `spokenText`: what the model said in this round before calling them.
  forReply(generation: TGeneration, spokenText: string): TToolContext {
    const { deps } = this;
    const { control } = deps.facts();
    return toolContextFor(this.facts, {
      spokenText,
      say: (text) => deps.say(generation, text),
      untilPlayed: () => deps.player.untilPlayed(generation),
      finishReply: () => deps.player.finishNow(generation),
      close: (reason) => deps.close(reason),
      lineControl:
        control &&
        deps.handover.controlFor((twiml) => control.redirect(twiml), {
          onError: (error, department) => deps.record.error("transfer", errorKind(error), error, { department }),
          onTransferred: (e164) => (deps.outcome.transferredTo = e164),
        }),
    });
  }
}
