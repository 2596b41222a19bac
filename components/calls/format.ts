// Display helpers shared by the calls pages (server and client).
import { formatLocalDateTime, zoneAbbreviation } from "@/lib/time/zone";

export function formatClock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(h > 0 ? 2 : 1, "0");
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(s).padStart(2, "0")}`;
}

export function formatDuration(sec: number | null): string {
  return sec === null ? "—" : formatClock(sec * 1000);
}

// A moment in the team's time zone: "2026-03-04 09:15 EST" (sortable, 24-hour, with the zone it is in).
export function formatInZone(d: Date, tz: string): string {
  return `${formatLocalDateTime(tz, d)} ${zoneAbbreviation(tz, d)}`;
}

export const OUTCOME_LABEL: Record<string, string> = {
  resolved: "Resolved",
  transferred: "Transferred",
  message_taken: "Message taken",
  abandoned: "Abandoned",
  failed: "Failed",
};

export const OUTCOME_TONE: Record<string, "green" | "brand" | "amber" | "slate" | "red"> = {
  resolved: "green",
  transferred: "brand",
  message_taken: "amber",
  abandoned: "slate",
  failed: "red",
};

export const SENTIMENT_TONE: Record<string, "green" | "slate" | "red"> = { positive: "green", neutral: "slate", negative: "red" };
export const SENTIMENT_ICON: Record<string, string> = { positive: "☺", neutral: "•", negative: "☹" };
