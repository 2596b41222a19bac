import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { teamRedactionSettings, type Team } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { DEFAULT_REDACTION_SETTINGS, type TRedactionSettings } from "./redact-text";

// A form checkbox: present ("on") when ticked, absent when not; the API sends booleans.
const zCheckbox = z
  .union([z.boolean(), z.enum(["on", "true", "false"])])
  .optional()
  .transform((v) => v === true || v === "on" || v === "true");

export const ZRedactionSettings = z.object({
  cardNumbers: zCheckbox,
  ssns: zCheckbox,
  emails: zCheckbox,
  phoneNumbers: zCheckbox,
});

export async function loadRedactionSettings(db: Db, teamId: string): Promise<TRedactionSettings> {
  const [row] = await db.select().from(teamRedactionSettings).where(eq(teamRedactionSettings.teamId, teamId)).limit(1);
  if (!row) return DEFAULT_REDACTION_SETTINGS;
  return { cardNumbers: row.cardNumbers, ssns: row.ssns, emails: row.emails, phoneNumbers: row.phoneNumbers };
}

// Turn writes happen many times a call: the settings are read once per team and kept for a short while, so a change
// applies to new turns within this time.
const CACHE_TTL_MS = 15_000;
const cache = new Map<string, { at: number; settings: Promise<TRedactionSettings> }>();

export function redactionSettingsFor(db: Db, teamId: string, now = Date.now()): Promise<TRedactionSettings> {
  const hit = cache.get(teamId);
  if (hit && now - hit.at < CACHE_TTL_MS) return hit.settings;
  const settings = loadRedactionSettings(db, teamId);
  cache.set(teamId, { at: now, settings });
  // A failed read is not remembered; the write that needed it fails and is retried by its queue.
  settings.catch(() => cache.delete(teamId));
  if (cache.size > 10_000) for (const [id, entry] of cache) if (now - entry.at >= CACHE_TTL_MS) cache.delete(id);
  return settings;
}

export function forgetRedactionSettings(teamId: string): void {
  cache.delete(teamId);
}

export async function updateRedactionSettings(db: Db, team: Team, actor: TAuditActor, input: TRedactionSettings): Promise<TRedactionSettings> {
  const before = await loadRedactionSettings(db, team.id);
  const changes = Object.fromEntries(
    (Object.keys(input) as (keyof TRedactionSettings)[]).filter((k) => before[k] !== input[k]).map((k) => [k, { from: before[k], to: input[k] }]),
  );
  if (Object.keys(changes).length === 0) return before;
  await db.transaction(async (tx) => {
    await tx
      .insert(teamRedactionSettings)
      .values({ teamId: team.id, ...input })
      .onConflictDoUpdate({ target: teamRedactionSettings.teamId, set: { ...input, updatedAt: new Date() } });
    await recordAudit(tx, {
      teamId: team.id,
      actor,
      action: "team.redaction_changed",
      targetType: "team",
      targetId: team.id,
      targetLabel: team.name,
      metadata: { changes },
    });
  });
  forgetRedactionSettings(team.id);
  return input;
}
