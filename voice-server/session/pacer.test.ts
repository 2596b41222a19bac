import { afterEach, describe, expect, it } from "vitest";
import { FramePacer, type TClock } from "./pacer";

class FakeClock implements TClock {
  t = 1_000;
  now() {
    return this.t;
  }
}

// One entry per 20 ms frame; `message` numbers the sendAudio call that carried it.
type TSent =
  | { kind: "frame"; at: number; playAt: number; frame: Uint8Array; segment: number; message: number }
  | { kind: "mark"; at: number; name: string };

function setup(leadMs = 80, batchMs = 20) {
  const clock = new FakeClock();
  const late: number[] = [];
  const pacer = new FramePacer({ clock, tickMs: 10, leadMs, batchMs, onLateFrame: (ms) => late.push(ms) });
  const sent: TSent[] = [];
  let messages = 0;
  const output = pacer.createOutput({
    sendAudio: (audio, tag, playAt) => {
      expect(audio.length % 160).toBe(0);
      messages++;
      for (let i = 0; i < audio.length / 160; i++) {
        // A copy, as the real sinks make: the pacer reuses the memory once the call returns.
        const frame = audio.slice(i * 160, (i + 1) * 160);
        sent.push({ kind: "frame", at: clock.t, playAt: playAt + i * 20, frame, segment: tag.segment, message: messages });
      }
    },
    sendMark: (name) => sent.push({ kind: "mark", at: clock.t, name }),
  });
  const advance = (ms: number, step = 10) => {
    for (let done = 0; done < ms; done += step) {
      clock.t += Math.min(step, ms - done);
      pacer.tick();
    }
  };
  pacers.push(pacer);
  return { clock, pacer, output, sent, late, advance };
}

const pacers: FramePacer[] = [];
afterEach(() => {
  for (const p of pacers.splice(0)) p.stop();
});

const frames = (sent: TSent[]) => sent.filter((s): s is Extract<TSent, { kind: "frame" }> => s.kind === "frame");

