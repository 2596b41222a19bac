import { and, asc, eq, gt, isNotNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { teams, webhookEndpoints } from "@/db/schema";
import { isSealedWith, openSecret, sealSecret } from "./secret-box";

export type TResealResult = { resealed: number; unreadable: number };

// After a master key rotation: every stored secret (team Twilio auth tokens, webhook signing secrets) that the new
// ENCRYPTION_KEY does not open is opened with a previous key and sealed again under the new one. Each row is
// updated only if it still holds what was read, so a second run (or a concurrent edit) is safe. `unreadable`
// counts secrets no configured key opens.
export async function resealSecrets(db: Db, key: Buffer, options: { batchSize?: number } = {}): Promise<TResealResult> {
  const batchSize = options.batchSize ?? 500;
  const result: TResealResult = { resealed: 0, unreadable: 0 };
  const reseal = (sealed: string): string | null => {
    if (isSealedWith(sealed, key)) return null;
    try {
      return sealSecret(openSecret(sealed, key), key);
    } catch {
      result.unreadable++;
      return null;
    }
  };

  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const rows = await db
      .select({ id: teams.id, sealed: teams.twilioAuthTokenEnc })
      .from(teams)
      .where(and(isNotNull(teams.twilioAuthTokenEnc), gt(teams.id, after)))
      .orderBy(asc(teams.id))
      .limit(batchSize);
    if (rows.length === 0) break;
    for (const row of rows) {
      const next = row.sealed ? reseal(row.sealed) : null;
      if (!next) continue;
      const updated = await db
        .update(teams)
        .set({ twilioAuthTokenEnc: next })
        .where(and(eq(teams.id, row.id), eq(teams.twilioAuthTokenEnc, row.sealed!)))
        .returning({ id: teams.id });
      result.resealed += updated.length;
    }
    after = rows[rows.length - 1]!.id;
  }

  after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const rows = await db
      .select({ id: webhookEndpoints.id, teamId: webhookEndpoints.teamId, sealed: webhookEndpoints.secretEnc })
      .from(webhookEndpoints)
      .where(gt(webhookEndpoints.id, after))
      .orderBy(asc(webhookEndpoints.id))
      .limit(batchSize);
    if (rows.length === 0) break;
    for (const row of rows) {
      const next = reseal(row.sealed);
      if (!next) continue;
      const updated = await db
        .update(webhookEndpoints)
        .set({ secretEnc: next })
        .where(and(eq(webhookEndpoints.id, row.id), eq(webhookEndpoints.teamId, row.teamId), eq(webhookEndpoints.secretEnc, row.sealed)))
        .returning({ id: webhookEndpoints.id });
      result.resealed += updated.length;
    }
    after = rows[rows.length - 1]!.id;
  }
  return result;
}
