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
// if played, so a scenario costs the time the agent takes to think, not the time its speech would take. A scenario
// that interrupts the agent needs the agent to be speaking for a while: with `isRealtime`, marks come back when the
// audio before them would have finished playing (8 bytes per ms), and `clear` drops the rest, as Twilio does.

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
  private playoutEndsAt = 0;
  private readonly pendingMarks = new Map<NodeJS.Timeout, string>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly options: { isRealtime?: boolean } = {},
  ) {}

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

  sendAudio(audio: Uint8Array): void {
    const now = this.now();
    this.audioAt.push(now);
    if (this.options.isRealtime) this.playoutEndsAt = Math.max(now, this.playoutEndsAt) + audio.length / 8;
    this.notify();
  }

  // True while audio sent is still "playing" (real-time playout only).
  get isAgentAudible(): boolean {
    return !!this.options.isRealtime && this.playoutEndsAt > this.now();
  }

  sendMark(name: string): void {
    if (this.options.isRealtime) {
      const timer = setTimeout(() => {
        this.pendingMarks.delete(timer);
        if (this.isOpen) this.emit({ type: "mark", name });
      }, Math.max(0, this.playoutEndsAt - this.now()));
      this.pendingMarks.set(timer, name);
      return;
    }
    // Played at once; after the current call stack, as a far end's echo would be.
    setImmediate(() => {
      if (this.isOpen) this.emit({ type: "mark", name });
    });
  }

  clear(): void {
    if (!this.options.isRealtime) return;
    // Twilio drops the queued audio and echoes every pending mark at once.
    this.playoutEndsAt = this.now();
    const names = [...this.pendingMarks.entries()];
    this.pendingMarks.clear();
    for (const [timer, name] of names) {
      clearTimeout(timer);
      if (this.isOpen) this.emit({ type: "mark", name });
    }
  }

  close(code = 1000, reason = ""): void {
    if (this.isClosedFlag) return;
    this.isClosedFlag = true;
    this.closeReason = reason || "ended";
    for (const timer of this.pendingMarks.keys()) clearTimeout(timer);
    this.pendingMarks.clear();
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
