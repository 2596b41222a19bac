import { desc, sql } from "drizzle-orm";
import {
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { users } from "./auth";
import { agents, agentVersions } from "./agents";
import { callers } from "./callers";
import { teams } from "./teams";

const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

export const phoneNumberStatus = pgEnum("phone_number_status", ["active", "released"]);
export const phoneNumberSource = pgEnum("phone_number_source", ["purchased", "imported"]);

export const phoneNumbers = pgTable(
  "phone_numbers",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    agentId: uuid("agent_id").references(() => agents.id, { onDelete: "set null" }),
    e164: text("e164").notNull(),
    twilioSid: text("twilio_sid").notNull(),
    twilioAccountSid: text("twilio_account_sid").notNull(),
    friendlyName: text("friendly_name").notNull().default(""),
    country: text("country").notNull().default("US"),
    source: phoneNumberSource("source").notNull(),
    status: phoneNumberStatus("status").notNull().default("active"),
    isVoiceConfigured: boolean("is_voice_configured").notNull().default(false),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
    releasedAt: timestamp("released_at", { withTimezone: true }),
  },
  (t) => [
    index("phone_numbers_team_created_idx").on(t.teamId, desc(t.createdAt)),
    // A live number routes to exactly one team; the voice server looks calls up by it.
    uniqueIndex("phone_numbers_active_e164_uq").on(t.e164).where(sql`${t.status} = 'active'`),
  ],
);
export type PhoneNumber = typeof phoneNumbers.$inferSelect;

export const callDirection = pgEnum("call_direction", ["inbound", "web"]);
export const callStatus = pgEnum("call_status", [
  "ringing",
  "in_progress",
  "completed",
  "busy",
  "no_answer",
  "failed",
  "canceled",
]);
export const callOutcome = pgEnum("call_outcome", ["resolved", "transferred", "message_taken", "abandoned", "failed"]);
export const sentiment = pgEnum("sentiment", ["positive", "neutral", "negative"]);
export const analysisStatus = pgEnum("analysis_status", ["pending", "running", "done", "failed", "skipped"]);
// Where calls.recording_path points: a path under RECORDINGS_DIR, or an object key in the S3 bucket.
export const recordingStorage = pgEnum("recording_storage", ["local", "s3"]);

export const calls = pgTable(
  "calls",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    agentId: uuid("agent_id").references(() => agents.id, { onDelete: "set null" }),
    agentVersionId: uuid("agent_version_id").references(() => agentVersions.id, { onDelete: "set null" }),
    phoneNumberId: uuid("phone_number_id").references(() => phoneNumbers.id, { onDelete: "set null" }),
    twilioCallSid: text("twilio_call_sid"),
    direction: callDirection("direction").notNull(),
    isTest: boolean("is_test").notNull().default(false),
    fromNumber: text("from_number").notNull().default(""),
    toNumber: text("to_number").notNull().default(""),
    status: callStatus("status").notNull().default("ringing"),
    outcome: callOutcome("outcome"),
    endReason: text("end_reason"), // caller_hangup, agent_end_call, transferred, max_duration, silence_timeout, ...
    transferredTo: text("transferred_to"),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    answeredAt: timestamp("answered_at", { withTimezone: true }),
    // When the agent's disclosure line finished playing to the caller (its last mark came back): proof it was heard
    // in full. Null when the agent has none or the caller hung up before its end.
    disclosurePlayedAt: timestamp("disclosure_played_at", { withTimezone: true }),
    endedAt: timestamp("ended_at", { withTimezone: true }),
    // Refreshed every few seconds by the voice server process running the call: a call whose heartbeat stopped
    // lost its process, whichever instance that was, and is finalized by any other.
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }),
    durationSec: integer("duration_sec"),
    recordingPath: text("recording_path"),
    recordingStorage: recordingStorage("recording_storage").notNull().default("local"),
    // When the recording was silenced over redacted speech and encrypted under the team's data key
    // (lib/recordings/seal-recording.ts). Null: still the recorder's plaintext spool, or a recording made before.
    recordingSealedAt: timestamp("recording_sealed_at", { withTimezone: true }),
    // Post-call analysis.
    analysisStatus: analysisStatus("analysis_status").notNull().default("pending"),
    summary: text("summary"),
    sentiment: sentiment("sentiment"),
    sentimentScore: real("sentiment_score"),
    topic: text("topic"),
    topicClusterId: uuid("topic_cluster_id"),
    // Keys as the agent's capture fields name them; values sealed under the team's data key (lib/crypto/team-fields.ts).
    capturedFields: jsonb("captured_fields").$type<Record<string, string>>().notNull().default({}),
    analyzedAt: timestamp("analyzed_at", { withTimezone: true }),
    // Rolled up as turns land, so lists and dashboards never aggregate turns.
    turnCount: integer("turn_count").notNull().default(0),
    errorCount: integer("error_count").notNull().default(0),
    voiceToVoiceP50Ms: integer("voice_to_voice_p50_ms"),
    voiceToVoiceP95Ms: integer("voice_to_voice_p95_ms"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    // "Calls of team T between dates, newest first" with keyset pagination on (started_at, id).
    index("calls_team_started_idx").on(t.teamId, desc(t.startedAt), desc(t.id)),
    index("calls_team_agent_started_idx").on(t.teamId, t.agentId, desc(t.startedAt)),
    index("calls_team_number_started_idx").on(t.teamId, t.phoneNumberId, desc(t.startedAt)),
    // Caller history lookups by the voice agent.
    index("calls_team_from_started_idx").on(t.teamId, t.fromNumber, desc(t.startedAt)),
    // Calls in progress (live view) and the voice server's crash recovery.
    index("calls_open_idx").on(t.teamId, t.startedAt).where(sql`${t.endedAt} is null`),
    // Answered calls whose session has not written an outcome yet: live ones, and those Twilio's status callback
    // ended after their voice server died. The crash-recovery sweep looks for stale ones every few seconds. Not
    // keyed on heartbeat_at: the heartbeat rewrites it every few seconds for every live call, and an indexed
    // column would turn those cheap in-page (HOT) updates into new entries in every index of the table.
    index("calls_unfinalized_idx")
      .on(t.teamId, t.startedAt)
      .where(sql`${t.outcome} is null and ${t.answeredAt} is not null`),
    uniqueIndex("calls_twilio_call_sid_uq").on(t.twilioCallSid),
    // Ended calls still waiting for post-call analysis: the analysis worker's safety-net sweep.
    index("calls_analysis_pending_idx")
      .on(t.endedAt)
      .where(sql`${t.analysisStatus} = 'pending' and ${t.endedAt} is not null`),
    // With S3 configured, recordings still on local disk are uploads pending: the voice server's retry sweep.
    index("calls_recording_local_idx")
      .on(t.endedAt)
      .where(sql`${t.recordingStorage} = 'local' and ${t.recordingPath} is not null`),
    // Local recordings not yet encrypted: the seal sweep (lib/recordings/seal-recording.ts).
    index("calls_recording_unsealed_idx")
      .on(t.endedAt)
      .where(sql`${t.recordingStorage} = 'local' and ${t.recordingPath} is not null and ${t.recordingSealedAt} is null`),
  ],
);
export type Call = typeof calls.$inferSelect;
export type NewCall = typeof calls.$inferInsert;

