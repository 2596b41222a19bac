import { and, count, desc, eq, inArray } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { agentTestResults, agentTestRuns, agentTestScenarios, agents, teams, type AgentTestRun } from "@/db/schema";
import type { TAgentSnapshot } from "@/lib/agents/config";
import { isSameSnapshot } from "@/lib/agents/draft-snapshot";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";

// Before a draft goes live: the latest finished suite run of exactly this draft, its failures, and its regressions
// against the live version (a scenario that passed on the live version's latest run of the same mode and fails on
// the draft). A team can make it mandatory (teams.tests_required_to_publish): publishing is then refused while
// the draft has no current run, a run is still going, or any scenario fails.

export type TGateScenario = { scenarioId: string | null; name: string; reason: string };

export type TPublishGate = {
  isRequired: boolean;
  scenarioCount: number;
  // The newest run against exactly this draft (finished or not); null when there is none.
  draftRun: AgentTestRun | null;
  // The live version's newest finished run in the draft run's mode (or any mode); null without one.
  liveRun: AgentTestRun | null;
  failures: TGateScenario[];
  // Passed on the live version's run, fails on the draft's.
  regressions: (TGateScenario & { liveVersion: number | null })[];
  // The draft may go out under a mandatory gate.
  isPassing: boolean;
  // What a person reads: why the gate is open or closed.
  summary: string;
};

function firstReason(result: { error: string | null; expectations: { passed: boolean; reason: string }[] }): string {
  return result.error ?? result.expectations.find((e) => !e.passed)?.reason ?? "Failed.";
}

export async function publishGate(db: DbOrTx, teamId: string, agentId: string, draft: TAgentSnapshot): Promise<TPublishGate> {
  const [team] = await db.select({ isRequired: teams.testsRequiredToPublish }).from(teams).where(eq(teams.id, teamId)).limit(1);
  const [agent] = await db
    .select({ publishedVersionId: agents.publishedVersionId })
    .from(agents)
    .where(and(eq(agents.teamId, teamId), eq(agents.id, agentId)))
    .limit(1);
  const [scenarios] = await db
    .select({ n: count() })
    .from(agentTestScenarios)
    .where(and(eq(agentTestScenarios.teamId, teamId), eq(agentTestScenarios.agentId, agentId)));
  const runs = await db
    .select()
    .from(agentTestRuns)
    .where(and(eq(agentTestRuns.teamId, teamId), eq(agentTestRuns.agentId, agentId)))
    .orderBy(desc(agentTestRuns.queuedAt))
    .limit(50);
  const isRequired = team?.isRequired ?? false;
  const scenarioCount = scenarios?.n ?? 0;
  // A queued run has no snapshot yet: it will run the draft as it is when it starts, which is this one unless
  // someone edits it first.
  const draftRun =
    runs.find((r) => r.target === "draft" && (r.snapshot ? isSameSnapshot(r.snapshot, draft) : r.status === "queued") && r.status !== "failed") ?? null;
  const liveRuns = agent?.publishedVersionId ? runs.filter((r) => r.status === "done" && r.agentVersionId === agent.publishedVersionId && r.id !== draftRun?.id) : [];
  const liveRun = liveRuns.find((r) => r.mode === draftRun?.mode) ?? liveRuns[0] ?? null;

  let failures: TGateScenario[] = [];
  let regressions: TPublishGate["regressions"] = [];
  if (draftRun?.status === "done") {
    const ids = [draftRun.id, ...(liveRun ? [liveRun.id] : [])];
    const results = await db
      .select({
        runId: agentTestResults.runId,
        scenarioId: agentTestResults.scenarioId,
        name: agentTestResults.scenarioName,
        status: agentTestResults.status,
        error: agentTestResults.error,
        expectations: agentTestResults.expectations,
      })
      .from(agentTestResults)
      .where(and(eq(agentTestResults.teamId, teamId), inArray(agentTestResults.runId, ids)));
    const onDraft = results.filter((r) => r.runId === draftRun.id);
    const passedLive = new Set(results.filter((r) => r.runId === liveRun?.id && r.status === "passed" && r.scenarioId).map((r) => r.scenarioId));
    failures = onDraft.filter((r) => r.status === "failed").map((r) => ({ scenarioId: r.scenarioId, name: r.name, reason: firstReason(r) }));
    regressions = failures.filter((f) => f.scenarioId && passedLive.has(f.scenarioId)).map((f) => ({ ...f, liveVersion: liveRun?.agentVersionNumber ?? null }));
  }

  const isPassing = scenarioCount > 0 && draftRun?.status === "done" && draftRun.total > 0 && draftRun.passed === draftRun.total && failures.length === 0;
  let summary: string;
  if (scenarioCount === 0) summary = "The suite has no scenarios: add some on the Tests tab.";
  else if (!draftRun) summary = "The suite has not been run on this draft yet.";
  else if (draftRun.status === "queued" || draftRun.status === "running") summary = `The suite is running on this draft (${draftRun.completed} of ${draftRun.total} done).`;
  else if (isPassing) summary = `All ${draftRun.total} scenarios pass on this draft${liveRun ? "; no regressions against the live version" : ""}.`;
  else {
    const regressionText = regressions.length > 0 ? `, ${regressions.length} of them passed on the live version (regression${regressions.length === 1 ? "" : "s"})` : "";
    summary = `${failures.length} of ${draftRun.total} scenario${draftRun.total === 1 ? "" : "s"} fail on this draft${regressionText}.`;
  }
  return { isRequired, scenarioCount, draftRun, liveRun, failures, regressions, isPassing, summary };
}

