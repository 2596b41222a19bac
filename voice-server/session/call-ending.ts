import type { TCallLine, TCallStatus } from "./call-line";
import type { TGeneration } from "./generation";
import { LINES } from "./spoken-lines";

// The agent ending the call: a last line (the goodbye after silence, the time limit, a refused recording), said
// once, then the hang-up when it has played, or after lastLineWaitMs so a stuck voice cannot hold the line open.
// While it plays the caller can no longer talk over it or start a turn (status.isEnding). The call's time limit
// ends it this way too.

// The longest the last line before hanging up may take to play.
export const LAST_LINE_WAIT_MS = 15_000;

export type TCallEndingDeps = Pick<TCallLine, "player" | "log"> & {
  // The session's own status: ending the call sets isEnding.
  status: TCallStatus;
  // Says a line on its own (cutting off whatever the agent was saying).
  speak(text: string): TGeneration;
  // Says a line in `generation`.
  say(generation: TGeneration, text: string): void;
  setEndReason(reason: string): void;
  close(reason: string): Promise<void>;
  lastLineWaitMs?: number;
};

export class CallEnding {
  private limit: NodeJS.Timeout | null = null;

  constructor(private readonly deps: TCallEndingDeps) {}

  async endWithLine(text: string, reason: string): Promise<void> {
    const { status } = this.deps;
    if (status.state !== "live" || status.isEnding) return;
    this.deps.setEndReason(reason);
    const generation = this.deps.speak(text);
    status.isEnding = true;
    let timer: NodeJS.Timeout | undefined;
    const lastLine = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.deps.lastLineWaitMs ?? LAST_LINE_WAIT_MS)));
    const played = await Promise.race([this.deps.player.untilPlayed(generation), lastLine]);
    clearTimeout(timer);
    if (!played) this.deps.log().info("ending the call before the last line finished", { reason });
    await this.deps.close(reason);
  }

  // The reply in `generation` failed beyond repair: it ends with `text`, and the call once that has played.
  endReply(generation: TGeneration, text: string, reason: string): void {
    this.deps.say(generation, text);
    generation.isProducing = false;
    void this.deps.player.untilPlayed(generation).then(() => this.deps.close(reason));
  }

  // The agent's maximum call duration, from now: then the time-limit line and the hang-up.
  startLimit(seconds: number): void {
    this.stop();
    this.limit = setTimeout(() => void this.endWithLine(LINES.maxDuration, "max_duration"), seconds * 1000);
  }

  stop(): void {
    if (this.limit) clearTimeout(this.limit);
    this.limit = null;
  }
}
