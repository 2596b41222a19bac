import { and, count, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { phoneNumbers } from "@/db/schema";
import { AppError } from "@/lib/errors";

// Caps the platform operator sets for every team (PLATFORM_MAX_NUMBERS_PER_TEAM,
// PLATFORM_MAX_CONCURRENT_CALLS_PER_TEAM): numbers cost a monthly fee each and every concurrent call holds voice
// capacity and provider spend, so no single team (or a compromised admin account) can run either up without limit.
export const PLATFORM_LIMIT_DEFAULTS = { maxNumbersPerTeam: 25, maxConcurrentCallsPerTeam: 50 } as const;

export type TPlatformLimits = { maxNumbersPerTeam: number; maxConcurrentCallsPerTeam: number };

// Before asking Twilio for a number (so nothing is bought that cannot be kept) and again inside the transaction
// that records it, under a per-team lock, so two purchases at once cannot both take the last slot.
export async function assertRoomForNumber(db: DbOrTx, teamId: string, maxNumbersPerTeam: number, options: { lock?: boolean } = {}): Promise<void> {
  if (options.lock) await db.execute(sql`select pg_advisory_xact_lock(hashtext(${"numbers:" + teamId}))`);
  const [row] = await db
    .select({ n: count() })
    .from(phoneNumbers)
    .where(and(eq(phoneNumbers.teamId, teamId), eq(phoneNumbers.status, "active")));
  const active = row?.n ?? 0;
  if (active >= maxNumbersPerTeam) {
    throw new AppError(
      "conflict",
      `This team already has ${active} phone number${active === 1 ? "" : "s"}, the most the platform allows (${maxNumbersPerTeam}). Release one first, or ask the platform operator to raise PLATFORM_MAX_NUMBERS_PER_TEAM.`,
      { limit: maxNumbersPerTeam },
    );
  }
}
