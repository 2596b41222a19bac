import { DEFAULT_REDACTION_SETTINGS, REDACTION_LABELS, type TRedactionKind, type TRedactionSettings } from "@/lib/redaction/redact-text";
import { sensitiveDigitKinds, sensitiveRequestKinds } from "@/lib/redaction/sensitive-request";

// Keys the caller presses while the agent collects data the team redacts (a card number, an SSN; issue 13) are
// never kept in clear: not on the timeline, not in what the model is told, and not as tones in the recording.
// The agent collects from when it asks for such data until it says something that does not. A run of keys that
// is such data by itself (a Luhn-valid card number typed unasked) is treated the same. Keys are held until their
// run is complete (the gather), since only then is it known what they were; they are then written, masked or not,
// at the moments they were pressed.

export type TKeyPress = { digit: string; atMs: number };
export type TSilenceSpan = { fromMs: number; toMs: number };
export type TKeyRun = { presses: TKeyPress[]; isMasked: boolean; kinds: TRedactionKind[]; spans: TSilenceSpan[] };

// A key's tone sits before the moment it is reported (detection waits for its end) and may ring on a little.
export const KEY_TONE_BEFORE_MS = 500;
export const KEY_TONE_AFTER_MS = 250;
// A run of keys ends after this pause; while collecting the caller is typing a long number and may pause longer,
// so the run waits longer, or until "#".
export const COLLECTING_GATHER_MS = 3_000;

export function keySpan(atMs: number): TSilenceSpan {
  return { fromMs: Math.max(0, atMs - KEY_TONE_BEFORE_MS), toMs: atMs + KEY_TONE_AFTER_MS };
}

export class KeypadPrivacy {
  private settings: TRedactionSettings = DEFAULT_REDACTION_SETTINGS;
  // What the agent is collecting right now (empty: nothing sensitive).
  private collecting: TRedactionKind[] = [];
  private pending: TKeyPress[] = [];
  private pendingKinds = new Set<TRedactionKind>();

  // The team's redaction settings, once loaded (the defaults until then).
  useSettings(settings: TRedactionSettings): void {
    this.settings = settings;
  }

  get isCollecting(): boolean {
    return this.collecting.length > 0;
  }

  // The agent finished saying `text`: it collects what that asked for, or nothing when it asked for nothing.
  agentSaid(text: string): void {
    this.collecting = sensitiveRequestKinds(text, this.settings);
  }

  // The agent is saying `text` right now: a question in it counts before it has finished playing.
  agentSaying(text: string): void {
    for (const kind of sensitiveRequestKinds(text, this.settings)) if (!this.collecting.includes(kind)) this.collecting.push(kind);
  }

  // How long to wait for the next key of the current run.
  get gatherMs(): number | undefined {
    return this.isCollecting ? COLLECTING_GATHER_MS : undefined;
  }

  // A key at `atMs` on the stream clock. While collecting, returns the caller audio to silence at once.
  press(digit: string, atMs: number): TSilenceSpan | null {
    this.pending.push({ digit, atMs });
    if (!this.isCollecting) return null;
    for (const kind of this.collecting) this.pendingKinds.add(kind);
    return keySpan(atMs);
  }

  // The run so far, complete: whether it is masked, and the spans of the recording to silence if so.
  take(): TKeyRun | null {
    const presses = this.pending.splice(0);
    const kinds = new Set(this.pendingKinds);
    this.pendingKinds.clear();
    if (presses.length === 0) return null;
    for (const kind of sensitiveDigitKinds(presses.map((p) => p.digit).join(""), this.settings)) kinds.add(kind);
    const isMasked = kinds.size > 0;
    return { presses, isMasked, kinds: [...kinds], spans: isMasked ? presses.map((p) => keySpan(p.atMs)) : [] };
  }
}

// What the model is told about a run of keys: the digits, or only how many and what they were.
export function describeKeys(run: TKeyRun): string {
  if (!run.isMasked) return `Caller pressed ${run.presses.map((p) => p.digit).join(", ")}`;
  const digits = run.presses.filter((p) => /\d/.test(p.digit)).length;
  const what = run.kinds.map((k) => REDACTION_LABELS[k]).join(" or ");
  return `Caller entered ${digits} digit${digits === 1 ? "" : "s"} on the keypad: ${what}, hidden for privacy`;
}

// The timeline entry of one key: a masked key names no digit, and says which part of the recording is silenced.
export function keyEventOf(press: TKeyPress, run: TKeyRun): { name: string; data: Record<string, unknown> } {
  if (!run.isMasked) return { name: press.digit, data: { digit: press.digit } };
  const span = keySpan(press.atMs);
  return { name: "*", data: { digit: "*", isMasked: true, silenceFromMs: span.fromMs, silenceToMs: span.toMs } };
}
