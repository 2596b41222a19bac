import type { TRetentionPolicy } from "@/lib/retention/kinds";

// How long each kind of a team's data is kept, in days; null: kept until deleted. The team's retention policy
// (lib/retention/) is the one source; the Data & privacy page and its notice read it through this type.
export type TRetentionPeriods = TRetentionPolicy;

export function describePeriod(days: number | null): string {
  if (days === null) return "until deleted";
  if (days % 365 === 0) return `${days / 365} year${days === 365 ? "" : "s"}`;
  return `${days} day${days === 1 ? "" : "s"}`;
}
