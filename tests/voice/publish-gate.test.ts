import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentTestScenarios, auditLogs, knowledgeEntries, teams } from "@/db/schema";
import { createAgent } from "@/lib/agents/create-agent";
import { buildDraftSnapshot } from "@/lib/agents/draft-snapshot";
import { getAgent } from "@/lib/agents/get-agent";
import { addKnowledge, updateKnowledge } from "@/lib/agents/knowledge";
import { publishAgent } from "@/lib/agents/publish-agent";
import { executeTestRun, type TScenarioRunner } from "@/lib/evals/execute-run";
import { gateProblems, publishGate, setTestsRequiredToPublish } from "@/lib/evals/publish-gate";
import { createTestRun } from "@/lib/evals/runs";
import { signUp } from "@/lib/teams/sign-up";
import { createTestDb } from "@/tests/helpers/db";
import { silentLogger } from "@/voice-server/observability/log";
import { createEvalServices, runScenario, type TEvalServices } from "@/voice-server/evals/run-scenario";
import { offlineProviders } from "./helpers/voice-server";

// The publish gate on a real agent with the offline engines: a draft whose edit breaks a scenario that passes on
// the live version is reported as a regression before it goes out, and a team that made the gate mandatory cannot
// publish it; another team's setting and runs change nothing for this one.

let t: Awaited<ReturnType<typeof createTestDb>>;
let evalServices: TEvalServices;
const runner: TScenarioRunner = (input) => runScenario(evalServices, { ...input, timeoutMs: 30_000 });

beforeAll(async () => {
  t = await createTestDb();
  evalServices = createEvalServices({ db: t.db, providers: offlineProviders(), log: silentLogger });
});

afterAll(async () => {
  evalServices?.close();
  await t?.drop();
});

async function seedTeam(label: string) {
  const { user, team } = await signUp(t.db, { name: label, email: `${label}@example.test`, password: `password-${label}`, companyName: `${label} Co` });
  const actor = { userId: user.id, label: user.email };
  const agent = await createAgent(t.db, team, actor, { templateKey: "receptionist", timeZone: "America/New_York" });
  await publishAgent(t.db, team, actor, { agentId: agent.id });
  return { user, team, actor, agent };
}

async function draftOf(s: Awaited<ReturnType<typeof seedTeam>>) {
  return buildDraftSnapshot(t.db, s.team, await getAgent(t.db, s.team.id, s.agent.id));
}

async function run(s: Awaited<ReturnType<typeof seedTeam>>, target: "draft" | "live") {
  const created = await createTestRun(t.db, { teamId: s.team.id, agentId: s.agent.id, target, startedById: s.user.id, startedByLabel: s.user.email });
  expect(await executeTestRun(t.db, created.id, runner)).toBe("done");
  return created;
}

