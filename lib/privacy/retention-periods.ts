import type { Team } from "@/db/schema";

// How long each kind of a team's data is kept, in days; null: kept until deleted. Today one period
// (teams.data_retention_days) covers everything; per-kind periods replace this one function when they exist, and
// every reader (the Data & privacy page, its notice) follows.
export type TRetentionPeriods = {
  recordings: number | null;
  transcripts: number | null;
  calls: number | null;
  messages: number | null;
  webhookPayloads: number | null;
};

export function retentionPeriodsOf(team: Pick<Team, "dataRetentionDays">): TRetentionPeriods {
  const days = team.dataRetentionDays;
  return { recordings: days, transcripts: days, calls: days, messages: days, webhookPayloads: days };
}

export function describePeriod(days: number | null): string {
  if (days === null) return "until deleted";
  if (days % 365 === 0) return `${days / 365} year${days === 365 ? "" : "s"}`;
  return `${days} day${days === 1 ? "" : "s"}`;
}
