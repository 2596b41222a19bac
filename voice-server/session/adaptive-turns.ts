import type { TAgentSnapshot } from "@/lib/agents/config";
import type { TVoiceMetrics } from "@/voice-server/observability/metrics";
import type { TChatMessage } from "@/voice-server/providers/types";
import { toolSpecsFor } from "@/voice-server/tools/registry";
import type { TOverlapKind } from "@/voice-server/turn-taking/backchannel";
import type { TCallEventKind } from "@/lib/calls/append-event";
import type { TGeneration } from "./generation";
import type { TClock } from "./pacer";
import type { ProviderRoute } from "./provider-fallback";
import { piecesToResume, type TResumePiece } from "./resume";
import { SpeculativeReply } from "./speculative-reply";
import type { SpeechPlayer } from "./speech-player";
import type { TPolicyTurn, TTurnTakerHandlers } from "./turn-taker";

// What the call does with the turn-taking policy's decisions (see TurnTaker): preemptive replies started, used
// or discarded; replies dropped when the caller goes on; barge-in that clears at once and then either resumes the
// interrupted sentence (a backchannel or a noise) or yields the floor. The session supplies the few things only it
// can do (start a reply, say pieces again, go quiet); every decision is counted here and recorded on the call.
//
// Call events (call_events, all with the stream ms of when they happened), for the timeline and bench:voice:
//   status   preemptive_discarded { reason: "caller-went-on" | "words-differ" | "call-ended", words, ageMs }
//   status   preemptive_used      { words, leadMs }            leadMs: how long before the turn's end it started
//   status   reply_dropped        { words, generation }        the caller's words so far stay in their turn;
//                                                               generation: the dropped reply's id (its marks g<id>s<n>)
//   barge_in caller               (at the clear, as before: heard, unheard, reactionMs)
//   barge_in resumed              { kind: "backchannel" | "noise", words, decidedAfterMs, text, isReplayedAudio }
//   barge_in yielded              { words, decidedAfterMs }    a real interruption: never resumed
// And on stream_ended: turnTaking = { policy: "adaptive", ...summary() } (or { policy: "fixed" } without a streaming
// recognizer). Metrics: voice_preemptive_generations_total{outcome=started|used|discarded},
// voice_replies_dropped_total, voice_overlap_verdicts_total{verdict, action}.

export type TAdaptiveTurnsDeps = {
  clock: TClock;
  player: SpeechPlayer;
  route: ProviderRoute;
  metrics: TVoiceMetrics;
  agent(): TAgentSnapshot;
  conversation(): readonly TChatMessage[];
  instructions(): string;
  // The call is live and not saying its last line: replies may start.
  canReply(): boolean;
  event(kind: TCallEventKind, name: string, data: Record<string, unknown>): void;
  startReply(turn: TPolicyTurn, speculative: SpeculativeReply | null): void;
  // Say `pieces` again, as a new generation following `from`.
  resume(from: TGeneration, pieces: TResumePiece[]): void;
  // Nothing was resumed after a clear: the agent is quiet now.
  quiet(): void;
};

export type TTurnTakingSummary = {
  // Caller turns the policy ended and replied to (a dropped reply's turn counts again when it is answered).
  replies: number;
  preemptive: { started: number; used: number; discarded: number };
  repliesDropped: number;
  // LLM requests that produced nothing the caller heard: discarded preemptive ones and dropped replies.
  extraLlmRequests: number;
  clears: number;
  resumed: number;
  interruptions: number;
};

export class AdaptiveTurns implements TTurnTakerHandlers {
  private speculation: SpeculativeReply | null = null;
  // The generation the last clear cut, until the verdict on the caller's sound.
  private cut: TGeneration | null = null;
  // When the policy last took the caller's sound as a turn (a reply) or judged it over the agent (session clock):
  // the VAD's end of that speech then needs nothing more.
  lastDecisionAt = Number.NEGATIVE_INFINITY;
  // The last decision gave the floor to the caller's sound (a real interruption) and no reply has answered it yet:
  // the sound is not a turn until its words come. A wordless one (a long noise, words the recognizer had already
  // given) then gets the reprompt of any wordless turn, not silence.
  isFloorYielded = false;
  private readonly stats: Omit<TTurnTakingSummary, "extraLlmRequests"> = {
    replies: 0,
    preemptive: { started: 0, used: 0, discarded: 0 },
    repliesDropped: 0,
    clears: 0,
    resumed: 0,
    interruptions: 0,
  };

  constructor(private readonly deps: TAdaptiveTurnsDeps) {}

