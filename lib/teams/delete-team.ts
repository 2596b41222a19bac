import { rm } from "node:fs/promises";
import { and, count, eq, inArray, isNotNull, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { calls, phoneNumbers, teams, type Team } from "@/db/schema";
import { forgetTeamDataKeys } from "@/lib/crypto/data-keys";
import { AppError } from "@/lib/errors";
import type { TRecordingStoreSet } from "@/lib/recordings/create-stores";
import { storeFor } from "@/lib/recordings/create-stores";

export const ZDeleteTeam = z.object({ confirmation: z.string().max(200) });

type TLog = { warn(message: string, fields?: Record<string, unknown>): void };

// The owner deletes the team: every row of it goes (the foreign keys cascade from teams), its data keys with them,
// so each of its recordings, in the stores and in any backup or copy of them, can no longer be decrypted
// (crypto-shredding). The recording files are then removed too, best effort: what stays behind is ciphertext
// without a key (or a plain recording from before encryption, which is why they are removed at all).
// Refused while a call is live or the team still holds phone numbers (they would keep ringing here and billing).
export async function deleteTeam(
  db: Db,
  input: { team: Team; confirmation: string; stores: TRecordingStoreSet; log?: TLog },
): Promise<{ recordingsRemoved: number; recordingsLeft: number }> {
  const { team } = input;
  if (input.confirmation.trim() !== team.name.trim()) {
    throw new AppError("bad_request", `Type the team's name, ${team.name}, exactly to confirm.`, { field: "confirmation" });
  }
  const recordings = await db.transaction(async (tx) => {
    // Holds the team row: a concurrent number purchase or call start waits for this to finish (and then fails).
    await tx.select({ id: teams.id }).from(teams).where(eq(teams.id, team.id)).for("update");
    const [numbers] = await tx
      .select({ n: count() })
      .from(phoneNumbers)
      .where(and(eq(phoneNumbers.teamId, team.id), eq(phoneNumbers.status, "active")));
    if ((numbers?.n ?? 0) > 0) {
      throw new AppError(
        "conflict",
        `Release the team's ${numbers!.n} phone number${numbers!.n === 1 ? "" : "s"} on the Numbers page first, so they stop ringing here and being billed.`,
      );
    }
    const [live] = await tx
      .select({ n: count() })
      .from(calls)
      .where(and(eq(calls.teamId, team.id), inArray(calls.status, ["ringing", "in_progress"]), isNull(calls.endedAt)));
    if ((live?.n ?? 0) > 0) throw new AppError("conflict", "A call is in progress. Delete the team once it has ended.");
    const paths = await tx
      .select({ path: calls.recordingPath, storage: calls.recordingStorage })
      .from(calls)
      .where(and(eq(calls.teamId, team.id), isNotNull(calls.recordingPath)));
    await tx.delete(teams).where(eq(teams.id, team.id));
    return paths;
  });
  forgetTeamDataKeys(team.id);

  let removed = 0;
  let left = 0;
  for (const recording of recordings) {
    const store = storeFor(input.stores, recording.storage);
    if (!store || !recording.path) {
      left++;
      continue;
    }
    try {
      await store.remove(recording.path);
      removed++;
    } catch (error) {
      left++;
      input.log?.warn("could not delete a recording of a deleted team (it can no longer be decrypted)", { teamId: team.id, error });
    }
  }
  // The spool directory (files of calls whose rows are gone, partial uploads).
  if (input.stores.local) {
    await rm(input.stores.local.pathOf(`${team.id}/`), { recursive: true, force: true }).catch((error: unknown) =>
      input.log?.warn("could not delete a deleted team's recordings directory", { teamId: team.id, error }),
    );
  }
  return { recordingsRemoved: removed, recordingsLeft: left };
}
