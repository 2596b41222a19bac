import type {
  TCallTransport,
  TStreamStart,
  TTransportCallEvent,
  TTransportEvent,
  TTransportTurn,
} from "@/voice-server/session/transport";

// A test-suite caller in text mode, as a TCallTransport: it types caller lines (the browser test call's
// "caller-text" path), presses keys and hangs up, and keeps everything the session shows a transport (turns,
// events, the moment each sentence of the agent starts). No audio goes anywhere: every mark is echoed at once, as
// if played, so a scenario costs the time the agent takes to think, not the time its speech would take.

type TWaiter = { predicate: () => boolean; resolve: () => void };

export class ScriptedTextTransport implements TCallTransport {
  readonly kind = "web" as const;
  readonly turns: TTransportTurn[] = [];
  readonly events: TTransportCallEvent[] = [];
  // Turns and events in the order the session reported them, with when (wall clock ms): the transcript's order.
  // (A turn's own startMs is on the far end's playout clock, which runs ahead here: every reply is "played" at once.)
  readonly log: ({ type: "turn"; turn: TTransportTurn; atWallMs: number } | { type: "event"; event: TTransportCallEvent; atWallMs: number })[] = [];
  // When (wall clock ms) the agent's audio went out, one entry per batch of frames: the first batch after a
  // caller line is when the agent started answering it.
  readonly audioAt: number[] = [];
  closeReason: string | null = null;
  private handler: ((event: TTransportEvent) => void) | null = null;
  private readonly backlog: TTransportEvent[] = [];
  private isClosedFlag = false;
  private waiters: TWaiter[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  get isOpen(): boolean {
    return !this.isClosedFlag;
  }

  start(start: TStreamStart): void {
    this.emit({ type: "start", start });
  }

  say(text: string): void {
    if (this.isOpen) this.emit({ type: "caller-text", text });
  }

  pressKeys(digits: string): void {
    for (const digit of digits) if (this.isOpen) this.emit({ type: "dtmf", digit });
  }

  hangUp(): void {
    if (!this.isOpen) return;
    this.emit({ type: "stop" });
    this.close(1000, "caller_hangup");
  }

  onEvent(handler: (event: TTransportEvent) => void): void {
    this.handler = handler;
    for (const event of this.backlog.splice(0)) handler(event);
  }

  sendAudio(): void {
    this.audioAt.push(this.now());
    this.notify();
  }

  sendMark(name: string): void {
    // Played at once; after the current call stack, as a far end's echo would be.
    setImmediate(() => {
      if (this.isOpen) this.emit({ type: "mark", name });
    });
  }

  clear(): void {}

  close(code = 1000, reason = ""): void {
    if (this.isClosedFlag) return;
    this.isClosedFlag = true;
    this.closeReason = reason || "ended";
    this.emit({ type: "closed", code, reason });
    this.notify();
  }

  sendTurn(turn: TTransportTurn): void {
    this.turns.push(turn);
    this.log.push({ type: "turn", turn, atWallMs: this.now() });
    this.notify();
  }

  sendCallEvent(event: TTransportCallEvent): void {
    this.events.push(event);
    this.log.push({ type: "event", event, atWallMs: this.now() });
    this.notify();
  }

  // Resolves true once `predicate` holds, false after `timeoutMs` (or at once when the call has ended and it
  // does not hold).
  waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    if (predicate()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: TWaiter = {
        predicate,
        resolve: () => {
          clearTimeout(timer);
          resolve(predicate());
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(predicate());
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private notify(): void {
    const ready = this.waiters.filter((w) => w.predicate() || this.isClosedFlag);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }

  private emit(event: TTransportEvent): void {
    if (this.handler) this.handler(event);
    else this.backlog.push(event);
  }
}
