import { describe, expect, it } from "vitest";
import { LineHandover } from "./line-handover";

describe("LineHandover", () => {
  it("holds close() back from the redirect until the transfer is recorded, even when the stream stops first", async () => {
    const handover = new LineHandover(5_000);
    const transferred: string[] = [];
    let answer!: () => void;
    const control = handover.controlFor(() => new Promise<void>((resolve) => (answer = resolve)), {
      onError: () => {},
      onTransferred: (e164) => transferred.push(e164),
    });
    const redirecting = control.redirect("<Response/>", "Sales");
    handover.streamStopped();
    let isSettled = false;
    const settling = handover.settled().then(() => (isSettled = true));
    answer();
    expect(await redirecting).toBe(true);
    await Promise.resolve();
    expect(isSettled).toBe(false);
    control.noteTransferred("+15550001111");
    await control.untilStreamStops();
    await settling;
    expect([isSettled, transferred]).toEqual([true, ["+15550001111"]]);
  });

  it("a refused redirect is reported and does not hold close() back", async () => {
    const handover = new LineHandover(5_000);
    const errors: string[] = [];
    const control = handover.controlFor(() => Promise.reject(new Error("403")), {
      onError: (error, department) => errors.push(`${department}: ${(error as Error).message}`),
      onTransferred: () => {},
    });
    expect(await control.redirect("<Response/>", "Sales")).toBe(false);
    expect(errors).toEqual(["Sales: 403"]);
    const started = performance.now();
    await handover.settled();
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("waits for the carrier to stop the stream after a transfer, but not for ever", async () => {
    const handover = new LineHandover(50);
    const control = handover.controlFor(async () => {}, { onError: () => {}, onTransferred: () => {} });
    const started = performance.now();
    await control.untilStreamStops();
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });
});
