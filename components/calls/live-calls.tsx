"use client";
import Link from "next/link";
import { useEffect, useState } from "react";
import { Badge, Card, EmptyState } from "@/components/ui/card";
import type { TLiveCall } from "@/lib/calls/list-live-calls";
import { formatClock } from "./format";
import { startLivePoller, type TLiveBody } from "./live-poller";

const POLL_MS = 1500;

type TState = { calls: TLiveCall[]; offsetMs: number; isLoaded: boolean; error: string | null };

// Calls in progress, polled from the team's live route (live-poller.ts).
export function LiveCalls({ slug, variant = "full" }: { slug: string; variant?: "full" | "compact" }) {
  const [state, setState] = useState<TState>({ calls: [], offsetMs: 0, isLoaded: false, error: null });
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    const stop = startLivePoller({
      url: (after) => `/api/teams/${slug}/calls/live${after ? `?after=${after}` : ""}`,
      fetchBody: async (url, signal) => {
        const response = await fetch(url, { cache: "no-store", signal });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return (await response.json()) as TLiveBody;
      },
      onData: (calls, serverNowMs) => setState({ calls, offsetMs: serverNowMs - Date.now(), isLoaded: true, error: null }),
      onError: (error) =>
        setState((s) => ({ ...s, isLoaded: true, error: `Live updates paused (${error instanceof Error ? error.message : "network error"}); retrying…` })),
      nextDelayMs: () => (document.hidden ? POLL_MS * 4 : POLL_MS),
    });
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      stop();
      clearInterval(tick);
    };
  }, [slug]);

  const serverNow = now + state.offsetMs;
  if (variant === "compact") {
    if (state.calls.length === 0) return null;
    return (
      <section aria-label="Live now" className="mb-6 rounded-lg bg-brand-50 p-4 ring-1 ring-brand-100">
        <div className="mb-2 flex items-center justify-between">
          <h2 className="flex items-center gap-2 text-sm font-semibold text-brand-700">
            <span className="size-2 animate-pulse rounded-full bg-red-500" aria-hidden />
            Live now ({state.calls.length})
          </h2>
          <Link href={`/t/${slug}/calls/live`} className="text-sm font-medium text-brand-700 hover:underline">Watch live →</Link>
        </div>
        <ul className="space-y-1 text-sm">
          {state.calls.map((c) => (
            <li key={c.id} className="flex flex-wrap gap-x-3 text-slate-700">
              <span className="font-mono text-xs">{c.fromNumber || "Browser"}</span>
              <span>{c.agentName ?? "No agent"}</span>
              <span className="tabular-nums">{formatClock(serverNow - Date.parse(c.answeredAt ?? c.startedAt))}</span>
              <span className="truncate text-slate-500">{c.turns.at(-1)?.text ?? ""}</span>
            </li>
          ))}
        </ul>
      </section>
    );
  }
  return (
    <div className="space-y-4" aria-live="polite">
      {state.error && <p className="text-sm text-amber-700">{state.error}</p>}
      {!state.isLoaded ? (
        <p className="text-sm text-slate-500">Loading live calls…</p>
      ) : state.calls.length === 0 ? (
        <EmptyState title="No calls in progress">This page updates by itself: calls appear here the moment they are answered, with the transcript as it grows.</EmptyState>
      ) : (
        state.calls.map((c) => (
          <Card
            key={c.id}
            title={
              <span className="flex flex-wrap items-center gap-2">
                <span className="size-2 animate-pulse rounded-full bg-red-500" aria-hidden />
                <Link href={`/t/${slug}/calls/${c.id}`} className="font-mono hover:underline">{c.fromNumber || "Browser call"}</Link>
                <span className="text-sm font-normal text-slate-500">→ {c.toNumber || (c.direction === "web" ? "browser test call" : "unknown number")}</span>
                {c.isTest && <Badge tone="amber">Test</Badge>}
                {c.status === "ringing" && <Badge>Ringing</Badge>}
              </span>
            }
            description={`${c.agentName ?? "No agent"} · ${formatClock(serverNow - Date.parse(c.answeredAt ?? c.startedAt))}`}
          >
            <ol className="max-h-80 space-y-2 overflow-y-auto text-sm" data-testid="live-transcript" data-call-id={c.id}>
              {c.turns.length === 0 && <li className="text-slate-400">Waiting for the first words…</li>}
              {c.turns.map((t) => (
                <li key={t.seq} className={t.speaker === "agent" ? "text-slate-800" : "text-brand-800"}>
                  <span className="mr-2 font-mono text-xs text-slate-400">{formatClock(t.startMs)}</span>
                  <span className="font-semibold">{t.speaker === "agent" ? "Agent" : "Caller"}:</span> {t.text}
                  {t.isInterrupted && <span className="ml-2 text-xs text-amber-700">(interrupted)</span>}
                </li>
              ))}
            </ol>
          </Card>
        ))
      )}
    </div>
  );
}
