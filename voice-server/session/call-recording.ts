import type { TRecordingMode } from "@/lib/agents/config";
import { CallRecorder } from "./call-recorder";
import { RecordingConsent, type TConsentDeps } from "./recording-consent";

// The call's recording, if it has one: started at the start of the call, or once the caller agreed to it (both
// sides from then on, RecordingConsent deciding), and finished at its end into the key the call row names.

export class CallRecording {
  private current: CallRecorder | null = null;
  private key: string | null = null;
  // Whether the call is recorded (the agent's recording mode, and the caller's answer when asked); set by begin.
  consent: RecordingConsent | null = null;

  constructor(private readonly recordingsDir: string | null) {}

  // The recorder taking the call's audio now (null: not recorded, or not yet).
  get recorder(): CallRecorder | null {
    return this.current;
  }

  // Once the call is known: records from the first frame, or not at all, or asks (see RecordingConsent).
  begin(mode: TRecordingMode, call: { teamId: string; callId: string }, note: TConsentDeps["note"]): void {
    this.consent = new RecordingConsent({ mode, startRecording: () => this.start(call), note });
    this.consent.begin();
  }

  start(call: { teamId: string; callId: string }): void {
    if (this.current || !this.recordingsDir) return;
    const { absolute, relative } = CallRecorder.pathFor(this.recordingsDir, call.teamId, call.callId);
    this.current = new CallRecorder(absolute);
    this.key = relative;
    this.current.start();
  }

  // At the end of the call (a question never answered is a no): the recording's key once it is written with audio
  // in it; null when there is none (never started, nothing heard, or the write failed: `onError` is told).
  async finish(onError: (error: unknown) => void): Promise<string | null> {
    this.consent?.end();
    if (!this.current) return null;
    try {
      const bytes = await this.current.finish();
      return bytes > 0 ? this.key : null;
    } catch (error) {
      onError(error);
      return null;
    }
  }
}
