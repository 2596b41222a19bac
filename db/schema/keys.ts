import { index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { teams } from "./teams";

// Per-team data keys (lib/crypto/data-keys.ts). A data key is 32 random bytes that encrypt the team's recordings;
// it is only stored wrapped (AES-256-GCM) by a master key, named by master_key_id, so rotating the master key
// re-wraps these rows and never touches a recording. The row's id is the key id written in each recording's
// header. Deleting the team deletes its rows (cascade): its recordings, wherever a copy lies, become unreadable.
export const teamDataKeys = pgTable(
  "team_data_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    // v1.<iv>.<tag>.<ciphertext>, base64url; the team id and key id are the GCM additional data.
    wrappedKey: text("wrapped_key").notNull(),
    masterKeyId: text("master_key_id").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    // When it was last wrapped under a new master key (npm run keys:rotate).
    rewrappedAt: timestamp("rewrapped_at", { withTimezone: true }),
  },
  (t) => [index("team_data_keys_team_idx").on(t.teamId, t.createdAt), index("team_data_keys_master_idx").on(t.masterKeyId)],
);
export type TeamDataKey = typeof teamDataKeys.$inferSelect;
export type NewTeamDataKey = typeof teamDataKeys.$inferInsert;
