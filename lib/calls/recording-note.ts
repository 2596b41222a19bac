// What the call's timeline says about whether it was recorded (voice-server/session/recording-consent.ts writes
// it), as one sentence for the call page: a caller who declined, or an agent that never records, is not a
// missing recording.

type TEventLike = { kind: string; name: string; data: Record<string, unknown> };

export function recordingNoteOf(events: TEventLike[]): string | null {
  for (const event of events) {
    if (event.kind !== "status") continue;
    if (event.name === "recording_off" || (event.name === "recording_discarded" && event.data.reason === "do_not_record")) {
      return 'Not recorded: the agent is set to "Do not record".';
    }
    if (event.name !== "recording_consent") continue;
    const via = event.data.via;
    if (event.data.isRecorded === true) {
      return `The caller agreed to recording (${via === "keypad" ? "pressed 1" : "said yes"}); the recording starts at that moment.`;
    }
    if (via === "hang_up") return "The caller did not answer the recording question, so nothing was recorded.";
    if (via === "other_request") return "The caller went on without agreeing to recording, so nothing was recorded.";
    return `The caller declined recording (${via === "keypad" ? "on the keypad" : "said no"}), so nothing was recorded.`;
  }
  return null;
}
