import { afterEach, describe, expect, it, vi } from "vitest";
import type { TLiveCall, TLiveTurn } from "@/lib/calls/list-live-calls";
import { mergeTurns, startLivePoller, type TLiveBody } from "./live-poller";

const turn = (seq: number, text = `turn ${seq}`): TLiveTurn => ({ seq, speaker: seq % 2 ? "agent" : "caller", text, startMs: seq * 1000, isInterrupted: false });
const liveCall = (turns: TLiveTurn[]): TLiveCall => ({
  id: "call-1",
  status: "in_progress",
  isTest: false,
  direction: "inbound",
  fromNumber: "+15550001111",
  toNumber: "+15550002222",
  agentName: "Reception",
  startedAt: new Date(0).toISOString(),
  answeredAt: null,
  turns,
});

type TPending = { url: string; signal: AbortSignal; resolve: (body: TLiveBody) => void };

// A fetch whose responses the test releases one by one, in any order.
function controlledFetch() {
  const pending: TPending[] = [];
  const fetchBody = (url: string, signal: AbortSignal) =>
    new Promise<TLiveBody>((resolve, reject) => {
      signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
      pending.push({ url, signal, resolve });
    });
  return { pending, fetchBody };
}

const body = (turns: TLiveTurn[]): TLiveBody => ({ calls: [liveCall(turns)], now: new Date(0).toISOString() });
const tick = () => new Promise((r) => setTimeout(r, 0));

afterEach(() => vi.useRealTimers());

describe("live poller", () => {
  it("a poll answered after its poller stopped writes nothing, so a remount never shows a line twice", async () => {
    const net = controlledFetch();
    const seen: TLiveCall[][] = [];
    const options = { url: (after: string) => `/live?after=${after}`, fetchBody: net.fetchBody, onData: (c: TLiveCall[]) => seen.push(c), onError: () => {}, nextDelayMs: () => 1 };
    // React in development: mount, unmount, mount again, while the first request is still in flight.
    const stopFirst = startLivePoller(options);
    stopFirst();
    const stopSecond = startLivePoller(options);
    expect(net.pending).toHaveLength(2);
    expect(net.pending[0]!.signal.aborted).toBe(true);
    net.pending[1]!.resolve(body([turn(1), turn(2)]));
    net.pending[0]!.resolve(body([turn(1), turn(2)])); // the stale answer lands late
    await tick();
    await tick();
    expect(seen).toHaveLength(1);
    // The next poll asks for turns after the last one it has and gets an overlapping page: still one of each.
    expect(net.pending[2]!.url).toBe("/live?after=call-1:2");
    net.pending[2]!.resolve(body([turn(2), turn(3)]));
    await tick();
    expect(seen.at(-1)![0]!.turns.map((t) => t.seq)).toEqual([1, 2, 3]);
    stopSecond();
  });

  it("reports errors and keeps polling, and stops for good when stopped", async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const stop = startLivePoller({
      url: () => "/live",
      fetchBody: async () => {
        calls++;
        if (calls === 1) throw new Error("HTTP 502");
        return body([turn(1)]);
      },
      onData: () => {},
      onError: (e) => errors.push(e),
      nextDelayMs: () => 1,
    });
    await new Promise((r) => setTimeout(r, 20));
    stop();
    const after = calls;
    await new Promise((r) => setTimeout(r, 20));
    expect(errors).toHaveLength(1);
    expect(after).toBeGreaterThan(1);
    expect(calls).toBe(after);
  });
});

describe("mergeTurns", () => {
  it("keeps one turn per seq, in order, with the latest state of a resent turn", () => {
    const merged = mergeTurns([turn(1), turn(2)], [{ ...turn(2), isInterrupted: true }, turn(4), turn(3)]);
    expect(merged.map((t) => t.seq)).toEqual([1, 2, 3, 4]);
    expect(merged[1]!.isInterrupted).toBe(true);
  });
});
