import { desc, sql } from "drizzle-orm";
import { bigint, index, integer, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./auth";
import { teams } from "./teams";

// Caller data requests: "export" answers a right of access / to know (GDPR Art. 15, CCPA) with a copy of the data,
// "erasure" a right to be forgotten / to delete (GDPR Art. 17, CCPA). The register a privacy officer answers a
// regulator from. The caller's number is never stored in the clear: `subject_hash` is an HMAC of its E.164 form
// (lib/privacy/subject-hash.ts), `subject_hint` its last two digits for people, and `subject_enc` the number sealed
// with ENCRYPTION_KEY only while a job still needs it (an export being built, an erasure waiting for a live call).
export const privacyRequestKind = pgEnum("privacy_request_kind", ["export", "erasure"]);
export const privacyLaw = pgEnum("privacy_law", ["gdpr", "ccpa"]);
export const privacyRequestStatus = pgEnum("privacy_request_status", [
  "received", // recorded, work not started
  "processing", // a job is building the export / applying the erasure
  "waiting_for_call", // erasure: a call from the number is live; applied when it ends
  "completed",
  "failed",
]);

export const privacyRequests = pgTable(
  "privacy_requests",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    kind: privacyRequestKind("kind").notNull(),
    law: privacyLaw("law").notNull(),
    status: privacyRequestStatus("status").notNull().default("received"),
    subjectHash: text("subject_hash").notNull(),
    subjectHint: text("subject_hint").notNull(),
    subjectEnc: text("subject_enc"),
    note: text("note").notNull().default(""),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    dueAt: timestamp("due_at", { withTimezone: true }).notNull(),
    completedAt: timestamp("completed_at", { withTimezone: true }),
    requestedById: text("requested_by_id").references(() => users.id, { onDelete: "set null" }),
    // Email or API key name at the time, kept if the member is removed.
    requestedByLabel: text("requested_by_label").notNull(),
    // What was found / removed / exported: counts only, never content.
    counts: text("counts").notNull().default("{}"),
    error: text("error"),
    // Export: where the zip is kept (a key in the recording store named by export_storage) until export_expires_at.
    exportStorage: text("export_storage"),
    exportKey: text("export_key"),
    exportBytes: bigint("export_bytes", { mode: "number" }),
    exportExpiresAt: timestamp("export_expires_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    index("privacy_requests_team_received_idx").on(t.teamId, desc(t.receivedAt)),
    index("privacy_requests_team_subject_idx").on(t.teamId, t.subjectHash),
    // The worker's sweep: work not finished.
    index("privacy_requests_open_idx").on(t.status).where(sql`${t.status} in ('received', 'processing', 'waiting_for_call')`),
  ],
);
export type PrivacyRequest = typeof privacyRequests.$inferSelect;
export type NewPrivacyRequest = typeof privacyRequests.$inferInsert;

// What an erased call contributed to the dashboard rollups, with nothing that identifies the caller: the rollup
// recompute (lib/analytics/rollup.ts) reads these beside `calls`, so analytics counts stay after an erasure.
export const erasedCallStats = pgTable(
  "erased_call_stats",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    agentId: uuid("agent_id"),
    phoneNumberId: uuid("phone_number_id"),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    answeredAt: timestamp("answered_at", { withTimezone: true }),
    status: text("status").notNull(),
    outcome: text("outcome"),
    durationSec: integer("duration_sec"),
    sentiment: text("sentiment"),
    transferredTo: text("transferred_to"),
    topicClusterId: uuid("topic_cluster_id"),
    voiceToVoiceP50Ms: integer("voice_to_voice_p50_ms"),
    voiceToVoiceP95Ms: integer("voice_to_voice_p95_ms"),
    erasedAt: timestamp("erased_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("erased_call_stats_team_started_idx").on(t.teamId, t.startedAt)],
);

// The head of each team's audit hash chain (lib/audit/record-audit.ts): locked FOR UPDATE by every insert, so a
// team's entries get consecutive sequence numbers and each links to the one before.
export const auditChainHeads = pgTable("audit_chain_heads", {
  teamId: uuid("team_id")
    .primaryKey()
    .references(() => teams.id, { onDelete: "cascade" }),
  seq: bigint("seq", { mode: "number" }).notNull().default(0),
  hash: text("hash").notNull().default(""),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

// Failed sign-ins for an email that belongs to no account: they have no team to be audited in. The email is kept
// only as an HMAC (the same key as caller numbers), so the table tells an operator "someone keeps trying this
// address from that IP" without holding the addresses.
export const signInFailures = pgTable(
  "sign_in_failures",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    emailHash: text("email_hash").notNull(),
    ip: text("ip"),
    reason: text("reason").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("sign_in_failures_created_idx").on(t.createdAt), index("sign_in_failures_email_idx").on(t.emailHash, t.createdAt)],
);
