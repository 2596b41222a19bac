import type { TGeneration } from "./generation";

// A line the caller may not interrupt (the opening with the disclosure): while it plays, speech neither cuts it
// nor starts a turn, and typed text or keypresses wait for its end. Speech that began over it still counts as a
// turn when the caller goes on talking well past its end.

export class ProtectedLine {
  private endedAt: number | null = null;

  constructor(
    readonly generation: TGeneration,
    private readonly untilPlayed: (generation: TGeneration) => Promise<boolean>,
  ) {
    generation.isUninterruptible = true;
  }

  get isPlaying(): boolean {
    return this.endedAt === null && !this.generation.isDone;
  }

  // The line is over (played out, or cut by the hang-up), at `at` on the session clock.
  ended(at: number): void {
    this.endedAt ??= at;
  }

  // Speech that began over the line and ended at `speechEndAt`: a turn only when it outlasted the line by `minMs`.
  isTurn(speechEndAt: number, minMs: number): boolean {
    return this.endedAt !== null && speechEndAt - this.endedAt >= minMs;
  }

  // Runs `action` now, or once the line has played.
  after(action: () => void): void {
    if (!this.isPlaying) return action();
    void this.untilPlayed(this.generation).then(() => action());
  }
}
