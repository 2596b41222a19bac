import { describe, expect, it } from "vitest";
import { AudioHistory, FrameChunker, splitFrames, toFrames } from "./frames";

const ramp = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 251);

describe("splitFrames", () => {
  it("cuts 160-byte frames and pads the tail with silence", () => {
    const frames = splitFrames(ramp(400));
    expect(frames.map((f) => f.length)).toEqual([160, 160, 160]);
    expect(frames[1]![0]).toBe(160);
    expect(frames[2]![79]).toBe(399 % 251);
    expect(frames[2]![80]).toBe(0xff);
    expect(frames[2]![159]).toBe(0xff);
  });

  it("returns nothing for empty input and exact frames without padding", () => {
    expect(splitFrames(new Uint8Array(0))).toEqual([]);
    expect(splitFrames(ramp(320))).toHaveLength(2);
  });
});

describe("FrameChunker", () => {
  it("re-cuts odd-sized chunks into the same byte stream", () => {
    const source = ramp(1000);
    const chunker = new FrameChunker();
    const out: Uint8Array[] = [];
    for (const size of [1, 7, 159, 160, 161, 300, 12]) {
      const start = out.length * 160 + chunker.pendingBytes;
      out.push(...chunker.push(source.subarray(start, start + size)));
    }
    expect(out.every((f) => f.length === 160)).toBe(true);
    expect(out).toHaveLength(5);
    expect(chunker.pendingBytes).toBe(0);
    const joined = new Uint8Array(out.length * 160);
    out.forEach((f, i) => joined.set(f, i * 160));
    expect(joined).toEqual(source.subarray(0, 800));
  });

  it("flushes the remainder padded with silence, then nothing", () => {
    const chunker = new FrameChunker();
    expect(chunker.push(ramp(170))).toHaveLength(1);
    const tail = chunker.flush();
    expect(tail?.length).toBe(160);
    expect(Array.from(tail!.subarray(0, 10))).toEqual(Array.from(ramp(170).subarray(160)));
    expect(tail![10]).toBe(0xff);
    expect(chunker.flush()).toBeUndefined();
  });

  it("emits copies that later pushes do not overwrite", () => {
    const chunker = new FrameChunker();
    chunker.push(new Uint8Array(100).fill(1));
    const [first] = chunker.push(new Uint8Array(100).fill(2));
    chunker.push(new Uint8Array(300).fill(3));
    expect(first![0]).toBe(1);
    expect(first![159]).toBe(2);
  });

  it("toFrames adapts an async stream", async () => {
    async function* source() {
      yield ramp(100);
      yield ramp(100);
      yield ramp(5);
    }
    const frames: Uint8Array[] = [];
    for await (const f of toFrames(source())) frames.push(f);
    expect(frames.map((f) => f.length)).toEqual([160, 160]);
    expect(frames[1]![44]).toBe(4);
    expect(frames[1]![45]).toBe(0xff);
  });
});

describe("AudioHistory", () => {
  const bytes = (from: number, n: number) => Uint8Array.from({ length: n }, (_, i) => (from + i) % 251);

  it("returns the stream from a position, across the ring's wrap, and only what it still keeps", () => {
    const history = new AudioHistory(1000);
    for (let i = 0; i < 13; i++) history.push(bytes(i * 160, 160)); // 2080 bytes: wrapped twice
    expect(history.position).toBe(2080);
    expect([...history.since(1500)]).toEqual([...bytes(1500, 580)]);
    // Older than the ring holds: the oldest 1000 bytes kept.
    expect([...history.since(0)]).toEqual([...bytes(1080, 1000)]);
    expect(history.since(2080)).toHaveLength(0);
  });

  it("takes chunks of any size, even larger than the ring", () => {
    const history = new AudioHistory(300);
    history.push(bytes(0, 70));
    history.push(bytes(70, 1000));
    expect(history.position).toBe(1070);
    expect([...history.since(900)]).toEqual([...bytes(900, 170)]);
    expect([...history.since(0)]).toEqual([...bytes(770, 300)]);
  });
});
