import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { teams, type Team } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import { isValidTimeZone } from "@/lib/time/zone";
import { PLATFORM_LIMIT_DEFAULTS } from "./platform-limits";
import { isZoneKnownToDatabase } from "./time-zone";

export const ZTeamSettings = z.object({
  name: z.string().trim().min(1, "Enter a team name").max(100),
  concurrentCallLimit: z.coerce
    .number({ error: "Enter a number" })
    .int("Use a whole number")
    .min(1, "At least 1 call")
    .max(1000, "At most 1000 calls"),
  // Absent: unchanged (forms and clients from before the setting existed).
  timeZone: z
    .string()
    .trim()
    .refine((tz) => isValidTimeZone(tz), "Pick a time zone from the list")
    .optional(),
});
export type TTeamSettings = z.infer<typeof ZTeamSettings>;

// maxConcurrentCallsPerTeam: PLATFORM_MAX_CONCURRENT_CALLS_PER_TEAM. A limit already above it (set before the cap
// was lowered) is kept when other settings are saved, so saving the name does not fail, but it cannot be raised.
export async function updateTeamSettings(
  db: Db,
  team: Team,
  actor: TAuditActor,
  input: TTeamSettings,
  maxConcurrentCallsPerTeam: number = PLATFORM_LIMIT_DEFAULTS.maxConcurrentCallsPerTeam,
) {
  if (input.concurrentCallLimit > maxConcurrentCallsPerTeam && input.concurrentCallLimit !== team.concurrentCallLimit) {
    throw new AppError(
      "bad_request",
      `The concurrent call limit can be at most ${maxConcurrentCallsPerTeam} on this platform. Ask the platform operator if you need more.`,
      { field: "concurrentCallLimit", limit: maxConcurrentCallsPerTeam },
    );
  }
  if (input.timeZone !== undefined && input.timeZone !== team.timeZone && !(await isZoneKnownToDatabase(db, input.timeZone))) {
    throw new AppError("bad_request", `"${input.timeZone}" is not a time zone this server knows. Pick another city in the same zone.`, {
      field: "timeZone",
    });
  }
  const changes = Object.fromEntries(
    (Object.keys(input) as (keyof TTeamSettings)[])
      .filter((key) => input[key] !== undefined && team[key] !== input[key])
      .map((key) => [key, { from: team[key], to: input[key] }]),
  );
  if (Object.keys(changes).length === 0) return team;
  return db.transaction(async (tx) => {
    const set = Object.fromEntries(Object.keys(changes).map((key) => [key, input[key as keyof TTeamSettings]]));
    const [updated] = await tx.update(teams).set(set).where(eq(teams.id, team.id)).returning();
    await recordAudit(tx, {
      teamId: team.id,
      actor,
      action: "team.settings_changed",
      targetType: "team",
      targetId: team.id,
      targetLabel: input.name,
      metadata: { changes },
    });
    return updated ?? team;
  });
}