export const speaker = pgEnum("speaker", ["caller", "agent"]);

export const callTurns = pgTable(
  "call_turns",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    callId: uuid("call_id")
      .notNull()
      .references(() => calls.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    speaker: speaker("speaker").notNull(),
    text: text("text").notNull(),
    // Offsets from the start of the media stream.
    startMs: integer("start_ms").notNull(),
    endMs: integer("end_ms").notNull(),
    isInterrupted: boolean("is_interrupted").notNull().default(false),
    // Kinds of PII replaced in `text` before it was written (lib/redaction/): the recording is silenced over
    // startMs..endMs of such a turn after the call. Null: nothing redacted.
    redactedKinds: text("redacted_kinds").array(),
    // Per-stage latency of an agent turn, measured from the end of the caller's speech.
    endpointingMs: integer("endpointing_ms"),
    sttFinalMs: integer("stt_final_ms"),
    llmFirstTokenMs: integer("llm_first_token_ms"),
    ttsFirstByteMs: integer("tts_first_byte_ms"),
    firstAudioMs: integer("first_audio_ms"), // voice-to-voice at the server: caller stopped -> first frame sent
    knowledgeIds: text("knowledge_ids").array(),
    sentiment: sentiment("sentiment"),
    searchVector: tsvector("search_vector").generatedAlwaysAs(sql`to_tsvector('english', "text")`),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // "Turns of call C", in order.
    uniqueIndex("call_turns_team_call_seq_uq").on(t.teamId, t.callId, t.seq),
    index("call_turns_search_idx").using("gin", t.searchVector),
    // Deleting a call (retention purge) makes the foreign key look for its turns by call_id alone: without this,
    // each deleted call scans the unique index once per team in it (33 ms a call with 3,000 teams).
    index("call_turns_call_idx").on(t.callId),
  ],
);
export type CallTurn = typeof callTurns.$inferSelect;
export type NewCallTurn = typeof callTurns.$inferInsert;

export const callEventKind = pgEnum("call_event_kind", [
  "tool_call",
  "transfer",
  "error",
  "dtmf",
  "barge_in",
  "status",
]);

