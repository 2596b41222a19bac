import { and, asc, count, desc, eq, getTableColumns, inArray, isNotNull } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { agentTestResults, agentTestRuns, agentTestScenarios, agentVersions, calls, teams, type AgentTestResult, type AgentTestRun } from "@/db/schema";
import { ZAgentSnapshot, type TAgentSnapshot } from "@/lib/agents/config";
import { buildDraftSnapshot, isSameSnapshot } from "@/lib/agents/draft-snapshot";
import { getLiveVersion } from "@/lib/agents/get-agent";
import { AppError } from "@/lib/errors";
import { requireAgent } from "./scenarios";
import type { TRunMode, TRunTarget } from "./types";

// Suite runs: a row per run (queued, running, done, failed) with its progress, and a result per scenario. The run
// itself is a job in the worker (lib/evals/queue.ts); starting one only records it and enqueues it.

// Runs of one team still queued or running: more than this and a new run is refused, so a loop in someone's CI
// cannot fill the worker's queue.
export const MAX_OPEN_RUNS_PER_TEAM = 5;

// hasRecording: the scenario's test call still has a recording (voice mode; retention may have removed it).
export type TTestRunView = AgentTestRun & { results: (AgentTestResult & { hasRecording: boolean })[] };

export async function resolveRunTarget(
  db: DbOrTx,
  teamId: string,
  agentId: string,
  target: TRunTarget,
): Promise<{ snapshot: TAgentSnapshot; agentVersionId: string | null; versionNumber: number | null }> {
  const agent = await requireAgent(db, teamId, agentId);
  const live = await getLiveVersion(db, teamId, agent);
  if (target === "live") {
    if (!live) throw new AppError("bad_request", "This agent has no live version yet: publish it, or run the suite against the draft.");
    return { snapshot: live.snapshot, agentVersionId: live.id, versionNumber: live.version };
  }
  const [team] = await db.select({ id: teams.id, name: teams.name }).from(teams).where(eq(teams.id, teamId)).limit(1);
  if (!team) throw new AppError("not_found", "That agent does not exist.");
  const parsed = ZAgentSnapshot.safeParse(await buildDraftSnapshot(db, team, agent));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.filter((p) => p !== "config").join(".") || "settings";
    throw new AppError("bad_request", `Fix the agent's settings before testing it (${where}: ${issue?.message ?? "invalid"}).`);
  }
  const isLive = !!live && isSameSnapshot(live.snapshot, parsed.data);
  return { snapshot: parsed.data, agentVersionId: isLive ? live.id : null, versionNumber: isLive ? live.version : null };
}

export async function createTestRun(
  db: Db,
  input: { teamId: string; agentId: string; target: TRunTarget; mode?: TRunMode; startedById: string | null; startedByLabel: string },
): Promise<AgentTestRun> {
  const { teamId, agentId, target } = input;
  // Checked now so that a bad request fails at once, not in the worker: the agent, the target, the suite.
  const resolved = await resolveRunTarget(db, teamId, agentId, target);
  const [scenarios] = await db
    .select({ n: count() })
    .from(agentTestScenarios)
    .where(and(eq(agentTestScenarios.teamId, teamId), eq(agentTestScenarios.agentId, agentId)));
  const total = scenarios?.n ?? 0;
  if (total === 0) throw new AppError("bad_request", "This agent's suite has no scenarios yet: add one (or propose some) first.");
  const [open] = await db
    .select({ n: count() })
    .from(agentTestRuns)
    .where(and(eq(agentTestRuns.teamId, teamId), inArray(agentTestRuns.status, ["queued", "running"])));
  if ((open?.n ?? 0) >= MAX_OPEN_RUNS_PER_TEAM) {
    throw new AppError("rate_limited", `At most ${MAX_OPEN_RUNS_PER_TEAM} test runs can wait or run at once; wait for one to finish.`);
  }
  const [run] = await db
    .insert(agentTestRuns)
    .values({
      teamId,
      agentId,
      target,
      mode: input.mode ?? "text",
      agentVersionId: resolved.agentVersionId,
      agentVersionNumber: resolved.versionNumber,
      total,
      startedById: input.startedById,
      startedByLabel: input.startedByLabel.slice(0, 200),
    })
    .returning();
  if (!run) throw new Error("test run insert failed");
  return run;
}

export async function getTestRun(db: DbOrTx, teamId: string, runId: string): Promise<TTestRunView> {
  const [run] = await db
    .select()
    .from(agentTestRuns)
    .where(and(eq(agentTestRuns.teamId, teamId), eq(agentTestRuns.id, runId)))
    .limit(1);
  if (!run) throw new AppError("not_found", "That test run does not exist.");
  const results = await db
    .select({ ...getTableColumns(agentTestResults), hasRecording: isNotNull(calls.recordingPath) })
    .from(agentTestResults)
    .leftJoin(calls, and(eq(calls.teamId, agentTestResults.teamId), eq(calls.id, agentTestResults.callId)))
    .where(and(eq(agentTestResults.teamId, teamId), eq(agentTestResults.runId, runId)))
    .orderBy(asc(agentTestResults.createdAt), asc(agentTestResults.id));
  return { ...run, results: results.map((r) => ({ ...r, hasRecording: r.hasRecording === true })) };
}

export async function listTestRuns(db: DbOrTx, teamId: string, agentId: string, limit = 30): Promise<AgentTestRun[]> {
  await requireAgent(db, teamId, agentId);
  return db
    .select()
    .from(agentTestRuns)
    .where(and(eq(agentTestRuns.teamId, teamId), eq(agentTestRuns.agentId, agentId)))
    .orderBy(desc(agentTestRuns.queuedAt))
    .limit(limit);
}

// The CI-friendly summary of a run, for the API and the UI.
export function summarizeRun(run: AgentTestRun) {
  const isFinished = run.status === "done" || run.status === "failed";
  return {
    id: run.id,
    agentId: run.agentId,
    version: run.target,
    agentVersionId: run.agentVersionId,
    agentVersionNumber: run.agentVersionNumber,
    mode: run.mode,
    status: run.status,
    // null until the run is finished; a run that failed to run is not a pass.
    passed: isFinished ? run.status === "done" && run.failed === 0 && run.passed === run.total : null,
    counts: { total: run.total, completed: run.completed, passed: run.passed, failed: run.failed },
    error: run.error,
    startedBy: run.startedByLabel,
    queuedAt: run.queuedAt.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}

export async function versionNumberOf(db: DbOrTx, teamId: string, versionId: string | null): Promise<number | null> {
  if (!versionId) return null;
  const [row] = await db
    .select({ version: agentVersions.version })
    .from(agentVersions)
    .where(and(eq(agentVersions.teamId, teamId), eq(agentVersions.id, versionId)))
    .limit(1);
  return row?.version ?? null;
}
