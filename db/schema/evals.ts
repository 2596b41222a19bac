import { desc } from "drizzle-orm";
import { index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { TAgentSnapshot } from "@/lib/agents/config";
import type { TExpectation, TExpectationResult, TScenarioStep, TResultLatencies, TResultTurn } from "@/lib/evals/types";
import { agents, agentVersions } from "./agents";
import { users } from "./auth";
import { calls } from "./telephony";
import { teams } from "./teams";

// Test suites: per agent, the scenarios a business runs against its agent (draft or live version) before it
// publishes; each run keeps one result per scenario so a team sees whether a draft got better or worse.

// One scenario of an agent's suite: what the caller does (steps) and what must happen (expectations).
export const agentTestScenarios = pgTable(
  "agent_test_scenarios",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    agentId: uuid("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    steps: jsonb("steps").$type<TScenarioStep[]>().notNull(),
    expectations: jsonb("expectations").$type<TExpectation[]>().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [index("agent_test_scenarios_team_agent_idx").on(t.teamId, t.agentId, t.createdAt)],
);
export type AgentTestScenario = typeof agentTestScenarios.$inferSelect;

export const testRunStatus = pgEnum("test_run_status", ["queued", "running", "done", "failed"]);
export const testRunTarget = pgEnum("test_run_target", ["draft", "live"]);
export const testRunMode = pgEnum("test_run_mode", ["text", "voice"]);

export const agentTestRuns = pgTable(
  "agent_test_runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    agentId: uuid("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    target: testRunTarget("target").notNull(),
    // The published version the run used (target live), or the live version the draft was identical to.
    agentVersionId: uuid("agent_version_id").references(() => agentVersions.id, { onDelete: "set null" }),
    // Kept when the version row goes, so the history still says which version it was.
    agentVersionNumber: integer("agent_version_number"),
    // The agent exactly as the run used it (frozen when the run starts): the voice server runs voice-mode
    // scenarios from it, and the publish gate compares it with the draft about to go out.
    snapshot: jsonb("snapshot").$type<TAgentSnapshot>(),
    mode: testRunMode("mode").notNull().default("text"),
    status: testRunStatus("status").notNull().default("queued"),
    total: integer("total").notNull().default(0),
    completed: integer("completed").notNull().default(0),
    passed: integer("passed").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    error: text("error"),
    startedById: text("started_by_id").references(() => users.id, { onDelete: "set null" }),
    // Email or API key name at the time, kept if the member or key is removed.
    startedByLabel: text("started_by_label").notNull(),
    queuedAt: timestamp("queued_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [index("agent_test_runs_team_agent_idx").on(t.teamId, t.agentId, desc(t.queuedAt))],
);
export type AgentTestRun = typeof agentTestRuns.$inferSelect;

export const testResultStatus = pgEnum("test_result_status", ["passed", "failed"]);

export const agentTestResults = pgTable(
  "agent_test_results",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    runId: uuid("run_id")
      .notNull()
      .references(() => agentTestRuns.id, { onDelete: "cascade" }),
    scenarioId: uuid("scenario_id").references(() => agentTestScenarios.id, { onDelete: "set null" }),
    // The scenario as it was run, so editing or deleting it later does not rewrite history.
    scenarioName: text("scenario_name").notNull(),
    status: testResultStatus("status").notNull(),
    expectations: jsonb("expectations").$type<TExpectationResult[]>().notNull(),
    // Why the scenario could not be run to the end (timeout, setup failure), if it could not.
    error: text("error"),
    transcript: jsonb("transcript").$type<TResultTurn[]>().notNull(),
    latencies: jsonb("latencies").$type<TResultLatencies>().notNull(),
    callId: uuid("call_id").references(() => calls.id, { onDelete: "set null" }),
    durationMs: integer("duration_ms").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("agent_test_results_team_run_idx").on(t.teamId, t.runId)],
);
export type AgentTestResult = typeof agentTestResults.$inferSelect;
