import type { TLiveCall, TLiveTurn } from "@/lib/calls/list-live-calls";

// Polls the team's live route for the live view. Each poll asks only for turns it does not have yet; turns are
// merged by their sequence number, so a turn that arrives twice (a retried request, a response that crossed an
// older one) is shown once. A stopped poller never reports again: its request in flight is aborted and a response
// that still lands is dropped, so a remount (React runs effects twice in development) cannot write into the new
// poller's transcript.

export type TLiveBody = { calls: TLiveCall[]; now: string };

export type TLivePollerOptions = {
  url: (after: string) => string;
  fetchBody: (url: string, signal: AbortSignal) => Promise<TLiveBody>;
  onData: (calls: TLiveCall[], serverNowMs: number) => void;
  onError: (error: unknown) => void;
  nextDelayMs: () => number;
};

// The turns of `incoming` added to `known`, unique by seq and in order.
export function mergeTurns(known: readonly TLiveTurn[], incoming: readonly TLiveTurn[]): TLiveTurn[] {
  if (incoming.length === 0) return [...known];
  const bySeq = new Map<number, TLiveTurn>();
  for (const turn of known) bySeq.set(turn.seq, turn);
  // A turn sent again carries its latest state (e.g. marked interrupted since).
  for (const turn of incoming) bySeq.set(turn.seq, turn);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

export function startLivePoller(options: TLivePollerOptions): () => void {
  const abort = new AbortController();
  let known = new Map<string, TLiveTurn[]>();
  let timer: ReturnType<typeof setTimeout> | undefined;

  const poll = async () => {
    const after = [...known.entries()].map(([id, turns]) => `${id}:${turns.at(-1)?.seq ?? 0}`).join(",");
    try {
      const body = await options.fetchBody(options.url(after), abort.signal);
      if (abort.signal.aborted) return;
      const next = new Map<string, TLiveTurn[]>();
      const calls = body.calls.map((call) => {
        const turns = mergeTurns(known.get(call.id) ?? [], call.turns);
        next.set(call.id, turns);
        return { ...call, turns };
      });
      known = next;
      options.onData(calls, Date.parse(body.now));
    } catch (error) {
      if (abort.signal.aborted) return;
      options.onError(error);
    }
    if (!abort.signal.aborted) timer = setTimeout(() => void poll(), options.nextDelayMs());
  };
  void poll();
  return () => {
    abort.abort();
    clearTimeout(timer);
  };
}
