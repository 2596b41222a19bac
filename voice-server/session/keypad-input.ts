import type { TRedactionSettings } from "@/lib/redaction/redact-text";
import { DtmfGather } from "./call-timers";
import type { TCallLine } from "./call-line";
import { describeKeys, KeypadPrivacy, keyEventOf, type TKeyRun } from "./keypad-privacy";

// The caller's keypad: each key cuts the agent off (unless the disclosure is playing), keys in a quick run reach
// the model as one event, "1" answers "may we record?", and keys typed while the agent collects data the team
// redacts are masked on the timeline and silenced in the recording.

const DTMF_GATHER_MS = 600;

export type TKeypadInputDeps = Pick<
  TCallLine,
  "status" | "player" | "record" | "recorder" | "streamMs" | "silence" | "isProtectedLinePlaying" | "afterProtectedLine" | "speakFixed" | "log"
> & {
  // The acknowledgement when `digit` answers "may we record?" (null: an ordinary key).
  consentLine(digit: string): string | null;
  // A run of keys for the model to answer (`description` names the digits, or only how many when masked).
  keys(description: string): void;
};

export class KeypadInput {
  private readonly privacy = new KeypadPrivacy();
  private readonly gather = new DtmfGather(DTMF_GATHER_MS, () => this.onRun());

  constructor(private readonly deps: TKeypadInputDeps) {}

  // The team's redaction settings once they load: the defaults until then, and when they cannot be loaded.
  useSettings(settings: Promise<TRedactionSettings>): void {
    settings.then(
      (loaded) => this.privacy.useSettings(loaded),
      (error: unknown) => this.deps.log().warn("redaction settings unavailable; keypad privacy uses the defaults", { error }),
    );
  }

  // What the agent asked last decides whether keys typed now are sensitive.
  agentSaid(text: string): void {
    this.privacy.agentSaid(text);
  }

  press(digit: string): void {
    const { status, player } = this.deps;
    if (status.state !== "live") return;
    const speaking = player.current;
    if (speaking && !speaking.isDone) this.privacy.agentSaying(speaking.segments.map((s) => s.text).join(" "));
    const silence = this.privacy.press(digit, this.deps.streamMs());
    if (silence) this.deps.recorder()?.silenceCaller(silence.fromMs, silence.toMs);
    // Keys pressed over the last line are written at the close.
    if (status.isEnding) return;
    this.deps.silence.disarm();
    // The answer to "may we record?" (1 agrees): acknowledged once the disclosure has played, not sent to the model.
    const consentLine = this.deps.consentLine(digit);
    if (consentLine) {
      this.write(this.privacy.take());
      this.deps.afterProtectedLine(() => {
        if (status.state === "live" && !status.isEnding) this.deps.speakFixed(consentLine);
      });
      return;
    }
    if (player.isBusy && !this.deps.isProtectedLinePlaying()) player.interrupt("dtmf");
    this.gather.push(digit, this.privacy.gatherMs);
  }

  // The call is over: keys of a run the hang-up cut short are still on the timeline (masked as their run requires).
  close(): void {
    this.gather.stop();
    this.write(this.privacy.take());
  }

  private onRun(): void {
    const run = this.privacy.take();
    if (!run) return;
    this.write(run);
    const { status, player } = this.deps;
    this.deps.afterProtectedLine(() => {
      if (status.state !== "live" || status.isEnding) return;
      if (player.isBusy) player.interrupt("dtmf");
      this.deps.keys(describeKeys(run));
    });
  }

  // A run of keys on the timeline, at the moments they were pressed; a masked run names no digit and its tones
  // are silenced in the recording (now for what is still in memory, at sealing for the rest).
  private write(run: TKeyRun | null): void {
    if (!run) return;
    for (const press of run.presses) {
      const { name, data } = keyEventOf(press, run);
      this.deps.record.event("dtmf", name, data, press.atMs);
    }
    for (const span of run.spans) this.deps.recorder()?.silenceCaller(span.fromMs, span.toMs);
  }
}
