import { desc } from "drizzle-orm";
import { type AnyPgColumn, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { TAgentConfig, TAgentSnapshot } from "@/lib/agents/config";
import { users } from "./auth";
import { teams } from "./teams";

export const agents = pgTable(
  "agents",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    // The draft: what the builder edits. Live calls never read it; they read the published version.
    config: jsonb("config").$type<TAgentConfig>().notNull(),
    // Set by publish and by rollback.
    publishedVersionId: uuid("published_version_id").references((): AnyPgColumn => agentVersions.id, {
      onDelete: "set null",
    }),
    templateKey: text("template_key"),
    draftUpdatedAt: timestamp("draft_updated_at", { withTimezone: true }).notNull().defaultNow(),
    archivedAt: timestamp("archived_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    index("agents_team_created_idx").on(t.teamId, desc(t.createdAt)),
    uniqueIndex("agents_team_id_uq").on(t.teamId, t.id),
  ],
);
export type Agent = typeof agents.$inferSelect;
export type NewAgent = typeof agents.$inferInsert;

// Immutable: a row is written once by publish and never updated.
export const agentVersions = pgTable(
  "agent_versions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    agentId: uuid("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    snapshot: jsonb("snapshot").$type<TAgentSnapshot>().notNull(),
    note: text("note"),
    publishedById: text("published_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("agent_versions_team_agent_version_uq").on(t.teamId, t.agentId, t.version)],
);
export type AgentVersion = typeof agentVersions.$inferSelect;

export const knowledgeKind = pgEnum("knowledge_kind", ["qa", "document"]);

export const knowledgeEntries = pgTable(
  "knowledge_entries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    agentId: uuid("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    kind: knowledgeKind("kind").notNull(),
    title: text("title").notNull(), // the question, or the document's name
    content: text("content").notNull(), // the answer, or the document's text
    usageCount: integer("usage_count").notNull().default(0),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [index("knowledge_team_agent_idx").on(t.teamId, t.agentId, t.createdAt)],
);
export type KnowledgeEntry = typeof knowledgeEntries.$inferSelect;

export const departments = pgTable(
  "departments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    agentId: uuid("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    phoneNumber: text("phone_number").notNull(), // E.164
    whenToTransfer: text("when_to_transfer").notNull().default(""),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [uniqueIndex("departments_team_agent_name_uq").on(t.teamId, t.agentId, t.name)],
);
export type Department = typeof departments.$inferSelect;
