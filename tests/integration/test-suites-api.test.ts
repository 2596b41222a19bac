import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it, vi } from "vitest";
import { agentTestRuns, agentTestScenarios } from "@/db/schema";
import { createAgent } from "@/lib/agents/create-agent";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { ZTestRunOut } from "@/lib/api/endpoints/test-runs";
import { buildOpenApiDocument } from "@/lib/api/openapi";
import { setTestsRequiredToPublish } from "@/lib/evals/publish-gate";
import { closeTestRunQueue } from "@/lib/evals/queue";
import { signUp } from "@/lib/teams/sign-up";
import { callRoute } from "@/tests/helpers/api-route";
import { createTestDb } from "@/tests/helpers/db";

// Test suites through the v1 API and the Tests tab's server actions, with real keys, sessions and a real
// database: a team runs its own suite; another team's key or member gets 404 for every suite and run of it.
const session = vi.hoisted(() => ({ current: null as null | { user: { id: string; email: string } } }));
vi.mock("server-only", () => ({}));
vi.mock("next/headers", () => ({ headers: async () => new Headers({ "x-forwarded-for": "203.0.113.7" }) }));
vi.mock("next/cache", () => ({ revalidatePath: () => {}, revalidateTag: () => {} }));
vi.mock("@/lib/auth/auth", () => ({ auth: async () => session.current, signIn: async () => {}, signOut: async () => {} }));

type TAction = (slug: string, prev: undefined, formData: FormData) => Promise<{ error?: string; success?: string; fieldErrors?: Record<string, string>; data?: Record<string, unknown> }>;

const t = await createTestDb();
process.env.DATABASE_URL = t.url;
const routes = {
  start: await import("@/app/api/v1/agents/[id]/test-runs/route"),
  run: await import("@/app/api/v1/test-runs/[id]/route"),
  publish: await import("@/app/api/v1/agents/[id]/publish/route"),
};
const actions = await import("@/app/t/[slug]/agents/[agentId]/tests/actions");

const call = callRoute;

async function seedTeam(label: string) {
  const { user, team } = await signUp(t.db, { name: label, email: `${label.toLowerCase()}@example.test`, password: `password-${label}`, companyName: `${label} Co` });
  const agent = await createAgent(t.db, team, { userId: user.id, label: user.email }, { templateKey: "receptionist" });
  // The template's starter suite is checked in its own test; these start from an empty suite.
  const starter = await t.db.delete(agentTestScenarios).where(eq(agentTestScenarios.agentId, agent.id)).returning();
  if (starter.length === 0) throw new Error("a receptionist agent should start with its starter suite");
  const { key } = await createApiKey(t.db, team.id, { userId: user.id, label: user.email }, { name: `${label} key` });
  return { user, team, agent, key };
}

function form(fields: Record<string, string>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
}

const a = await seedTeam("Alpha");
const b = await seedTeam("Beta");
afterAll(async () => {
  await closeTestRunQueue();
  await t.drop();
});

describe("Tests tab server actions", () => {
  it("adds a scenario from the form, refuses a bad script with the row, proposes scenarios from knowledge and departments", async () => {
    session.current = { user: { id: a.user.id, email: a.user.email } };
    const bad = await (actions.saveScenarioAction as TAction)(a.team.slug, undefined, form({ agentId: a.agent.id, name: "Hours", script: "Hi\n[dtmf x]", mentions: "9" }));
    expect(bad.fieldErrors).toEqual({ script: "Row 2: [dtmf ...] needs keys 0-9, * or # (at most 20)." });
    const none = await (actions.saveScenarioAction as TAction)(a.team.slug, undefined, form({ agentId: a.agent.id, name: "Hours", script: "Hi" }));
    expect(none.fieldErrors?.mentions).toContain("Add at least one expectation");
    const ok = await (actions.saveScenarioAction as TAction)(
      a.team.slug,
      undefined,
      form({ agentId: a.agent.id, name: "Hours", script: "What are your hours?\n[pause 500]\nThanks, bye", mentions: "9 am | nine", endedPolitely: "on", maxTurns: "8" }),
    );
    expect(ok).toEqual({ success: "Scenario added to the suite." });
    const [row] = await t.db.select().from(agentTestScenarios).where(eq(agentTestScenarios.agentId, a.agent.id));
    expect(row).toMatchObject({
      teamId: a.team.id,
      steps: [{ kind: "say", text: "What are your hours?" }, { kind: "pause", ms: 500 }, { kind: "say", text: "Thanks, bye" }],
      expectations: [{ kind: "mentions", anyOf: ["9 am", "nine"] }, { kind: "ended_politely" }, { kind: "max_turns", turns: 8 }],
    });
    const proposed = await (actions.proposeScenariosAction as TAction)(a.team.slug, undefined, form({ agentId: a.agent.id }));
    expect(proposed.success).toMatch(/^Added \d+ proposed scenarios?\./);
    const all = await t.db.select().from(agentTestScenarios).where(eq(agentTestScenarios.agentId, a.agent.id));
    expect(all.some((s) => s.name.startsWith("Asks: "))).toBe(true);
    expect(all.some((s) => s.name.startsWith("Transfer: ") && s.expectations.some((e) => e.kind === "transfer"))).toBe(true);
    // Proposing again adds nothing twice.
    const again = await (actions.proposeScenariosAction as TAction)(a.team.slug, undefined, form({ agentId: a.agent.id }));
    expect(again.success).toContain("Nothing new to propose");
  });

  it("gives a member of another team, on their own team's slug, not found for this team's agent and scenarios", async () => {
    const [scenario] = await t.db.select().from(agentTestScenarios).where(eq(agentTestScenarios.agentId, a.agent.id)).limit(1);
    session.current = { user: { id: b.user.id, email: b.user.email } };
    const attempts: [string, TAction, Record<string, string>][] = [
      ["save", actions.saveScenarioAction as TAction, { agentId: a.agent.id, name: "X", script: "hi", maxTurns: "3" }],
      ["edit", actions.saveScenarioAction as TAction, { agentId: b.agent.id, scenarioId: scenario!.id, name: "X", script: "hi", maxTurns: "3" }],
      ["delete", actions.deleteScenarioAction as TAction, { agentId: b.agent.id, scenarioId: scenario!.id }],
      ["propose", actions.proposeScenariosAction as TAction, { agentId: a.agent.id }],
      ["run", actions.runSuiteAction as TAction, { agentId: a.agent.id, version: "draft" }],
    ];
    for (const [name, action, fields] of attempts) {
      const result = await action(b.team.slug, undefined, form(fields));
      expect(result.error, name).toMatch(/does not exist/);
    }
    const [still] = await t.db.select().from(agentTestScenarios).where(eq(agentTestScenarios.id, scenario!.id));
    expect(still).toMatchObject({ name: scenario!.name, teamId: a.team.id });
    expect(await t.db.select().from(agentTestRuns).where(eq(agentTestRuns.teamId, b.team.id))).toEqual([]);
  });
});

