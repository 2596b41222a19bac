import type { Db } from "@/db/client";
import type { TLogger } from "@/voice-server/observability/log";
import type { TVoiceMetrics } from "@/voice-server/observability/metrics";
import type { TVoiceProviders } from "@/voice-server/providers/registry";
import type { TVad } from "@/voice-server/vad/vad";
import type { AudioCache } from "./audio-cache";
import type { TCallLifecycleEvent } from "./call-record";
import type { FramePacer } from "./pacer";
import type { TStreamStart } from "./transport";

// What a CallSession needs from the process that runs it: shared by every call, holding no call's state.

export type TCallControl = {
  // Replaces the live call's TwiML (transfer with <Dial>).
  redirect(twiml: string): Promise<void>;
};

export type TSessionServices = {
  db: Db;
  providers: TVoiceProviders;
  pacer: FramePacer;
  audioCache: AudioCache;
  metrics: TVoiceMetrics;
  log: TLogger;
  recordingsDir: string | null;
  // Told once the finalized row names the call's local recording (moves it to S3 when configured).
  uploadRecording?: (call: { teamId: string; callId: string }) => void;
  // offlineSttFinalMs: the offline recognizer's budget (it decodes locally, slower under load); sttFinalMs otherwise.
  timeouts: { sttFinalMs: number; offlineSttFinalMs?: number; llmFirstTokenMs: number; ttsFirstByteMs: number };
  createVad(): Promise<TVad>;
  callControlFor(start: TStreamStart): TCallControl | null;
  now?: () => Date;
  // Told after the call's row says so (answered, then finalized): post-call analysis, outbound webhooks.
  onLifecycle?: (event: TCallLifecycleEvent) => Promise<void> | void;
};
