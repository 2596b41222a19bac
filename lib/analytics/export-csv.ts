import type { TDailyPoint } from "./queries";

// The dashboard's daily series as CSV (RFC 4180, CRLF line ends), one row per UTC day of the range.
export const CSV_COLUMNS = [
  "day",
  "calls",
  "answered",
  "abandoned",
  "resolved",
  "transferred",
  "message_taken",
  "failed",
  "resolution_rate",
  "avg_handle_sec",
  "sentiment_positive",
  "sentiment_neutral",
  "sentiment_negative",
  "voice_to_voice_p50_ms",
  "voice_to_voice_p95_ms",
] as const;

function cell(value: number | string | null): string {
  if (value === null) return "";
  const text = typeof value === "number" ? String(Math.round(value * 10_000) / 10_000) : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function dailySeriesCsv(points: readonly TDailyPoint[]): string {
  const rows = points.map((p) =>
    [
      p.day,
      p.calls,
      p.answered,
      p.abandoned,
      p.resolved,
      p.transferred,
      p.messageTaken,
      p.failed,
      p.resolutionRate,
      p.avgHandleSec,
      p.sentiment.positive,
      p.sentiment.neutral,
      p.sentiment.negative,
      p.v2vP50Ms,
      p.v2vP95Ms,
    ]
      .map(cell)
      .join(","),
  );
  return [CSV_COLUMNS.join(","), ...rows].join("\r\n") + "\r\n";
}
