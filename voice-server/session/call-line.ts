import type { TLogger } from "@/voice-server/observability/log";
import type { CallRecord } from "./call-record";
import type { CallRecorder } from "./call-recorder";
import type { TClock } from "./pacer";
import type { SpeechPlayer } from "./speech-player";

// What the session's parts share about the one call they serve: where it is, its clocks, its record, the agent's
// voice, the recorder and the silence watch, and the disclosure that nothing may cut. The session alone builds
// it; each part takes the few members it uses (Pick<TCallLine, ...>), so a unit test fakes only those.

//   awaiting-start -> starting (loading the call) -> live -> closing (hung up; last words still kept) -> closed
export type TSessionState = "awaiting-start" | "starting" | "live" | "closing" | "closed";

export type TCallStatus = {
  state: TSessionState;
  // Saying the last line before hanging up: the caller can no longer talk over it or start a new turn.
  isEnding: boolean;
};

export type TCallLine = {
  // Read-only for the parts: the session moves the call from state to state.
  status: Readonly<TCallStatus>;
  clock: TClock;
  log(): TLogger;
  // Milliseconds since the stream started (now, or at `at` on the session clock).
  streamMs(at?: number): number;
  record: CallRecord;
  player: SpeechPlayer;
  // The recorder while the call is recorded.
  recorder(): CallRecorder | null;
  // The caller's silence after the agent finished (see SilencePrompts): armed when the agent goes quiet,
  // disarmed while anyone speaks, started over when the caller speaks.
  silence: { arm(): void; disarm(): void; heardCaller(): void };
  // The opening with the disclosure is playing: nothing the caller does cuts it or starts a turn.
  isProtectedLinePlaying(): boolean;
  // Runs `action` now, or once the protected line has played (typed text and keys wait for the disclosure).
  afterProtectedLine(action: () => void): void;
  // A line the agent says word for word, as its own generation (cutting off whatever it was saying).
  speakFixed(text: string): void;
};
