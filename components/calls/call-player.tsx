"use client";
import { useEffect, useRef, useState } from "react";
import { SENTIMENT_ICON } from "./format";
import { formatClock } from "./format";

export type TPlayerTurn = {
  seq: number;
  speaker: "caller" | "agent";
  text: string;
  startMs: number;
  endMs: number;
  isInterrupted: boolean;
  sentiment: string | null;
};

// The recording with the transcript following along: the turn under the playhead is highlighted and scrolled
// into view; clicking a turn seeks there.
export function CallPlayer({ recordingUrl, turns }: { recordingUrl: string | null; turns: TPlayerTurn[] }) {
  const audio = useRef<HTMLAudioElement>(null);
  const list = useRef<HTMLOListElement>(null);
  const [currentMs, setCurrentMs] = useState<number | null>(null);
  const [loadError, setLoadError] = useState(false);
  const active = currentMs === null ? null : (turns.find((t) => currentMs >= t.startMs && currentMs <= t.endMs)?.seq ?? null);

  useEffect(() => {
    if (active === null) return;
    const el = list.current?.querySelector<HTMLElement>(`[data-seq="${active}"]`);
    el?.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }, [active]);

  const seek = (ms: number) => {
    const el = audio.current;
    if (!el) return;
    el.currentTime = ms / 1000;
    setCurrentMs(ms);
    void el.play().catch(() => {});
  };

  return (
    <div className="space-y-4">
      {recordingUrl ? (
        <div>
          <audio
            ref={audio}
            controls
            preload="metadata"
            src={recordingUrl}
            className="w-full"
            aria-label="Call recording"
            onTimeUpdate={(e) => setCurrentMs(Math.round(e.currentTarget.currentTime * 1000))}
            onSeeked={(e) => setCurrentMs(Math.round(e.currentTarget.currentTime * 1000))}
            onError={() => setLoadError(true)}
          />
          {loadError && <p className="mt-1 text-sm text-red-700">The recording could not be loaded.</p>}
        </div>
      ) : (
        <p className="text-sm text-slate-500">No recording for this call.</p>
      )}
      {turns.length === 0 ? (
        <p className="text-sm text-slate-500">Nobody spoke on this call.</p>
      ) : (
        <ol ref={list} className="max-h-[32rem] space-y-1 overflow-y-auto" aria-label="Transcript">
          {turns.map((t) => {
            const isActive = t.seq === active;
            return (
              <li key={t.seq} data-seq={t.seq} data-testid="transcript-turn" aria-current={isActive ? "true" : undefined}>
                <button
                  type="button"
                  onClick={() => seek(t.startMs)}
                  disabled={!recordingUrl}
                  className={`flex w-full gap-3 rounded-md px-3 py-2 text-left text-sm transition-colors disabled:cursor-default ${
                    isActive ? "bg-brand-50 ring-1 ring-brand-200" : "hover:bg-slate-50"
                  } ${t.speaker === "caller" ? "" : "bg-slate-50/60"}`}
                  title={recordingUrl ? `Play from ${formatClock(t.startMs)}` : undefined}
                >
                  <span className="w-12 shrink-0 font-mono text-xs leading-5 text-slate-400">{formatClock(t.startMs)}</span>
                  <span className={`w-14 shrink-0 font-semibold ${t.speaker === "caller" ? "text-brand-700" : "text-slate-700"}`}>
                    {t.speaker === "caller" ? "Caller" : "Agent"}
                  </span>
                  <span className="min-w-0 flex-1 text-slate-800">
                    {t.text || (t.isInterrupted ? <span className="text-slate-500">(cut off before its first sentence ended)</span> : null)}
                    {t.isInterrupted && (
                      <span className="ml-2 inline-block rounded bg-amber-50 px-1.5 text-xs font-medium text-amber-800" title="The caller talked over the agent; this is what the caller heard.">
                        interrupted
                      </span>
                    )}
                  </span>
                  {t.sentiment && t.speaker === "caller" && (
                    <span className="shrink-0 text-xs text-slate-500" title={`Sentiment: ${t.sentiment}`}>
                      {SENTIMENT_ICON[t.sentiment]} {t.sentiment}
                    </span>
                  )}
                </button>
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}
