import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgent } from "@/lib/agents/create-agent";
import { AGENT_TEMPLATES } from "@/lib/agents/templates";
import { resolveRunTarget } from "@/lib/evals/runs";
import { listScenarios } from "@/lib/evals/scenarios";
import { ZExpectation, ZScenarioStep } from "@/lib/evals/types";
import { signUp } from "@/lib/teams/sign-up";
import { createTestDb } from "@/tests/helpers/db";
import { silentLogger } from "@/voice-server/observability/log";
import { createEvalServices, runScenario, type TEvalServices } from "@/voice-server/evals/run-scenario";
import { closedTimeZone } from "./helpers/closed-time-zone";
import { offlineProviders } from "./helpers/voice-server";

// Every template ships with a starter suite built from its own knowledge and departments, created with the agent,
// and that suite passes offline (no keys) in text mode on the agent exactly as the template makes it, whenever it runs:
// the agent's time zone is one where it is closed while the suite runs, and a suite's calls run as if within business
// hours (the stream's "hours: open" parameter), so its transfers are tested on the template's days off too.

let t: Awaited<ReturnType<typeof createTestDb>>;
let evalServices: TEvalServices;

beforeAll(async () => {
  t = await createTestDb();
  evalServices = createEvalServices({ db: t.db, providers: offlineProviders(), log: silentLogger });
});

afterAll(async () => {
  evalServices?.close();
  await t?.drop();
});

describe("starter suites", () => {
  for (const template of AGENT_TEMPLATES) {
    it(`${template.label}: the agent starts with a suite from its knowledge and departments, and it passes offline in text mode`, async () => {
      const { user, team } = await signUp(t.db, {
        name: "Owner",
        email: `owner-${template.key}@example.test`,
        password: "password-starter",
        companyName: `Starter ${template.key}`,
      });
      const agent = await createAgent(
        t.db,
        team,
        { userId: user.id, label: user.email },
        { templateKey: template.key, timeZone: closedTimeZone(template, 180_000) },
      );
      const scenarios = await listScenarios(t.db, team.id, agent.id);
      const content = template.build({ teamName: team.name, timeZone: "UTC" });
      const questions = content.knowledge.filter((k) => k.kind === "qa").length;
      // One question per Q&A entry (whose answer has a telling phrase), one transfer per department, and a goodbye.
      expect(scenarios.length).toBeGreaterThanOrEqual(1 + content.departments.length);
      expect(scenarios.length).toBeLessThanOrEqual(1 + content.departments.length + questions);
      expect(scenarios.filter((s) => s.name.startsWith("Transfer: ")).map((s) => s.name)).toEqual(
        content.departments.map((d) => `Transfer: ${d.name}`),
      );
      expect(scenarios.some((s) => s.name === "Says goodbye")).toBe(true);

      const target = await resolveRunTarget(t.db, team.id, agent.id, "draft");
      const failures: string[] = [];
      for (const scenario of scenarios) {
        const outcome = await runScenario(evalServices, {
          teamId: team.id,
          agentId: agent.id,
          agentVersionId: null,
          snapshot: target.snapshot,
          scenario: {
            name: scenario.name,
            steps: ZScenarioStep.array().parse(scenario.steps),
            expectations: ZExpectation.array().parse(scenario.expectations),
          },
          timeoutMs: 30_000,
        });
        if (!outcome.passed) {
          const why = [outcome.error, ...outcome.expectations.filter((e) => !e.passed).map((e) => e.reason)]
            .filter(Boolean)
            .join(" ");
          failures.push(`${scenario.name}: ${why}`);
        }
      }
      expect(failures).toEqual([]);
    }, 180_000);
  }
});
