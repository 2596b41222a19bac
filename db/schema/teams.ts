import { desc } from "drizzle-orm";
import {
  bigint,
  boolean,
  index,
  inet,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { users } from "./auth";

export const teamRole = pgEnum("team_role", ["owner", "admin", "member", "viewer"]);
export type TeamRole = (typeof teamRole.enumValues)[number];

export const twilioMode = pgEnum("twilio_mode", ["platform_subaccount", "own_account"]);

export const teams = pgTable("teams", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  concurrentCallLimit: integer("concurrent_call_limit").notNull().default(5),
  // ISO 3166 alpha-2 codes agents may transfer calls to. Null: the countries of the team's numbers, else US and CA
  // (lib/telephony/transfer-policy.ts).
  transferCountries: text("transfer_countries").array(),
  // IANA name the dashboard shows times and days in. Null: the first agent's business-hours zone, else UTC
  // (lib/teams/time-zone.ts).
  timeZone: text("time_zone"),
  // Publishing an agent requires a draft test-suite run of exactly what goes out with every scenario passed
  // (lib/evals/publish-gate.ts). Off: publishing only offers the run.
  testsRequiredToPublish: boolean("tests_required_to_publish").notNull().default(false),
  // Twilio: a subaccount of the platform's account (created on first use) or the team's own account.
  twilioMode: twilioMode("twilio_mode").notNull().default("platform_subaccount"),
  twilioAccountSid: text("twilio_account_sid"),
  twilioAuthTokenEnc: text("twilio_auth_token_enc"), // AES-GCM, see lib/crypto/secret-box.ts
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
});
export type Team = typeof teams.$inferSelect;
export type NewTeam = typeof teams.$inferInsert;

export const memberships = pgTable(
  "memberships",
  {
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: teamRole("role").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index("memberships_user_idx").on(t.userId)],
);
export type Membership = typeof memberships.$inferSelect;

export const invitations = pgTable(
  "invitations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    role: teamRole("role").notNull(),
    tokenHash: text("token_hash").notNull().unique(), // sha256 of the link token; the token itself is never stored
    invitedById: text("invited_by_id").references(() => users.id, { onDelete: "set null" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    acceptedAt: timestamp("accepted_at", { withTimezone: true }),
    acceptedById: text("accepted_by_id").references(() => users.id, { onDelete: "set null" }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("invitations_team_created_idx").on(t.teamId, desc(t.createdAt))],
);
export type Invitation = typeof invitations.$inferSelect;

export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(), // first characters, shown in the UI to tell keys apart
    keyHash: text("key_hash").notNull(), // sha256 of the full key
    createdById: text("created_by_id").references(() => users.id, { onDelete: "set null" }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("api_keys_key_hash_uq").on(t.keyHash),
    index("api_keys_team_created_idx").on(t.teamId, desc(t.createdAt)),
  ],
);
export type ApiKey = typeof apiKeys.$inferSelect;

export const auditLogs = pgTable(
  "audit_logs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    actorUserId: text("actor_user_id").references(() => users.id, { onDelete: "set null" }),
    actorApiKeyId: uuid("actor_api_key_id").references(() => apiKeys.id, { onDelete: "set null" }),
    actorLabel: text("actor_label").notNull(), // email or key name at the time, kept if the actor is deleted
    action: text("action").notNull(), // e.g. "member.invited", "team.settings_changed"
    targetType: text("target_type").notNull(),
    targetId: text("target_id"),
    targetLabel: text("target_label"),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
    ip: inet("ip"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    // Hash chain (lib/audit/chain.ts): position in the team's chain, the previous entry's hash, and the sha256 of
    // this entry's canonical content with prev_hash. Null on entries written before the chain existed.
    seq: bigint("seq", { mode: "number" }),
    prevHash: text("prev_hash"),
    hash: text("hash"),
  },
  (t) => [
    index("audit_logs_team_created_idx").on(t.teamId, desc(t.createdAt), desc(t.id)),
    uniqueIndex("audit_logs_team_seq_uq").on(t.teamId, t.seq),
  ],
);
export type AuditLog = typeof auditLogs.$inferSelect;
