import { CallRecorder } from "./call-recorder";

// The call's recording, if it has one: started at the start of the call, or once the caller agreed to it (both
// sides from then on), and finished at its end into the key the call row names.

export class CallRecording {
  private current: CallRecorder | null = null;
  private key: string | null = null;

  constructor(private readonly recordingsDir: string | null) {}

  // The recorder taking the call's audio now (null: not recorded, or not yet).
  get recorder(): CallRecorder | null {
    return this.current;
  }

  start(call: { teamId: string; callId: string }): void {
    if (this.current || !this.recordingsDir) return;
    const { absolute, relative } = CallRecorder.pathFor(this.recordingsDir, call.teamId, call.callId);
    this.current = new CallRecorder(absolute);
    this.key = relative;
    this.current.start();
  }

  // The recording's key once it is written with audio in it; null when there is none (never started, nothing
  // heard, or the write failed: `onError` is told).
  async finish(onError: (error: unknown) => void): Promise<string | null> {
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