describe("v1 API", () => {
  it("queues a run of the suite and reads it back, CI-friendly; another team's key gets 404", async () => {
    const started = await call(routes.start.POST, a.key, `/agents/${a.agent.id}/test-runs`, { method: "POST", body: { version: "draft" }, params: { id: a.agent.id } });
    expect(started.status).toBe(201);
    const run = ZTestRunOut.parse(started.json);
    expect(run).toMatchObject({ agent_id: a.agent.id, version: "draft", mode: "text", status: "queued", passed: null, results: [] });
    const voice = await call(routes.start.POST, a.key, `/agents/${a.agent.id}/test-runs`, { method: "POST", body: { version: "draft", mode: "voice" }, params: { id: a.agent.id } });
    expect(voice.status).toBe(201);
    expect(ZTestRunOut.parse(voice.json)).toMatchObject({ mode: "voice", status: "queued" });
    const badMode = await call(routes.start.POST, a.key, `/agents/${a.agent.id}/test-runs`, { method: "POST", body: { mode: "video" }, params: { id: a.agent.id } });
    expect(badMode.status).toBe(400);
    expect(run.counts.total).toBeGreaterThan(1);

    const read = await call(routes.run.GET, a.key, `/test-runs/${run.id}`, { params: { id: run.id } });
    expect(read.status).toBe(200);
    expect(ZTestRunOut.parse(read.json).id).toBe(run.id);

    expect((await call(routes.run.GET, b.key, `/test-runs/${run.id}`, { params: { id: run.id } })).status).toBe(404);
    const foreign = await call(routes.start.POST, b.key, `/agents/${a.agent.id}/test-runs`, { method: "POST", body: { version: "draft" }, params: { id: a.agent.id } });
    expect(foreign.status).toBe(404);
    expect(await t.db.select().from(agentTestRuns).where(eq(agentTestRuns.teamId, b.team.id))).toEqual([]);
  });

  it("refuses a bad version, an empty suite, and a live run of an unpublished agent with 400", async () => {
    const bad = await call(routes.start.POST, a.key, `/agents/${a.agent.id}/test-runs`, { method: "POST", body: { version: "staging" }, params: { id: a.agent.id } });
    expect(bad.status).toBe(400);
    const empty = await call(routes.start.POST, b.key, `/agents/${b.agent.id}/test-runs`, { method: "POST", body: {}, params: { id: b.agent.id } });
    expect(empty).toMatchObject({ status: 400, json: { error: { message: expect.stringContaining("no scenarios yet") } } });
    const live = await call(routes.start.POST, a.key, `/agents/${a.agent.id}/test-runs`, { method: "POST", body: { version: "live" }, params: { id: a.agent.id } });
    expect(live).toMatchObject({ status: 400, json: { error: { message: expect.stringContaining("no live version yet") } } });
  });

  it("refuses publishing with 409 and the reason when the team requires a passing suite; another team publishes as before", async () => {
    await setTestsRequiredToPublish(t.db, a.team, { userId: a.user.id, label: a.user.email }, true);
    const refused = await call(routes.publish.POST, a.key, `/agents/${a.agent.id}/publish`, { method: "POST", body: {}, params: { id: a.agent.id } });
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ error: { message: expect.stringMatching(/^This team requires the test suite to pass before publishing\./) } });
    const published = await call(routes.publish.POST, b.key, `/agents/${b.agent.id}/publish`, { method: "POST", body: {}, params: { id: b.agent.id } });
    expect(published.status).toBe(201);
    // The setting is the team's own: A's key cannot publish B's agent either way.
    expect((await call(routes.publish.POST, a.key, `/agents/${b.agent.id}/publish`, { method: "POST", body: {}, params: { id: b.agent.id } })).status).toBe(404);
  });

  it("documents both endpoints in the OpenAPI document", () => {
    const doc = buildOpenApiDocument({ serverUrl: "http://x/api/v1" });
    expect(doc.paths["/agents/{id}/test-runs"]?.post).toMatchObject({ operationId: "startTestRun" });
    expect(doc.paths["/test-runs/{id}"]?.get).toMatchObject({ operationId: "getTestRun" });
  });
});
