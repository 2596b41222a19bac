import { SilenceWatch } from "./call-timers";
import type { TCallLine } from "./call-line";
import { LINES } from "./spoken-lines";

// The caller's silence once the agent has finished: after the agent's silence timeout a "still there?" prompt,
// after another the goodbye. Armed when the agent goes quiet with the caller not speaking; any sound or key from
// the caller disarms it, and speech starts the count over.

export type TSilencePromptsDeps = Pick<TCallLine, "status" | "player" | "record" | "speakFixed"> & {
  timeoutMs: number;
  isCallerSpeaking(): boolean;
  // Says the last line, then hangs up.
  endWithLine(text: string, reason: string): Promise<void>;
};

export class SilencePrompts {
  private readonly watch: SilenceWatch;

  constructor(private readonly deps: TSilencePromptsDeps) {
    this.watch = new SilenceWatch(deps.timeoutMs, () => this.onSilence());
  }

  arm(): void {
    if (this.deps.status.state !== "live" || this.deps.isCallerSpeaking()) return;
    this.watch.arm();
  }

  disarm(): void {
    this.watch.disarm();
  }

  // The caller spoke (or typed): the prompt count starts over.
  heardCaller(): void {
    this.watch.heardCaller();
  }

  private onSilence(): void {
    const { deps } = this;
    if (deps.status.state !== "live" || deps.player.isBusy || deps.isCallerSpeaking()) return;
    if (this.watch.prompts === 0) {
      this.watch.prompts++;
      deps.record.event("status", "silence_prompt", {});
      deps.speakFixed(LINES.stillThere);
      return;
    }
    void deps.endWithLine(LINES.silenceGoodbye, "silence_timeout");
  }
}
