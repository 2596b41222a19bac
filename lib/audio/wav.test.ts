import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encodeMulaw } from "./mulaw";
import { encodeWavMulaw, encodeWavPcm16, mulawToWav, parseWav, readWavFile } from "./wav";

const dir = mkdtempSync(path.join(tmpdir(), "wav-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const samples = Int16Array.from({ length: 801 }, (_, i) => Math.round(12000 * Math.sin(i / 5)));

describe("WAV", () => {
  it("writes a mono PCM16 header with the right fields", () => {
    const wav = encodeWavPcm16(samples, 16000);
    expect(wav.toString("ascii", 0, 4)).toBe("RIFF");
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
    expect(wav.toString("ascii", 8, 16)).toBe("WAVEfmt ");
    expect(wav.readUInt16LE(20)).toBe(1);
    expect(wav.readUInt16LE(22)).toBe(1);
    expect(wav.readUInt32LE(24)).toBe(16000);
    expect(wav.readUInt32LE(28)).toBe(32000);
    expect(wav.readUInt16LE(32)).toBe(2);
    expect(wav.readUInt16LE(34)).toBe(16);
    expect(wav.toString("ascii", 36, 40)).toBe("data");
    expect(wav.readUInt32LE(40)).toBe(801 * 2);
    expect(wav.length).toBe(44 + 801 * 2);
  });

  it("round-trips PCM16 and mu-law WAV", () => {
    expect(parseWav(encodeWavPcm16(samples, 22050))).toEqual({ sampleRate: 22050, samples });
    const mulaw = encodeMulaw(samples);
    const wav = encodeWavMulaw(mulaw);
    expect(wav.readUInt16LE(20)).toBe(7);
    expect(wav.readUInt32LE(24)).toBe(8000);
    expect(wav.length % 2).toBe(0);
    const parsed = parseWav(wav);
    expect(parsed.sampleRate).toBe(8000);
    expect(parsed.samples.length).toBe(801);
    expect(Math.abs(parsed.samples[3]! - samples[3]!)).toBeLessThan(400);
  });

  it("mulawToWav gives 8 kHz PCM16", () => {
    const parsed = parseWav(mulawToWav(new Uint8Array(160).fill(0xff)));
    expect(parsed.sampleRate).toBe(8000);
    expect(parsed.samples).toEqual(new Int16Array(160));
  });

  it("reads files sox writes: stereo PCM16 and mu-law", async () => {
    const stereo = path.join(dir, "stereo.wav");
    execFileSync("sox", ["-n", "-r", "44100", "-c", "2", "-b", "16", stereo, "synth", "0.1", "sine", "300"]);
    const a = await readWavFile(stereo);
    expect(a.sampleRate).toBe(44100);
    expect(a.samples.length).toBe(4410);
    expect(Math.max(...a.samples)).toBeGreaterThan(20000);

    const ulaw = path.join(dir, "ulaw.wav");
    execFileSync("sox", ["-n", "-r", "8000", "-c", "1", "-e", "mu-law", ulaw, "synth", "0.5", "sine", "440"]);
    const b = await readWavFile(ulaw);
    expect(b.sampleRate).toBe(8000);
    expect(b.samples.length).toBe(4000);
    expect(Math.max(...b.samples)).toBeGreaterThan(20000);
  });

  it("writes files sox accepts", () => {
    const file = path.join(dir, "mine.wav");
    writeFileSync(file, encodeWavMulaw(encodeMulaw(samples)));
    const info = execFileSync("soxi", [file]).toString();
    expect(info).toMatch(/Sample Rate\s*:\s*8000/);
    expect(info).toMatch(/u-law/);
    expect(info).toMatch(/801 samples/);
  });

  it("rejects what it cannot read", () => {
    expect(() => parseWav(new Uint8Array(10))).toThrow(/Invalid WAV/);
    const float = encodeWavPcm16(samples, 8000);
    float.writeUInt16LE(3, 20);
    expect(() => parseWav(float)).toThrow(/unsupported encoding/);
  });
});
