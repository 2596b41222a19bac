import { describe, expect, it } from "vitest";
import { PRESTART_FRAME_LIMIT, PRESTART_TEXT_LIMIT, PrestartBuffer } from "./prestart-buffer";

describe("PrestartBuffer", () => {
  it("replays frames and texts in arrival order, once", () => {
    const buffer = new PrestartBuffer();
    buffer.frame({ audio: new Uint8Array([1]), timestampMs: 0 });
    buffer.text("hello");
    buffer.frame({ audio: new Uint8Array([2]), timestampMs: 20 });
    const { frames, texts } = buffer.drain();
    expect(frames.map((f) => [f.audio[0], f.timestampMs])).toEqual([
      [1, 0],
      [2, 20],
    ]);
    expect(texts).toEqual(["hello"]);
    expect(buffer.drain()).toEqual({ frames: [], texts: [] });
  });

  it("keeps the first frames and texts up to its bounds and drops the rest", () => {
    const buffer = new PrestartBuffer();
    for (let i = 0; i < PRESTART_FRAME_LIMIT + 20; i++) buffer.frame({ audio: new Uint8Array([i % 256]), timestampMs: i * 20 });
    for (let i = 0; i < PRESTART_TEXT_LIMIT + 3; i++) buffer.text(`t${i}`);
    const { frames, texts } = buffer.drain();
    expect(frames).toHaveLength(PRESTART_FRAME_LIMIT);
    expect(frames.at(-1)?.timestampMs).toBe((PRESTART_FRAME_LIMIT - 1) * 20);
    expect(texts).toHaveLength(PRESTART_TEXT_LIMIT);
    expect(texts[0]).toBe("t0");
  });

  it("keeps a copy of each frame's audio, not a view into the transport's buffer", () => {
    const buffer = new PrestartBuffer();
    const slab = new Uint8Array(64).fill(5);
    buffer.frame({ audio: slab.subarray(8, 16), timestampMs: 0 });
    slab.fill(9);
    const [frame] = buffer.drain().frames;
    expect(Array.from(frame!.audio)).toEqual(new Array(8).fill(5));
    expect(frame!.audio.buffer).not.toBe(slab.buffer);
  });
});
