import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CallRecording } from "./call-recording";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "recording-"));
  dirs.push(dir);
  return dir;
}

const IDS = { teamId: "team-a", callId: "call-1" };

describe("CallRecording", () => {
  it("writes the call's audio under its team and names the key once it holds audio", async () => {
    const dir = tempDir();
    const recording = new CallRecording(dir);
    expect(recording.recorder).toBeNull();
    recording.start(IDS);
    const recorder = recording.recorder;
    expect(recorder).not.toBeNull();
    // A second start (the caller agreeing after the call was already recorded) keeps the same recorder.
    recording.start(IDS);
    expect(recording.recorder).toBe(recorder);
    for (let i = 0; i < 10; i++) recorder?.caller(new Uint8Array(160).fill(0x20), i * 20);
    const errors: unknown[] = [];
    const key = await recording.finish((error) => errors.push(error));
    expect(errors).toEqual([]);
    expect(key).not.toBeNull();
    expect(key).toContain("team-a");
    expect(existsSync(path.join(dir, key as string))).toBe(true);
  });

  it("names no key when the call was never recorded or nothing was heard", async () => {
    expect(await new CallRecording(tempDir()).finish(() => {})).toBeNull();
    const unconfigured = new CallRecording(null);
    unconfigured.start(IDS);
    expect(unconfigured.recorder).toBeNull();
    const silent = new CallRecording(tempDir());
    silent.start(IDS);
    expect(await silent.finish(() => {})).toBeNull();
  });

  it("reports a recording that could not be written and names no key", async () => {
    const dir = tempDir();
    // A file where the team's directory should be: the recorder cannot create it.
    const blocked = path.join(dir, "blocked");
    await import("node:fs/promises").then((fs) => fs.writeFile(blocked, "x"));
    const recording = new CallRecording(blocked);
    recording.start(IDS);
    for (let i = 0; i < 10; i++) recording.recorder?.caller(new Uint8Array(160).fill(0x20), i * 20);
    const errors: unknown[] = [];
    expect(await recording.finish((error) => errors.push(error))).toBeNull();
    expect(errors).toHaveLength(1);
  });

  it("records from the start, never, or from the caller's yes; a question never answered is a no", async () => {
    const notes: [string, Record<string, unknown>][] = [];
    const note = (name: string, data: Record<string, unknown>) => void notes.push([name, data]);
    const always = new CallRecording(tempDir());
    always.begin("record", IDS, note);
    expect(always.recorder).not.toBeNull();

    const never = new CallRecording(tempDir());
    never.begin("do_not_record", IDS, note);
    expect(never.recorder).toBeNull();
    expect(never.consent?.key("1")).toBeNull();
    expect(never.recorder).toBeNull();

    const agreed = new CallRecording(tempDir());
    agreed.begin("ask_consent", IDS, note);
    expect(agreed.recorder).toBeNull();
    expect(agreed.consent?.heard("yes please")).not.toBeNull();
    expect(agreed.recorder).not.toBeNull();

    const unanswered = new CallRecording(tempDir());
    unanswered.begin("ask_consent", IDS, note);
    expect(await unanswered.finish(() => {})).toBeNull();
    expect(unanswered.recorder).toBeNull();
    expect(notes).toEqual([
      ["recording_off", { reason: "do_not_record" }],
      ["recording_consent", { answer: "yes", via: "speech", isRecorded: true }],
      ["recording_consent", { answer: "none", via: "hang_up", isRecorded: false }],
    ]);
  });
});
