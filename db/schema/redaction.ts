import { boolean, pgTable, timestamp, uuid } from "drizzle-orm/pg-core";
import { teams } from "./teams";

// A team's PII redaction choices (lib/redaction/). No row: the defaults (card numbers and SSNs redacted, emails
// and phone numbers kept), so every team is protected from the start.
export const teamRedactionSettings = pgTable("team_redaction_settings", {
  teamId: uuid("team_id")
    .primaryKey()
    .references(() => teams.id, { onDelete: "cascade" }),
  cardNumbers: boolean("card_numbers").notNull().default(true),
  ssns: boolean("ssns").notNull().default(true),
  emails: boolean("emails").notNull().default(false),
  phoneNumbers: boolean("phone_numbers").notNull().default(false),
  updatedAt: timestamp("updated_at", { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
});
export type TeamRedactionSettings = typeof teamRedactionSettings.$inferSelect;