describe("FramePacer", () => {
  it("sends 20 ms frames on a fixed schedule, never more than the lead ahead, whatever the tick jitter", () => {
    const { output, sent, advance } = setup(80);
    output.enqueueAudio(new Uint8Array(8000).fill(1), { generation: 1, segment: 0 }); // 1 s
    output.endSegment("g1s0", { generation: 1, segment: 0 });
    expect(frames(sent)).toHaveLength(5); // 0, 20, 40, 60, 80 ms: the lead goes out at once
    for (const step of [7, 13, 35, 3, 22, 9]) advance(200, step);
    advance(400);
    const all = frames(sent);
    expect(all).toHaveLength(50);
    all.forEach((f, i) => {
      expect(f.playAt).toBe(1_000 + i * 20);
      expect(f.playAt - f.at).toBeLessThanOrEqual(80);
      expect(f.frame).toHaveLength(160);
    });
    // The mark follows the last frame of its segment.
    expect(sent.at(-1)).toMatchObject({ kind: "mark", name: "g1s0" });
    expect(output.isIdle).toBe(true);
  });

  it("tops the lead up in batches, several frames to a message, and never lets the far end run dry", () => {
    const { output, sent, advance, late } = setup(200, 60);
    output.enqueueAudio(new Uint8Array(16000).fill(1), { generation: 1, segment: 0 }); // 2 s
    output.endSegment("g1s0", { generation: 1, segment: 0 });
    expect(frames(sent)).toHaveLength(11); // 0..200 ms at once, in one message
    expect(new Set(frames(sent).map((f) => f.message)).size).toBe(1);
    for (const step of [7, 13, 35, 3, 22, 9]) advance(300, step);
    advance(400);
    const all = frames(sent);
    expect(all).toHaveLength(100);
    all.forEach((f, i) => {
      expect(f.playAt).toBe(1_000 + i * 20);
      expect(f.playAt - f.at).toBeLessThanOrEqual(200);
      // Never topped up later than the low-water mark (lead - batch) plus one tick.
      if (i > 10) expect(f.playAt - f.at).toBeGreaterThanOrEqual(140 - 35);
    });
    const messages = new Set(all.map((f) => f.message)).size;
    expect(messages).toBeLessThanOrEqual(100 / 3);
    expect(late).toEqual([]);
  });

  it("joins small chunks into whole frames and pads the segment's tail with silence", () => {
    const { output, sent } = setup(1_000);
    const tag = { generation: 1, segment: 0 };
    output.enqueueAudio(new Uint8Array(100).fill(7), tag);
    output.enqueueAudio(new Uint8Array(100).fill(7), tag);
    output.endSegment("g1s0", tag);
    const out = frames(sent);
    expect(out).toHaveLength(2);
    expect([...out[0]!.frame].every((b) => b === 7)).toBe(true);
    expect([...out[1]!.frame.subarray(0, 40)].every((b) => b === 7)).toBe(true);
    expect([...out[1]!.frame.subarray(40)].every((b) => b === 0xff)).toBe(true);
    expect(sent.at(-1)).toMatchObject({ kind: "mark", name: "g1s0" });
  });

  it("clear drops everything queued; the next audio starts playing now", () => {
    const { clock, output, sent, advance } = setup(80);
    output.enqueueAudio(new Uint8Array(8000), { generation: 1, segment: 0 });
    output.endSegment("g1s0", { generation: 1, segment: 0 });
    advance(200);
    const before = frames(sent).length;
    expect(output.clear()).toBe(50 - before);
    advance(200);
    expect(frames(sent)).toHaveLength(before);
    expect(sent.some((s) => s.kind === "mark")).toBe(false);
    output.enqueueAudio(new Uint8Array(320), { generation: 2, segment: 0 });
    const next = frames(sent).slice(before);
    expect(next.map((f) => f.playAt)).toEqual([clock.t, clock.t + 20]);
  });

  it("reports late frames when the process stalls past the lead with audio waiting", () => {
    const { output, late, advance, clock, pacer } = setup(60);
    output.enqueueAudio(new Uint8Array(8000), { generation: 1, segment: 0 });
    advance(100);
    expect(late).toEqual([]);
    clock.t += 300; // a 300 ms event-loop stall
    pacer.tick();
    expect(late).toHaveLength(1);
    expect(late[0]).toBeGreaterThan(200);
  });

  it("shares one schedule per output, so outputs do not disturb each other", () => {
    const a = setup(80);
    const pacer = a.pacer;
    const sentB: number[] = [];
    const b = pacer.createOutput({
      sendAudio: (audio, _t, playAt) => {
        for (let i = 0; i < audio.length / 160; i++) sentB.push(playAt + i * 20);
      },
      sendMark: () => {},
    });
    a.output.enqueueAudio(new Uint8Array(1600), { generation: 1, segment: 0 });
    a.advance(50);
    b.enqueueAudio(new Uint8Array(1600), { generation: 1, segment: 0 });
    a.advance(300);
    expect(frames(a.sent)).toHaveLength(10);
    expect(sentB).toHaveLength(10);
    expect(sentB[0]).toBe(1_050);
    expect(pacer.activeOutputs).toBe(0);
  });

  it("two outputs sharing the pacer's blocks each send exactly the audio they were given, and the blocks are reused", () => {
    const a = setup(80);
    const pacer = a.pacer;
    const bytesB: number[] = [];
    const b = pacer.createOutput({
      sendAudio: (audio) => bytesB.push(...audio),
      sendMark: () => {},
    });
    // 5 s each (more than one block), in chunks of odd sizes, with a pattern that tells every byte apart.
    const pattern = (seed: number, length: number) => Uint8Array.from({ length }, (_, i) => (seed * 7 + i * 13) % 251);
    const audioA = pattern(1, 40_000);
    const audioB = pattern(2, 40_000);
    for (let at = 0; at < 40_000; at += 1_000) {
      a.output.enqueueAudio(audioA.subarray(at, at + 1_000), { generation: 1, segment: 0 });
      b.enqueueAudio(audioB.subarray(at, at + 1_000), { generation: 1, segment: 0 });
    }
    a.advance(6_000);
    expect(Buffer.concat(frames(a.sent).map((f) => f.frame)).equals(Buffer.from(audioA))).toBe(true);
    expect(Buffer.from(bytesB).equals(Buffer.from(audioB))).toBe(true);
    // Both drained: every block is back in the pool, and the next reply takes from it instead of allocating.
    const idle = pacer.blocks.idle;
    expect(idle).toBeGreaterThanOrEqual(4);
    a.output.enqueueAudio(audioA.subarray(0, 3_200), { generation: 2, segment: 0 });
    expect(pacer.blocks.idle).toBe(idle - 1);
    a.output.clear();
    expect(pacer.blocks.idle).toBe(idle);
  });
});
