import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encodeMulawSample } from "@/lib/audio/mulaw";
import { parseWav } from "@/lib/audio/wav";
import { CallRecorder } from "@/voice-server/session/call-recorder";
import { CALL_WAV_HEADER_BYTES, callWavDurationMs, callWavHeader, repairCallWav } from "./wav-header";

const dir = mkdtempSync(path.join(tmpdir(), "aica-wavhdr-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// What a recorder that died mid-call leaves: the header as first written (sizes 0) and whatever data got out.
function cutOff(frames: number, extraBytes: number): Buffer {
  const data = Buffer.alloc(frames * 4 + extraBytes);
  for (let f = 0; f < frames; f++) {
    data.writeInt16LE(1000, f * 4);
    data.writeInt16LE(3000, f * 4 + 2);
  }
  return Buffer.concat([callWavHeader(0), data]);
}

describe("call WAV header", () => {
  it("is exactly what the call recorder writes", async () => {
    const file = path.join(dir, "rec.wav");
    const recorder = new CallRecorder(file);
    recorder.start();
    for (let i = 0; i < 10; i++) recorder.caller(new Uint8Array(160).fill(encodeMulawSample(500)), i * 20);
    const dataBytes = await recorder.finish();
    const bytes = readFileSync(file);
    expect(Buffer.from(callWavHeader(dataBytes)).equals(bytes.subarray(0, CALL_WAV_HEADER_BYTES))).toBe(true);
    // And the recorder's file, once finished, needs nothing.
    expect(repairCallWav(bytes.subarray(0, CALL_WAV_HEADER_BYTES), bytes.length)).toMatchObject({
      kind: "repaired",
      isChanged: false,
    });
  });

  it("repairs a file cut off mid-write to whole sample frames and sizes that say so", () => {
    const file = cutOff(8000, 3);
    const repair = repairCallWav(file.subarray(0, 44), file.length);
    if (repair.kind !== "repaired") throw new Error(`expected a repair, got ${repair.kind}`);
    expect(repair).toMatchObject({ dataBytes: 32_000, fileBytes: 44 + 32_000, isChanged: true });
    const fixed = Buffer.concat([repair.header, file.subarray(44, repair.fileBytes)]);
    expect(fixed.readUInt32LE(4)).toBe(fixed.length - 8);
    expect(fixed.readUInt32LE(40)).toBe(fixed.length - 44);
    const audio = parseWav(fixed);
    expect(audio.sampleRate).toBe(8000);
    expect(audio.samples.length).toBe(8000);
    expect(callWavDurationMs(repair.dataBytes)).toBe(1000);
    expect(audio.samples.every((s) => s === 2000)).toBe(true);
    // Repairing the repaired file is a no-op.
    expect(repairCallWav(fixed.subarray(0, 44), fixed.length)).toMatchObject({ kind: "repaired", isChanged: false });
  });

  it("treats a file with no whole sample frame as empty", () => {
    expect(repairCallWav(new Uint8Array(0), 0)).toEqual({ kind: "empty" });
    expect(repairCallWav(callWavHeader(0).subarray(0, 20), 20)).toEqual({ kind: "empty" });
    expect(repairCallWav(callWavHeader(0), 44)).toEqual({ kind: "empty" });
    expect(repairCallWav(callWavHeader(0), 47)).toEqual({ kind: "empty" });
    expect(repairCallWav(callWavHeader(0), 48)).toMatchObject({ kind: "repaired", dataBytes: 4 });
  });

  it("refuses to rewrite a header that is not the call recorder's", () => {
    const mono = Buffer.from(callWavHeader(0));
    mono.writeUInt16LE(1, 22);
    expect(repairCallWav(mono, 1000)).toEqual({ kind: "unrecognised" });
    expect(repairCallWav(Buffer.alloc(44), 1000)).toEqual({ kind: "unrecognised" });
    expect(() => repairCallWav(callWavHeader(0), -1)).toThrow(RangeError);
  });
});