export const callEvents = pgTable(
  "call_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    callId: uuid("call_id")
      .notNull()
      .references(() => calls.id, { onDelete: "cascade" }),
    atMs: integer("at_ms").notNull(), // offset from call start
    kind: callEventKind("kind").notNull(),
    name: text("name").notNull(), // tool name, error kind, status name...
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("call_events_team_call_idx").on(t.teamId, t.callId, t.atMs),
    // As call_turns_call_idx: the foreign key's lookup when a call is deleted.
    index("call_events_call_idx").on(t.callId),
  ],
);
export type CallEvent = typeof callEvents.$inferSelect;

export const messageStatus = pgEnum("message_status", ["new", "handled", "assigned", "spam"]);
export const messageKind = pgEnum("message_kind", ["message", "voicemail"]);

// Messages the agent took for the team (take_message tool, after-hours and busy-line voicemail): the inbox.
export const callerMessages = pgTable(
  "caller_messages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    callId: uuid("call_id").references(() => calls.id, { onDelete: "set null" }),
    agentId: uuid("agent_id").references(() => agents.id, { onDelete: "set null" }),
    callerId: uuid("caller_id").references(() => callers.id, { onDelete: "set null" }),
    kind: messageKind("kind").notNull().default("message"),
    callerName: text("caller_name").notNull().default(""),
    // caller_name, callback_number and message hold the caller's words sealed under the team's data key
    // (lib/crypto/team-fields.ts); this is the keyed hash of the callback number's digits, to find one caller's
    // messages without decrypting every row. Null: written before encryption, or without a key (development).
    callbackNumber: text("callback_number").notNull().default(""),
    callbackNumberMac: text("callback_number_mac"),
    message: text("message").notNull(),
    // The department the message is for, when the caller named one (a department name of the agent).
    department: text("department"),
    isUrgent: boolean("is_urgent").notNull().default(false),
    status: messageStatus("status").notNull().default("new"),
    assigneeId: text("assignee_id").references(() => users.id, { onDelete: "set null" }),
    callbackAt: timestamp("callback_at", { withTimezone: true }),
    notes: text("notes").notNull().default(""),
    handledById: text("handled_by_id").references(() => users.id, { onDelete: "set null" }),
    handledAt: timestamp("handled_at", { withTimezone: true }),
    // Outbox: null until the message's notifications (email, SMS, message.taken webhook) were queued, after its
    // call ended. Never during the call.
    notifiedAt: timestamp("notified_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    index("caller_messages_team_created_idx").on(t.teamId, desc(t.createdAt)),
    // Deleting a call sets its messages' call_id to null: without this, each deleted call scans the whole table.
    index("caller_messages_call_idx").on(t.callId),
    // The inbox: open items of a status, urgent first, newest first.
    index("caller_messages_team_status_idx").on(t.teamId, t.status, desc(t.isUrgent), desc(t.createdAt)),
    // Every status at once ("All", and the assignee and department filters over every status), in the inbox's
    // order: without it each such page sorted every message of the team (bench:analytics).
    index("caller_messages_team_urgent_created_idx").on(t.teamId, desc(t.isUrgent), desc(t.createdAt), desc(t.id)),
    // The department filter's options: one index probe per department (lib/inbox/list-messages.ts).
    index("caller_messages_team_department_idx").on(t.teamId, t.department),
    index("caller_messages_team_assignee_idx").on(t.teamId, t.assigneeId, desc(t.createdAt)),
    index("caller_messages_team_caller_idx").on(t.teamId, t.callerId, desc(t.createdAt)),
    index("caller_messages_team_callback_mac_idx").on(t.teamId, t.callbackNumberMac),
    index("caller_messages_team_call_idx").on(t.teamId, t.callId),
    index("caller_messages_outbox_idx").on(t.createdAt).where(sql`${t.notifiedAt} is null`),
  ],
);
export type CallerMessage = typeof callerMessages.$inferSelect;

export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    secretEnc: text("secret_enc").notNull(),
    events: text("events").array().notNull(),
    isActive: boolean("is_active").notNull().default(true),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("webhook_endpoints_team_idx").on(t.teamId, t.createdAt)],
);

export const deliveryStatus = pgEnum("delivery_status", ["pending", "succeeded", "failed"]);

export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    endpointId: uuid("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    event: text("event").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    status: deliveryStatus("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("webhook_deliveries_team_created_idx").on(t.teamId, desc(t.createdAt)),
    index("webhook_deliveries_due_idx").on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
  ],
);

// Nonces of browser test-call tickets already used (lib/test-calls/ticket.ts): a ticket opens one call, whichever
// voice server instance it reaches. Rows are useless once the ticket expires and are purged as new ones land.
export const testCallTicketUses = pgTable(
  "test_call_ticket_uses",
  {
    nonce: text("nonce").primaryKey(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("test_call_ticket_uses_team_idx").on(t.teamId, t.usedAt), index("test_call_ticket_uses_expires_idx").on(t.expiresAt)],
);
