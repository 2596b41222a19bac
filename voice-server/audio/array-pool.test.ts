import { describe, expect, it } from "vitest";
import { ArrayPool } from "./array-pool";
import { AudioHistory } from "./frames";

describe("ArrayPool", () => {
  it("hands back a returned array, zeroed, instead of allocating", () => {
    const pool = new ArrayPool(4, (length) => new Uint8Array(length));
    const first = pool.take();
    first.set([1, 2, 3, 4]);
    pool.give(first);
    const again = pool.take();
    expect(again).toBe(first);
    expect([...again]).toEqual([0, 0, 0, 0]);
    expect(pool.take()).not.toBe(first);
  });

  it("refuses arrays of another length, the same array twice, and more than its limit", () => {
    const pool = new ArrayPool(4, (length) => new Int16Array(length), 2);
    pool.give(new Int16Array(0));
    pool.give(new Int16Array(8));
    expect(pool.idle).toBe(0);
    const a = pool.take();
    pool.give(a);
    pool.give(a);
    expect(pool.idle).toBe(1);
    pool.give(new Int16Array(4));
    pool.give(new Int16Array(4));
    expect(pool.idle).toBe(2);
  });

  it("a released AudioHistory gives its ring back and ignores audio pushed later", () => {
    const pool = new ArrayPool<Uint8Array>(8, (length) => new Uint8Array(length));
    const history = new AudioHistory(pool.take());
    history.push(new Uint8Array([1, 2, 3]));
    expect([...history.since(0)]).toEqual([1, 2, 3]);
    pool.give(history.release());
    history.push(new Uint8Array([4, 5]));
    expect(history.since(0).length).toBe(0);
    pool.give(history.release());
    expect(pool.idle).toBe(1);
  });
});
