import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { encodeMulawSample } from "@/lib/audio/mulaw";
import { CallRecorder } from "./call-recorder";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function frameOf(sample: number): Uint8Array {
  return new Uint8Array(160).fill(encodeMulawSample(sample));
}

function readStereo(file: string) {
  const buf = readFileSync(file);
  expect(buf.toString("ascii", 0, 4)).toBe("RIFF");
  expect(buf.readUInt32LE(4)).toBe(buf.length - 8);
  expect(buf.toString("ascii", 8, 12)).toBe("WAVE");
  expect(buf.readUInt16LE(20)).toBe(1); // PCM
  expect(buf.readUInt16LE(22)).toBe(2); // stereo
  expect(buf.readUInt32LE(24)).toBe(8000);
  const dataBytes = buf.readUInt32LE(40);
  expect(dataBytes).toBe(buf.length - 44);
  const samples = new Int16Array(buf.buffer.slice(buf.byteOffset + 44, buf.byteOffset + 44 + dataBytes));
  const slot = (index: number, channel: 0 | 1) => samples[(index * 160 + 80) * 2 + channel];
  return { slots: dataBytes / (160 * 4), slot };
}

describe("CallRecorder", () => {
  it("a call recorded after another (reusing its memory) holds none of the earlier call's audio", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rec-"));
    dirs.push(dir);
    // The first call ends with both sides talking in the slots still in memory...
    const first = new CallRecorder(CallRecorder.pathFor(dir, "team", "first").absolute);
    first.start();
    for (let i = 0; i < 150; i++) {
      first.caller(frameOf(3000), i * 20);
      first.agent(frameOf(-3000), i * 20);
    }
    await first.finish();
    // ... the next one is silent on the agent's side and speaks once on the caller's.
    const { absolute } = CallRecorder.pathFor(dir, "team", "second");
    const second = new CallRecorder(absolute);
    second.start();
    second.caller(frameOf(500), 100 * 20);
    second.agent(new Uint8Array(0), 0);
    await second.finish();
    const { slots, slot } = readStereo(absolute);
    expect(slots).toBe(101);
    for (let i = 0; i < 100; i++) expect([slot(i, 0), slot(i, 1)]).toEqual([0, 0]);
    expect(Math.abs(slot(100, 0)! - 500)).toBeLessThan(40);
    expect(slot(100, 1)).toBe(0);
  });

  it("writes both sides time-aligned into a stereo WAV, streaming to disk as the call goes", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rec-"));
    dirs.push(dir);
    const { absolute } = CallRecorder.pathFor(dir, "team", "call");
    const recorder = new CallRecorder(absolute);
    recorder.start();
    // 10 s of caller audio as it arrives; the agent talks from 1 s to 2 s, its frames sent 80 ms ahead of play.
    for (let i = 0; i < 500; i++) {
      recorder.caller(frameOf(1000), i * 20);
      if (i >= 46 && i < 96) recorder.agent(frameOf(-2000), (i + 4) * 20);
    }
    const bytes = await recorder.finish();
    expect(bytes).toBe(500 * 160 * 4);
    const { slots, slot } = readStereo(absolute);
    expect(slots).toBe(500);
    expect(Math.abs(slot(10, 0)! - 1000)).toBeLessThan(40);
    expect(slot(10, 1)).toBe(0);
    expect(Math.abs(slot(60, 1)! + 2000)).toBeLessThan(80);
    expect(slot(120, 1)).toBe(0);
  });

  it("erases agent audio that was cleared before it played", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rec-"));
    dirs.push(dir);
    const file = path.join(dir, "c.wav");
    const recorder = new CallRecorder(file);
    recorder.start();
    for (let i = 0; i < 20; i++) recorder.caller(frameOf(0), i * 20);
    for (let i = 0; i < 20; i++) recorder.agent(frameOf(3000), i * 20);
    recorder.eraseAgentFrom(200);
    await recorder.finish();
    const { slot } = readStereo(file);
    expect(slot(5, 1)).not.toBe(0);
    expect(slot(10, 1)).toBe(0);
    expect(slot(15, 1)).toBe(0);
  });

  it("keeps a long gap in the stream as silence and late frames within the window in place", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rec-"));
    dirs.push(dir);
    const file = path.join(dir, "gap.wav");
    const recorder = new CallRecorder(file);
    recorder.start();
    for (let i = 0; i < 10; i++) recorder.caller(frameOf(1000), i * 20);
    // Nothing for 30 s (far more than the ring holds), then audio again, and one frame arriving 1 s late.
    for (let i = 1510; i < 1600; i++) recorder.caller(frameOf(-1000), i * 20);
    recorder.agent(frameOf(500), 1550 * 20);
    recorder.caller(frameOf(1500), 1530 * 20);
    await recorder.finish();
    const { slots, slot } = readStereo(file);
    expect(slots).toBe(1600);
    expect(Math.abs(slot(5, 0)! - 1000)).toBeLessThan(40);
    expect(slot(500, 0)).toBe(0);
    expect(slot(1400, 0)).toBe(0);
    expect(Math.abs(slot(1520, 0)! + 1000)).toBeLessThan(40);
    expect(Math.abs(slot(1530, 0)! - 1500)).toBeLessThan(60);
    expect(Math.abs(slot(1550, 1)! - 500)).toBeLessThan(30);
    expect(slot(1551, 1)).toBe(0);
  });

  it("has all but the last second of the call in the file while it runs (what a SIGKILL would leave)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rec-"));
    dirs.push(dir);
    const file = path.join(dir, "live.wav");
    const recorder = new CallRecorder(file);
    recorder.start();
    await new Promise((r) => setTimeout(r, 50)); // the file is open
    // 10 s of call: caller throughout, the agent's frames 200 ms ahead of play.
    for (let i = 0; i < 500; i++) {
      recorder.caller(frameOf(1000), i * 20);
      if (i >= 100 && i < 300) recorder.agent(frameOf(-2000), (i + 10) * 20);
    }
    // Not finished: the process could die now. What is in the file (the page cache) is what survives it.
    const raw = readFileSync(file);
    const slotsOnDisk = (raw.length - 44) / (160 * 4);
    expect(slotsOnDisk).toBeGreaterThanOrEqual(500 - 50);
    const samples = new Int16Array(raw.buffer.slice(raw.byteOffset + 44, raw.byteOffset + raw.length));
    const at = (index: number, channel: 0 | 1) => samples[(index * 160 + 80) * 2 + channel]!;
    expect(Math.abs(at(5, 0) - 1000)).toBeLessThan(40);
    expect(Math.abs(at(440, 0) - 1000)).toBeLessThan(40);
    expect(Math.abs(at(200, 1) + 2000)).toBeLessThan(80);
    expect(at(400, 1)).toBe(0);
    await recorder.finish();
    expect(readStereo(file).slots).toBe(500);
  });

  it("rewrites slots already written when a late frame or a clear changes them", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rec-"));
    dirs.push(dir);
    const file = path.join(dir, "late.wav");
    const recorder = new CallRecorder(file);
    recorder.start();
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 120; i++) {
      recorder.caller(frameOf(0), i * 20);
      recorder.agent(frameOf(3000), i * 20);
    }
    // Slots up to about 100 are on disk by now; a caller frame for slot 10 arrives late, and the agent's audio
    // from slot 90 on turns out to have been cleared before it played.
    recorder.caller(frameOf(1500), 10 * 20);
    recorder.eraseAgentFrom(90 * 20);
    await recorder.finish();
    const { slots, slot } = readStereo(file);
    expect(slots).toBe(120);
    expect(Math.abs(slot(10, 0)! - 1500)).toBeLessThan(60);
    expect(slot(50, 1)).not.toBe(0);
    expect(slot(95, 1)).toBe(0);
  });

  it("silenceCaller drops the caller's side over a span, before and after it is called, and keeps the agent's", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rec-"));
    dirs.push(dir);
    const { absolute } = CallRecorder.pathFor(dir, "team", "keys");
    const recorder = new CallRecorder(absolute);
    recorder.start();
    // 2 s of caller audio (a key tone among it) with the agent talking over the same slots...
    for (let i = 0; i < 100; i++) {
      recorder.caller(frameOf(4000), i * 20);
      recorder.agent(frameOf(-2000), i * 20);
    }
    // ... a key reported at 1.9 s: its tone from 1.4 s on is silenced, up to 2.15 s, frames still to come included.
    recorder.silenceCaller(1_400, 2_150);
    for (let i = 100; i < 150; i++) recorder.caller(frameOf(4000), i * 20);
    await recorder.finish();
    const { slots, slot } = readStereo(absolute);
    expect(slots).toBe(150);
    for (let i = 0; i < 150; i++) {
      const isSilenced = i >= 70 && i < 108;
      expect([i, slot(i, 0) === 0]).toEqual([i, isSilenced]);
      if (i < 100) expect(slot(i, 1)).not.toBe(0);
    }
  });
});
