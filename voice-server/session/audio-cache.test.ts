import { describe, expect, it } from "vitest";
import { AudioCache } from "./audio-cache";

async function collect(stream: AsyncIterable<Uint8Array>): Promise<number[]> {
  const out: number[] = [];
  for await (const chunk of stream) out.push(...chunk);
  return out;
}

function producer(chunks: number[][], options: { delayMs?: number; failAfter?: number } = {}) {
  let runs = 0;
  const produce = async function* () {
    runs++;
    for (let i = 0; i < chunks.length; i++) {
      if (options.failAfter !== undefined && i >= options.failAfter) throw new Error("synthesis failed");
      await new Promise((r) => setTimeout(r, options.delayMs ?? 1));
      yield new Uint8Array(chunks[i]!);
    }
  };
  return { produce, runs: () => runs };
}

describe("AudioCache", () => {
  it("synthesizes once for concurrent listeners, then serves from memory", async () => {
    const cache = new AudioCache();
    const p = producer([[1, 2], [3], [4, 5]], { delayMs: 5 });
    const [a, b] = await Promise.all([collect(cache.stream("k", p.produce)), collect(cache.stream("k", p.produce))]);
    expect(a).toEqual([1, 2, 3, 4, 5]);
    expect(b).toEqual([1, 2, 3, 4, 5]);
    expect(await collect(cache.stream("k", p.produce))).toEqual([1, 2, 3, 4, 5]);
    expect(p.runs()).toBe(1);
    expect(cache.has("k")).toBe(true);
  });

  it("streams the first chunk before synthesis has finished", async () => {
    const cache = new AudioCache();
    const p = producer([[1], [2]], { delayMs: 30 });
    const iterator = cache.stream("k", p.produce)[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect([...(first.value as Uint8Array)]).toEqual([1]);
    expect(cache.has("k")).toBe(false);
    await iterator.return?.();
  });

  it("does not cache a failed synthesis, and a listener that leaves early does not cut it short", async () => {
    const cache = new AudioCache();
    const failing = producer([[1], [2]], { failAfter: 1 });
    await expect(collect(cache.stream("bad", failing.produce))).rejects.toThrow("synthesis failed");
    expect(cache.has("bad")).toBe(false);

    const slow = producer([[1], [2], [3]], { delayMs: 5 });
    for await (const _ of cache.stream("k", slow.produce)) break;
    await new Promise((r) => setTimeout(r, 50));
    expect(await collect(cache.stream("k", slow.produce))).toEqual([1, 2, 3]);
    expect(slow.runs()).toBe(1);
  });

  it("evicts the least recently used entries past its byte budget", async () => {
    const cache = new AudioCache({ maxBytes: 10 });
    for (const key of ["a", "b", "c"]) await collect(cache.stream(key, producer([[1, 2, 3, 4]]).produce));
    expect(cache.has("a")).toBe(false);
    expect(cache.has("b")).toBe(true);
    expect(cache.bytes).toBeLessThanOrEqual(10);
  });
});
