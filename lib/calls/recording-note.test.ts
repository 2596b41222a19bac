import { describe, expect, it } from "vitest";
import { recordingNoteOf } from "./recording-note";

const consent = (data: Record<string, unknown>) => ({ kind: "status", name: "recording_consent", data });

describe("recordingNoteOf", () => {
  it("says why a call has no recording, or from when it has one", () => {
    expect(recordingNoteOf([])).toBeNull();
    expect(recordingNoteOf([{ kind: "status", name: "stream_started", data: {} }])).toBeNull();
    expect(recordingNoteOf([{ kind: "status", name: "recording_off", data: { reason: "do_not_record" } }])).toMatch(/Do not record/);
    expect(recordingNoteOf([consent({ answer: "yes", via: "keypad", isRecorded: true })])).toMatch(/agreed to recording \(pressed 1\)/);
    expect(recordingNoteOf([consent({ answer: "yes", via: "speech", isRecorded: true })])).toMatch(/said yes/);
    expect(recordingNoteOf([consent({ answer: "no", via: "speech", isRecorded: false })])).toMatch(/declined recording \(said no\), so nothing was recorded/);
    expect(recordingNoteOf([consent({ answer: "none", via: "hang_up", isRecorded: false })])).toMatch(/did not answer/);
    expect(recordingNoteOf([consent({ answer: "none", via: "other_request", isRecorded: false })])).toMatch(/without agreeing/);
    // A dtmf event with the same name is not a status.
    expect(recordingNoteOf([{ kind: "dtmf", name: "recording_consent", data: { isRecorded: true } }])).toBeNull();
  });
});
