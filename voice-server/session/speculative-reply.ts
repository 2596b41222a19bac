import type { TLlmEvent, TLlmProvider, TLlmRequest } from "@/voice-server/providers/types";
import type { TClock } from "./pacer";

// A reply generated before the caller's turn is known to be over (preemptive generation): the LLM request starts
// on words that read as a complete turn, its events are kept here and nothing else happens: no speech, no tool
// runs, nothing in the conversation. If the turn ends with the same words, the reply takes these events as its
// first LLM round (replayed, then live) and only then speaks and runs tools; otherwise it is discarded, which
// aborts the request. Either way it is one LLM request, counted by whoever owns it.

export type TSpeculationEnd = "used" | "discarded";

export class SpeculativeReply {
  readonly startAt: number;
  // When the first event arrived (the model's first token or tool call), null until then.
  firstEventAt: number | null = null;
  private readonly events: TLlmEvent[] = [];
  private readonly abort = new AbortController();
  private error: unknown = null;
  private isEnded = false;
  private wake: (() => void) | null = null;
  private end: TSpeculationEnd | null = null;

  constructor(
    llm: TLlmProvider,
    request: Omit<TLlmRequest, "signal">,
    private readonly clock: TClock,
    // The words it answers.
    readonly text: string,
  ) {
    this.startAt = clock.now();
    void this.pump(llm, request);
  }

  get outcome(): TSpeculationEnd | null {
    return this.end;
  }

  private async pump(llm: TLlmProvider, request: Omit<TLlmRequest, "signal">): Promise<void> {
    try {
      for await (const event of llm.stream({ ...request, signal: this.abort.signal })) {
        this.firstEventAt ??= this.clock.now();
        this.events.push(event);
        this.notify();
      }
    } catch (error) {
      this.error = error;
    } finally {
      this.isEnded = true;
      this.notify();
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  // Abandons it: the request is aborted and its events can never be taken.
  discard(reason: unknown = new Error("speculative reply discarded")): void {
    if (this.end) return;
    this.end = "discarded";
    this.abort.abort(reason);
    this.events.length = 0;
  }

  // The reply's first round: every event so far, then the rest as it comes. `signal` (the reply's own) aborts the
  // request. Can be taken once.
  take(signal: AbortSignal): AsyncIterable<TLlmEvent> {
    if (this.end) throw new Error(`speculative reply already ${this.end}`);
    this.end = "used";
    const onAbort = () => this.abort.abort(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    return this.replay(signal, onAbort);
  }

  private async *replay(signal: AbortSignal, onAbort: () => void): AsyncGenerator<TLlmEvent> {
    let next = 0;
    try {
      for (;;) {
        if (next < this.events.length) {
          yield this.events[next++]!;
          continue;
        }
        if (this.isEnded) {
          if (this.error !== null) throw this.error;
          return;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      // A consumer that stops early (barge-in) leaves nothing running.
      if (!this.isEnded) this.abort.abort(signal.reason ?? new Error("reply stopped"));
    }
  }
}
