import { describe, expect, it } from "vitest";
import { isTransientDbError, WriteQueue } from "./write-queue";

describe("WriteQueue", () => {
  it("applies writes one at a time in order, retrying transient database errors", async () => {
    const done: string[] = [];
    const retries: string[] = [];
    const queue = new WriteQueue({ baseDelayMs: 1, onRetry: (name) => retries.push(name) });
    let failures = 2;
    queue.push("a", async () => {
      await new Promise((r) => setTimeout(r, 10));
      done.push("a");
    });
    queue.push("b", async () => {
      if (failures-- > 0) throw Object.assign(new Error("connection reset"), { code: "ECONNRESET" });
      done.push("b");
    });
    queue.push("c", async () => {
      done.push("c");
    });
    expect(queue.size).toBe(3);
    await queue.flush();
    expect(done).toEqual(["a", "b", "c"]);
    expect(retries).toEqual(["b", "b"]);
    expect(queue.size).toBe(0);
  });

  it("gives up on errors that a retry cannot fix, and carries on with the next write", async () => {
    const gaveUp: string[] = [];
    const done: string[] = [];
    const queue = new WriteQueue({ baseDelayMs: 1, onGiveUp: (name) => gaveUp.push(name) });
    queue.push("bad", async () => {
      throw Object.assign(new Error("violates foreign key"), { code: "23503" });
    });
    queue.push("good", async () => {
      done.push("good");
    });
    await queue.flush();
    expect(gaveUp).toEqual(["bad"]);
    expect(done).toEqual(["good"]);
  });

  it("classifies Postgres connection and serialization errors as transient", () => {
    expect(isTransientDbError({ code: "08006" })).toBe(true);
    expect(isTransientDbError({ code: "40001" })).toBe(true);
    expect(isTransientDbError(new Error("wrapped", { cause: { code: "57P01" } }))).toBe(true);
    expect(isTransientDbError({ code: "23505" })).toBe(false);
    expect(isTransientDbError(new Error("plain"))).toBe(false);
  });
});
