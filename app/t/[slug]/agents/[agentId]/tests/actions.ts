"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { teams } from "@/db/schema";
import { eq } from "drizzle-orm";
import { buildDraftSnapshot } from "@/lib/agents/draft-snapshot";
import { teamAction } from "@/lib/auth/entry-points";
import { scenarioFromForm, ZScenarioForm } from "@/lib/evals/form";
import { proposeScenarios } from "@/lib/evals/propose";
import { createScenarios, deleteScenario, listScenarios, requireAgent, updateScenario } from "@/lib/evals/scenarios";
import { MAX_SCENARIOS_PER_AGENT, ZRunMode, ZRunTarget } from "@/lib/evals/types";
import { startTestRun } from "@/lib/evals/web";
import { getLiveVersion } from "@/lib/agents/get-agent";
import { listTestRuns } from "@/lib/evals/runs";

// The Tests tab: an agent's suite (scenarios), proposals from its knowledge and departments, and suite runs.
// Editing the suite is for those who edit the agent; running it, for those who may place test calls.

const ZAgentRef = z.object({ agentId: z.string().min(1, "Missing agent") });
const ZScenarioRef = ZAgentRef.extend({ scenarioId: z.string().min(1, "Missing scenario") });

function refresh(slug: string, agentId: string) {
  revalidatePath(`/t/${slug}/agents/${agentId}`);
}

export const saveScenarioAction = teamAction("agents.edit", ZScenarioForm.extend(ZAgentRef.shape).extend({ scenarioId: z.string().optional() }), async (ctx, input) => {
  const { agentId, scenarioId, ...form } = input;
  const built = scenarioFromForm(form);
  if (!built.ok) return { error: "Please fix the highlighted fields.", fieldErrors: built.fieldErrors, values: Object.fromEntries(Object.entries(input).map(([k, v]) => [k, String(v ?? "")])) };
  if (scenarioId) await updateScenario(ctx.db, ctx.team.id, agentId, scenarioId, built.scenario);
  else await createScenarios(ctx.db, ctx.team.id, agentId, [built.scenario]);
  refresh(ctx.team.slug, agentId);
  return { success: scenarioId ? "Scenario saved." : "Scenario added to the suite." };
});

export const deleteScenarioAction = teamAction("agents.edit", ZScenarioRef, async (ctx, input) => {
  await deleteScenario(ctx.db, ctx.team.id, input.agentId, input.scenarioId);
  refresh(ctx.team.slug, input.agentId);
  return { success: "Scenario removed." };
});

export const proposeScenariosAction = teamAction("agents.edit", ZAgentRef, async (ctx, input) => {
  const agent = await requireAgent(ctx.db, ctx.team.id, input.agentId);
  const [team] = await ctx.db.select({ id: teams.id, name: teams.name }).from(teams).where(eq(teams.id, ctx.team.id)).limit(1);
  const draft = await buildDraftSnapshot(ctx.db, team ?? ctx.team, agent);
  const existing = await listScenarios(ctx.db, ctx.team.id, agent.id);
  const proposed = proposeScenarios(draft, new Set(existing.map((s) => s.name.toLowerCase()))).slice(0, Math.max(0, MAX_SCENARIOS_PER_AGENT - existing.length));
  if (proposed.length === 0) {
    return { success: "Nothing new to propose: add knowledge (questions and answers) or departments first, or the suite already has their scenarios." };
  }
  await createScenarios(ctx.db, ctx.team.id, agent.id, proposed);
  refresh(ctx.team.slug, agent.id);
  return { success: `Added ${proposed.length} proposed scenario${proposed.length === 1 ? "" : "s"}. Review them, then run the suite.` };
});

export const runSuiteAction = teamAction("test_calls.start", ZAgentRef.extend({ version: ZRunTarget, mode: ZRunMode.default("text") }), async (ctx, input) => {
  const run = await startTestRun(ctx.db, {
    teamId: ctx.team.id,
    agentId: input.agentId,
    target: input.version,
    mode: input.mode,
    startedById: ctx.user.id,
    startedByLabel: ctx.actor.label,
  });
  refresh(ctx.team.slug, input.agentId);
  return { success: "The suite is running.", data: { runId: run.id } };
});

// Publishing offers this first: the suite on the draft, and on the live version too when it has no finished run
// yet, so the result can say which scenarios the draft breaks (regressions).
export const testBeforePublishAction = teamAction("test_calls.start", ZAgentRef.extend({ mode: ZRunMode.default("text") }), async (ctx, input) => {
  const agent = await requireAgent(ctx.db, ctx.team.id, input.agentId);
  const started = { startedById: ctx.user.id, startedByLabel: ctx.actor.label };
  const draftRun = await startTestRun(ctx.db, { teamId: ctx.team.id, agentId: agent.id, target: "draft", mode: input.mode, ...started });
  const runIds = [draftRun.id];
  const live = await getLiveVersion(ctx.db, ctx.team.id, agent);
  if (live) {
    const runs = await listTestRuns(ctx.db, ctx.team.id, agent.id);
    const hasLiveRun = runs.some((r) => r.agentVersionId === live.id && r.mode === input.mode && r.id !== draftRun.id && r.status !== "failed");
    if (!hasLiveRun) runIds.push((await startTestRun(ctx.db, { teamId: ctx.team.id, agentId: agent.id, target: "live", mode: input.mode, ...started })).id);
  }
  refresh(ctx.team.slug, agent.id);
  return { success: live ? "Testing the draft against the live version…" : "Testing the draft…", data: { runIds } };
});