  summary(): TTurnTakingSummary {
    const { preemptive, repliesDropped } = this.stats;
    return { ...this.stats, preemptive: { ...preemptive }, extraLlmRequests: preemptive.discarded + repliesDropped };
  }

  private msSince(at: number): number {
    return Math.max(0, Math.round(this.deps.clock.now() - at));
  }

  startSpeculative(text: string): void {
    if (this.speculation) this.discard(this.speculation, "words-differ");
    if (!this.deps.canReply()) return;
    const agent = this.deps.agent();
    this.speculation = new SpeculativeReply(
      this.deps.route.llm,
      {
        system: this.deps.instructions(),
        agent,
        messages: [...this.deps.conversation(), { role: "caller", text }],
        tools: toolSpecsFor(agent),
      },
      this.deps.clock,
      text,
    );
    this.stats.preemptive.started++;
    this.deps.metrics.preemptiveGenerations.inc({ outcome: "started" });
  }

  discardSpeculative(reason: "caller-went-on" | "words-differ"): void {
    if (this.speculation) this.discard(this.speculation, reason);
  }

  private discard(speculation: SpeculativeReply, reason: string): void {
    if (this.speculation === speculation) this.speculation = null;
    speculation.discard();
    this.stats.preemptive.discarded++;
    this.deps.metrics.preemptiveGenerations.inc({ outcome: "discarded" });
    this.deps.event("status", "preemptive_discarded", { reason, words: speculation.text, ageMs: this.msSince(speculation.startAt) });
  }

  reply(turn: TPolicyTurn): void {
    const speculation = this.speculation;
    this.speculation = null;
    const used = turn.useSpeculative && speculation ? speculation : null;
    if (speculation && !used) this.discard(speculation, "words-differ");
    this.stats.replies++;
    this.lastDecisionAt = this.deps.clock.now();
    this.isFloorYielded = false;
    if (used) {
      this.stats.preemptive.used++;
      this.deps.metrics.preemptiveGenerations.inc({ outcome: "used" });
      this.deps.event("status", "preemptive_used", { words: used.text, leadMs: this.msSince(used.startAt) });
    }
    this.deps.startReply(turn, used);
  }

  dropReply(words: string): void {
    if (this.speculation) this.discard(this.speculation, "caller-went-on");
    const generation = this.deps.player.current;
    // Only a reply to a caller turn, with nothing of it heard yet, is dropped; one already audible is barge-in's.
    if (!generation || generation.isDone || !generation.callerTurn || generation.firstFrameAt !== null) return;
    generation.isDropped = true;
    this.deps.player.interrupt("system");
    this.stats.repliesDropped++;
    this.deps.metrics.repliesDropped.inc();
    this.deps.event("status", "reply_dropped", { words, generation: generation.id });
  }

  clear(onsetAt: number): void {
    const generation = this.deps.player.current;
    if (!generation || generation.isDone || generation.isUninterruptible || !this.deps.canReply()) return;
    this.cut = generation;
    this.stats.clears++;
    this.deps.player.interrupt("caller", onsetAt);
  }

  resume(kind: Exclude<TOverlapKind, "interruption">, words: string, onsetAt: number): void {
    const cut = this.cut;
    this.cut = null;
    this.lastDecisionAt = this.deps.clock.now();
    this.isFloorYielded = false;
    this.deps.metrics.overlaps.inc({ verdict: kind, action: "resume" });
    const pieces = cut ? piecesToResume(cut) : [];
    // Something else took the floor meanwhile (a keypress, the call's end), or the sentence had been heard whole.
    if (!cut || pieces.length === 0 || !this.deps.canReply() || this.deps.player.isBusy) {
      this.deps.quiet();
      return;
    }
    this.stats.resumed++;
    this.deps.event("barge_in", "resumed", {
      kind,
      words,
      decidedAfterMs: this.msSince(onsetAt),
      text: pieces.map((p) => p.text).join(" "),
      isReplayedAudio: pieces.every((p) => p.audio !== undefined),
    });
    this.deps.resume(cut, pieces);
  }

  yieldFloor(words: string, onsetAt: number): void {
    this.cut = null;
    this.lastDecisionAt = this.deps.clock.now();
    this.isFloorYielded = true;
    this.stats.interruptions++;
    this.deps.metrics.overlaps.inc({ verdict: "interruption", action: "answer" });
    this.deps.event("barge_in", "yielded", { words, decidedAfterMs: this.msSince(onsetAt) });
  }

  // The call is over (or leaves the policy): a preemptive request still running is aborted.
  close(): void {
    if (this.speculation) this.discard(this.speculation, "call-ended");
    this.cut = null;
  }
}
