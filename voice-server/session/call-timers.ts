// The call's clocks that are not audio: the silence prompt, DTMF digits gathered into one event, and the longest
// a call may last. Each is one timer with one job; the session says what happens when it fires.

// Silence after the agent finished speaking: first a prompt, then a goodbye (the session counts prompts).
export class SilenceWatch {
  private timer: NodeJS.Timeout | null = null;
  prompts = 0;

  constructor(
    private readonly timeoutMs: number,
    private readonly onSilence: () => void,
  ) {}

  arm(): void {
    this.disarm();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.onSilence();
    }, this.timeoutMs);
  }

  disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  // The caller spoke or pressed a key: the prompt count starts over.
  heardCaller(): void {
    this.prompts = 0;
    this.disarm();
  }
}

// Digits pressed in a quick run (an extension, a phone number) reach the model as one event.
export class DtmfGather {
  private digits: string[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly gatherMs: number,
    private readonly onDigits: (digits: string[]) => void,
  ) {}

  // `waitMs`: a longer wait for the next key (a long number being typed); "#" then ends the run at once.
  push(digit: string, waitMs?: number): void {
    this.digits.push(digit);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      const digits = this.digits.splice(0);
      if (digits.length > 0) this.onDigits(digits);
    }, waitMs !== undefined && digit === "#" ? 0 : (waitMs ?? this.gatherMs));
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.digits = [];
  }
}