// Lines a person acts on, regressions first.
export function gateProblems(gate: TPublishGate): string[] {
  const regressed = new Set(gate.regressions.map((r) => r.scenarioId));
  return [
    ...gate.regressions.map((r) => `Regression: "${r.name}" passed on ${r.liveVersion ? `version ${r.liveVersion}` : "the live version"} and fails on this draft: ${r.reason}`),
    ...gate.failures.filter((f) => !regressed.has(f.scenarioId)).map((f) => `Fails: "${f.name}": ${f.reason}`),
  ];
}

// Called by publishing, in its transaction: refuses when the team requires a passing suite and this draft lacks one.
export async function enforcePublishGate(db: DbOrTx, teamId: string, agentId: string, draft: TAgentSnapshot): Promise<void> {
  const gate = await publishGate(db, teamId, agentId, draft);
  if (!gate.isRequired || gate.isPassing) return;
  const problems = gateProblems(gate);
  const next =
    gate.scenarioCount === 0
      ? "add scenarios on the Tests tab"
      : !gate.draftRun
        ? "run the suite on this draft first"
        : gate.draftRun.status === "done"
          ? "fix the failing scenarios (or the suite) and run it again"
          : "wait for the run to finish";
  throw new AppError("conflict", `This team requires the test suite to pass before publishing. ${gate.summary} Next: ${next}.`, {
    problems,
    gate: { summary: gate.summary, failures: gate.failures.length, regressions: gate.regressions.length },
  });
}

// Settings: whether publishing requires a passing suite. Audited like every team setting.
export async function setTestsRequiredToPublish(
  db: Db,
  team: { id: string; name: string },
  actor: TAuditActor,
  isRequired: boolean,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [before] = await tx.select({ isRequired: teams.testsRequiredToPublish }).from(teams).where(eq(teams.id, team.id)).limit(1).for("update");
    if (!before) throw new AppError("not_found", "That team does not exist.");
    if (before.isRequired === isRequired) return;
    await tx.update(teams).set({ testsRequiredToPublish: isRequired }).where(eq(teams.id, team.id));
    await recordAudit(tx, {
      teamId: team.id,
      actor,
      action: "team.settings_changed",
      targetType: "team",
      targetId: team.id,
      targetLabel: team.name,
      metadata: { changes: { testsRequiredToPublish: { from: before.isRequired, to: isRequired } } },
    });
  });
}