describe("publish gate", () => {
  it("reports a scenario that passed on the live version and fails on the draft as a regression, and refuses publishing when the team requires it", async () => {
    const a = await seedTeam("alpha");
    const b = await seedTeam("beta");
    // The live version passes its starter suite.
    await run(a, "live");
    // The draft moves the office: the starter scenario for "Where are you located?" expects the old address.
    const [entry] = await t.db
      .select()
      .from(knowledgeEntries)
      .where(and(eq(knowledgeEntries.teamId, a.team.id), eq(knowledgeEntries.agentId, a.agent.id), eq(knowledgeEntries.title, "Where are you located?")));
    await updateKnowledge(t.db, { teamId: a.team.id, agentId: a.agent.id, entryId: entry!.id }, a.actor, {
      kind: "qa",
      title: "Where are you located?",
      content: "We moved to 8 Pine Avenue, across from the library.",
    });
    let gate = await publishGate(t.db, a.team.id, a.agent.id, await draftOf(a));
    expect(gate).toMatchObject({ isRequired: false, isPassing: false, draftRun: null, summary: "The suite has not been run on this draft yet." });

    await run(a, "draft");
    gate = await publishGate(t.db, a.team.id, a.agent.id, await draftOf(a));
    expect(gate.isPassing).toBe(false);
    expect(gate.regressions.map((r) => r.name)).toEqual(["Asks: Where are you located?"]);
    expect(gate.regressions[0]).toMatchObject({ liveVersion: 1 });
    expect(gate.summary).toMatch(/^1 of \d+ scenarios fail on this draft, 1 of them passed on the live version \(regression\)\.$/);
    expect(gateProblems(gate)[0]).toMatch(/^Regression: "Asks: Where are you located\?" passed on version 1 and fails on this draft: No reply mentioned "120"/);

    // Offered, not required: publishing goes ahead. Required: refused with the reason, until the suite passes.
    await setTestsRequiredToPublish(t.db, a.team, a.actor, true);
    const [audit] = await t.db.select().from(auditLogs).where(and(eq(auditLogs.teamId, a.team.id), eq(auditLogs.action, "team.settings_changed")));
    expect(audit?.metadata).toMatchObject({ changes: { testsRequiredToPublish: { from: false, to: true } } });
    await expect(publishAgent(t.db, a.team, a.actor, { agentId: a.agent.id })).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringMatching(/^This team requires the test suite to pass before publishing\. 1 of \d+ scenarios fail on this draft, 1 of them passed on the live version \(regression\)\. Next: fix the failing scenarios/),
      details: { problems: [expect.stringMatching(/^Regression: "Asks: Where are you located\?"/)] },
    });
    // Another team's gate is its own: beta (not required) publishes a change without a run.
    expect((await t.db.select({ r: teams.testsRequiredToPublish }).from(teams).where(eq(teams.id, b.team.id)))[0]!.r).toBe(false);
    await t.db.update(knowledgeEntries).set({ content: "We're at 120 Market Street, Suite 500." }).where(and(eq(knowledgeEntries.teamId, b.team.id), eq(knowledgeEntries.title, "Where are you located?")));
    await expect(publishAgent(t.db, b.team, b.actor, { agentId: b.agent.id })).resolves.toMatchObject({ version: { version: 2 } });

    // Fix the suite (the scenario now expects the new address), run again: the gate opens and publishing works.
    await t.db
      .update(agentTestScenarios)
      .set({ expectations: [{ kind: "mentions", anyOf: ["8 Pine Avenue"] }] })
      .where(and(eq(agentTestScenarios.teamId, a.team.id), eq(agentTestScenarios.name, "Asks: Where are you located?")));
    await expect(publishAgent(t.db, a.team, a.actor, { agentId: a.agent.id })).rejects.toMatchObject({ code: "conflict" });
    await run(a, "draft");
    gate = await publishGate(t.db, a.team.id, a.agent.id, await draftOf(a));
    expect(gate).toMatchObject({ isPassing: true, regressions: [], failures: [] });
    await expect(publishAgent(t.db, a.team, a.actor, { agentId: a.agent.id })).resolves.toMatchObject({ version: { version: 2 } });
  }, 240_000);

  it("refuses under a mandatory gate when the passing run was for an older draft", async () => {
    const c = await seedTeam("gamma");
    await setTestsRequiredToPublish(t.db, c.team, c.actor, true);
    const scope = { teamId: c.team.id, agentId: c.agent.id };
    await addKnowledge(t.db, scope, c.actor, { kind: "qa", title: "Do you have wifi?", content: "Yes, there is free wifi in the lobby." });
    await run(c, "draft");
    await expect(publishGate(t.db, c.team.id, c.agent.id, await draftOf(c))).resolves.toMatchObject({ isPassing: true });
    // Edited after the run: that run no longer speaks for this draft.
    await addKnowledge(t.db, scope, c.actor, { kind: "qa", title: "Can I bring my dog?", content: "Dogs on a leash are welcome." });
    await expect(publishAgent(t.db, c.team, c.actor, { agentId: c.agent.id })).rejects.toMatchObject({
      message: "This team requires the test suite to pass before publishing. The suite has not been run on this draft yet. Next: run the suite on this draft first.",
    });
  }, 240_000);
});
