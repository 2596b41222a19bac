import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { agentTestResults, agentTestRuns, agentTestScenarios } from "@/db/schema";
import type { TAgentSnapshot } from "@/lib/agents/config";
import { isAppError } from "@/lib/errors";
import { resolveRunTarget } from "./runs";
import {
  ZExpectation,
  ZScenarioStep,
  type TExpectation,
  type TExpectationResult,
  type TResultLatencies,
  type TResultTurn,
  type TRunMode,
  type TScenarioStep,
} from "./types";

// Executes one suite run (the worker's job): claims the run, freezes the agent (draft or live version) and the
// scenarios as they are now, runs the scenarios one after another and writes each result and the progress as it
// goes, so a page polling the run sees it move. A run whose job is retried (a worker died mid-run) starts over:
// its partial results are dropped first, so counts never double.

export type TScenarioRunner = (input: {
  runId: string;
  mode: TRunMode;
  teamId: string;
  agentId: string;
  agentVersionId: string | null;
  snapshot: TAgentSnapshot;
  scenario: { name: string; steps: TScenarioStep[]; expectations: TExpectation[] };
}) => Promise<{
  passed: boolean;
  expectations: TExpectationResult[];
  error: string | null;
  transcript: TResultTurn[];
  latencies: TResultLatencies;
  callId: string | null;
  durationMs: number;
}>;

export async function executeTestRun(db: Db, runId: string, runScenario: TScenarioRunner): Promise<"done" | "failed" | "skipped"> {
  const [run] = await db
    .update(agentTestRuns)
    .set({ status: "running", startedAt: new Date(), completed: 0, passed: 0, failed: 0, error: null })
    .where(and(eq(agentTestRuns.id, runId), sql`${agentTestRuns.status} in ('queued', 'running')`))
    .returning();
  if (!run) return "skipped";
  await db.delete(agentTestResults).where(and(eq(agentTestResults.teamId, run.teamId), eq(agentTestResults.runId, run.id)));
  const fail = async (message: string) => {
    await db
      .update(agentTestRuns)
      .set({ status: "failed", error: message.slice(0, 1_000), finishedAt: new Date() })
      .where(and(eq(agentTestRuns.teamId, run.teamId), eq(agentTestRuns.id, run.id)));
    return "failed" as const;
  };
  let target;
  try {
    target = await resolveRunTarget(db, run.teamId, run.agentId, run.target);
  } catch (error) {
    if (isAppError(error)) return fail(error.message);
    throw error;
  }
  const scenarios = await db
    .select()
    .from(agentTestScenarios)
    .where(and(eq(agentTestScenarios.teamId, run.teamId), eq(agentTestScenarios.agentId, run.agentId)))
    .orderBy(asc(agentTestScenarios.createdAt), asc(agentTestScenarios.id));
  if (scenarios.length === 0) return fail("The suite has no scenarios any more.");
  await db
    .update(agentTestRuns)
    .set({ total: scenarios.length, agentVersionId: target.agentVersionId, agentVersionNumber: target.versionNumber, snapshot: target.snapshot })
    .where(and(eq(agentTestRuns.teamId, run.teamId), eq(agentTestRuns.id, run.id)));

  for (const scenario of scenarios) {
    // Rows are re-validated: a scenario written by an older release must not crash the run, it fails with why.
    const steps = ZScenarioStep.array().safeParse(scenario.steps);
    const expectations = ZExpectation.array().safeParse(scenario.expectations);
    let outcome: Awaited<ReturnType<TScenarioRunner>>;
    if (!steps.success || !expectations.success) {
      outcome = { passed: false, expectations: [], error: "The scenario is invalid; edit and save it again.", transcript: [], latencies: { replyMs: [], greetingMs: null }, callId: null, durationMs: 0 };
    } else {
      try {
        outcome = await runScenario({
          runId: run.id,
          mode: run.mode,
          teamId: run.teamId,
          agentId: run.agentId,
          agentVersionId: target.agentVersionId,
          snapshot: target.snapshot,
          scenario: { name: scenario.name, steps: steps.data, expectations: expectations.data },
        });
      } catch (error) {
        outcome = {
          passed: false,
          expectations: [],
          error: `The scenario could not run: ${error instanceof Error ? error.message : String(error)}`.slice(0, 1_000),
          transcript: [],
          latencies: { replyMs: [], greetingMs: null },
          callId: null,
          durationMs: 0,
        };
      }
    }
    await db.transaction(async (tx) => {
      await tx.insert(agentTestResults).values({
        teamId: run.teamId,
        runId: run.id,
        scenarioId: scenario.id,
        scenarioName: scenario.name,
        status: outcome.passed ? "passed" : "failed",
        expectations: outcome.expectations,
        error: outcome.error,
        transcript: outcome.transcript,
        latencies: outcome.latencies,
        callId: outcome.callId,
        durationMs: Math.round(outcome.durationMs),
      });
      await tx
        .update(agentTestRuns)
        .set({
          completed: sql`${agentTestRuns.completed} + 1`,
          passed: outcome.passed ? sql`${agentTestRuns.passed} + 1` : agentTestRuns.passed,
          failed: outcome.passed ? agentTestRuns.failed : sql`${agentTestRuns.failed} + 1`,
        })
        .where(and(eq(agentTestRuns.teamId, run.teamId), eq(agentTestRuns.id, run.id)));
    });
  }
  await db
    .update(agentTestRuns)
    .set({ status: "done", finishedAt: new Date() })
    .where(and(eq(agentTestRuns.teamId, run.teamId), eq(agentTestRuns.id, run.id)));
  return "done";
}
