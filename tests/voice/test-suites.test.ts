import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentTestRuns, calls } from "@/db/schema";
import { executeTestRun, type TScenarioRunner } from "@/lib/evals/execute-run";
import { closeTestRunQueue, enqueueTestRun, startTestRunWorker } from "@/lib/evals/queue";
import { createTestRun, getTestRun, listTestRuns, summarizeRun } from "@/lib/evals/runs";
import { createScenarios, deleteScenario, listScenarios, updateScenario } from "@/lib/evals/scenarios";
import type { TScenarioInput } from "@/lib/evals/types";
import { createTestDb } from "@/tests/helpers/db";
import { silentLogger } from "@/voice-server/observability/log";
import { createEvalServices, runScenario, type TEvalServices } from "@/voice-server/evals/run-scenario";
import { seedAgent, type TSeededAgent } from "./helpers/seed";
import { offlineProviders } from "./helpers/voice-server";

// Agent test suites in text mode, on a real agent with the offline engines (no keys) and a real Postgres: every
// scenario is a real CallSession whose call record, turns and messages are what the checks read.

const ACCOUNT_SID = `AC${"0".repeat(32)}`;
let t: Awaited<ReturnType<typeof createTestDb>>;
let evalServices: TEvalServices;
let dental: TSeededAgent;
const runner: TScenarioRunner = (input) => runScenario(evalServices, { ...input, timeoutMs: 30_000 });

async function seedDental(): Promise<TSeededAgent> {
  return seedAgent(t.db, {
    accountSid: ACCOUNT_SID,
    knowledge: [
      { title: "What are your opening hours?", content: "We are open Monday to Friday from 9 am to 5 pm." },
      { title: "Where are you located?", content: "We are at 12 Harbor Street, next to the post office." },
    ],
    departments: [{ name: "Billing", phoneNumber: "+14155550111", whenToTransfer: "questions about bills and payments" }],
  });
}

beforeAll(async () => {
  t = await createTestDb();
  evalServices = createEvalServices({ db: t.db, providers: offlineProviders(), log: silentLogger });
  dental = await seedDental();
});

afterAll(async () => {
  evalServices?.close();
  await closeTestRunQueue();
  await t?.drop();
});

const scenario = (input: TScenarioInput) => ({
  // Text mode runs in this process and needs no run row.
  runId: "00000000-0000-0000-0000-000000000000",
  mode: "text" as const,
  teamId: dental.teamId,
  agentId: dental.agentId,
  agentVersionId: dental.versionId,
  snapshot: dental.snapshot,
  scenario: input,
});

describe("text-mode scenarios through a real CallSession", () => {
  it("passes a question about the hours that expects the hours, and fails one expecting a wrong fact with a clear reason", async () => {
    const steps = [
      { kind: "say" as const, text: "What are your opening hours?" },
      { kind: "say" as const, text: "Thanks, that's all, goodbye" },
    ];
    const good = await runner(
      scenario({
        name: "Hours",
        steps,
        expectations: [
          { kind: "mentions", anyOf: ["9 am", "nine in the morning"] },
          { kind: "avoids", anyOf: ["saturday"] },
          { kind: "ended_politely" },
          { kind: "max_dead_air", seconds: 5 },
          { kind: "max_turns", turns: 6 },
        ],
      }),
    );
    expect(good.error).toBeNull();
    expect(good.expectations.map((e) => [e.expectation.kind, e.passed])).toEqual([
      ["mentions", true],
      ["avoids", true],
      ["ended_politely", true],
      ["max_dead_air", true],
      ["max_turns", true],
    ]);
    expect(good.passed).toBe(true);
    expect(good.expectations[0]!.reason).toContain("9 am to 5 pm");
    expect(good.transcript.filter((x) => x.speaker === "caller").map((x) => x.text)).toEqual(steps.map((s) => s.text));
    expect(good.latencies.replyMs).toHaveLength(2);
    expect(good.latencies.replyMs.every((ms) => ms !== null && ms < 5_000)).toBe(true);
    // A real call record, marked as a test so analytics never count it.
    const [row] = await t.db.select().from(calls).where(eq(calls.id, good.callId!));
    expect(row).toMatchObject({ isTest: true, teamId: dental.teamId, endReason: "agent_end_call", status: "completed", analysisStatus: "skipped" });

    const wrong = await runner(scenario({ name: "Hours (wrong)", steps: steps.slice(0, 1), expectations: [{ kind: "mentions", anyOf: ["10 pm", "Sunday"] }] }));
    expect(wrong.passed).toBe(false);
    expect(wrong.error).toBeNull();
    expect(wrong.expectations[0]!.reason).toMatch(/^No reply mentioned "10 pm" or "Sunday"\. The agent said: .*9 am to 5 pm/);
  }, 60_000);

  it("checks a transfer to the named department, and says where the call went when it was another", async () => {
    const steps = [{ kind: "say" as const, text: "I have a question about my bill" }];
    const ok = await runner(scenario({ name: "Billing", steps, expectations: [{ kind: "transfer", department: "billing" }] }));
    expect(ok.expectations[0]).toMatchObject({ passed: true, reason: 'The call was transferred to "billing".' });
    expect(ok.transcript.some((x) => x.speaker === "event" && x.text === "Transferred to Billing")).toBe(true);
    const [row] = await t.db.select().from(calls).where(eq(calls.id, ok.callId!));
    expect(ok.error).toBeNull();
    expect(row).toMatchObject({ outcome: "transferred", transferredTo: "+14155550111", isTest: true });

    const other = await runner(scenario({ name: "Billing to front desk", steps, expectations: [{ kind: "transfer", department: "Front desk" }] }));
    expect(other.expectations[0]).toMatchObject({ passed: false, reason: 'The call was transferred to "Billing", not "Front desk".' });
  }, 60_000);

  it("checks the message the agent stored, field by field", async () => {
    const steps = [
      { kind: "say" as const, text: "I'd like to leave a message" },
      { kind: "say" as const, text: "My name is John Smith" },
      { kind: "say" as const, text: "My number is 415 555 0199" },
      { kind: "say" as const, text: "Please call me back about my appointment" },
    ];
    const ok = await runner(
      scenario({ name: "Message", steps, expectations: [{ kind: "message", name: "john smith", callbackNumber: "(415) 555-0199", contains: "appointment" }] }),
    );
    expect(ok.expectations[0]).toMatchObject({ passed: true });
    const wrong = await runner(scenario({ name: "Message (wrong)", steps, expectations: [{ kind: "message", name: "Mary" }] }));
    expect(wrong.expectations[0]!.passed).toBe(false);
    expect(wrong.expectations[0]!.reason).toContain('name "John Smith" does not contain "Mary"');
    const none = await runner(scenario({ name: "No message", steps: steps.slice(0, 1), expectations: [{ kind: "message", name: "John" }] }));
    expect(none.expectations[0]).toMatchObject({ passed: false, reason: "No message was stored." });
  }, 90_000);

  it("talks over the agent's reply at the given moment: the reply is cut, kept as interrupted, and the new question answered", async () => {
    const out = await runner(
      scenario({
        name: "Interrupts",
        steps: [
          { kind: "say", text: "What are your opening hours?" },
          // After its first sentence (a turn cut inside its first clause is the session's own business).
          { kind: "interrupt", afterMs: 4_000, text: "Where are you located?" },
        ],
        expectations: [{ kind: "mentions", anyOf: ["Harbor Street"] }, { kind: "judge", instruction: 'Says "Harbor Street".' }],
      }),
    );
    expect(out.error).toBeNull();
    const agentTurns = out.transcript.filter((x) => x.speaker === "agent");
    // Greeting, the hours cut off after their first sentence, the address.
    expect(agentTurns.some((x) => x.isInterrupted)).toBe(true);
    expect(agentTurns[agentTurns.length - 1]!.text).toContain("Harbor Street");
    expect(out.latencies.replyMs).toHaveLength(2);
    expect(out.expectations.map((e) => [e.passed, e.judgedBy ?? null])).toEqual([
      [true, null],
      [true, "rules"],
    ]);
  }, 60_000);

  it("fails a stuck scenario with a reason instead of hanging the run", async () => {
    const stuck = await runScenario(evalServices, {
      ...scenario({ name: "Stuck", steps: [{ kind: "silence", seconds: 20 }], expectations: [{ kind: "max_turns", turns: 10 }] }),
      timeoutMs: 3_000,
    });
    expect(stuck.passed).toBe(false);
    expect(stuck.error).toBe("The scenario did not finish within 3 s (stuck at step 1, silence).");
    const [row] = await t.db.select().from(calls).where(eq(calls.id, stuck.callId!));
    expect(row!.endedAt).not.toBeNull();
  }, 30_000);
});

describe("suite runs", () => {
  it("runs a suite as a durable job in the worker queue and records progress, results and a CI summary", async () => {
    const agent = await seedDental();
    await createScenarios(t.db, agent.teamId, agent.agentId, [
      { name: "Hours", steps: [{ kind: "say", text: "What are your opening hours?" }], expectations: [{ kind: "mentions", anyOf: ["9 am"] }] },
      { name: "Wrong address", steps: [{ kind: "say", text: "Where are you located?" }], expectations: [{ kind: "mentions", anyOf: ["Main Street"] }] },
    ]);
    const worker = await startTestRunWorker({ databaseUrl: t.url, db: t.db, concurrency: 2, runScenario: runner, log: silentLogger, pollingIntervalSeconds: 0.5 });
    try {
      const run = await createTestRun(t.db, { teamId: agent.teamId, agentId: agent.agentId, target: "live", startedById: null, startedByLabel: "test" });
      expect(run).toMatchObject({ status: "queued", total: 2, agentVersionId: agent.versionId, agentVersionNumber: 1 });
      await enqueueTestRun(run.id, { databaseUrl: t.url });
      const deadline = Date.now() + 60_000;
      let view = await getTestRun(t.db, agent.teamId, run.id);
      while (view.status !== "done" && view.status !== "failed" && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        view = await getTestRun(t.db, agent.teamId, run.id);
      }
      expect(view).toMatchObject({ status: "done", completed: 2, passed: 1, failed: 1 });
      expect(view.results.map((r) => [r.scenarioName, r.status])).toEqual([
        ["Hours", "passed"],
        ["Wrong address", "failed"],
      ]);
      expect(view.results[1]!.expectations[0]!.reason).toContain('No reply mentioned "Main Street"');
      expect(summarizeRun(view)).toMatchObject({ status: "done", passed: false, counts: { total: 2, completed: 2, passed: 1, failed: 1 } });
    } finally {
      await worker.stop();
    }
  }, 90_000);

  it("runs several suites at once, never more than the worker's concurrency", async () => {
    const agents = [await seedDental(), await seedDental(), await seedDental()];
    for (const agent of agents) {
      await createScenarios(t.db, agent.teamId, agent.agentId, [
        { name: "Hours", steps: [{ kind: "say", text: "What are your opening hours?" }], expectations: [{ kind: "mentions", anyOf: ["9 am"] }] },
      ]);
    }
    let inFlight = 0;
    let peak = 0;
    const release: (() => void)[] = [];
    // Each scenario waits until the test lets it go, so runs overlap as long as the queue allows.
    const gated: TScenarioRunner = async (input) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise<void>((resolve) => release.push(resolve));
      inFlight--;
      return runner(input);
    };
    const worker = await startTestRunWorker({ databaseUrl: t.url, db: t.db, concurrency: 2, runScenario: gated, log: silentLogger, pollingIntervalSeconds: 0.5 });
    try {
      const runs = [];
      for (const agent of agents) {
        const run = await createTestRun(t.db, { teamId: agent.teamId, agentId: agent.agentId, target: "live", startedById: null, startedByLabel: "ci" });
        await enqueueTestRun(run.id, { databaseUrl: t.url });
        runs.push({ run, agent });
      }
      const deadline = Date.now() + 30_000;
      while (release.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 1_500));
      expect(inFlight).toBe(2);
      const statuses = await Promise.all(runs.map(({ run, agent }) => getTestRun(t.db, agent.teamId, run.id).then((v) => v.status)));
      expect(statuses.filter((s) => s === "running")).toHaveLength(2);
      expect(statuses.filter((s) => s === "queued")).toHaveLength(1);
      while (Date.now() < deadline + 30_000) {
        release.splice(0).forEach((go) => go());
        const done = await Promise.all(runs.map(({ run, agent }) => getTestRun(t.db, agent.teamId, run.id).then((v) => v.status)));
        if (done.every((s) => s === "done")) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(peak).toBe(2);
      for (const { run, agent } of runs) expect(await getTestRun(t.db, agent.teamId, run.id)).toMatchObject({ status: "done", passed: 1 });
    } finally {
      release.splice(0).forEach((go) => go());
      await worker.stop();
    }
  }, 120_000);

  it("runs the draft, and refuses a live run before anything is published or a suite with no scenarios", async () => {
    const agent = await seedAgent(t.db, { accountSid: ACCOUNT_SID, isPublished: false, knowledge: [{ title: "Do you take Cigna?", content: "Yes, we accept Cigna and Aetna." }] });
    await expect(createTestRun(t.db, { teamId: agent.teamId, agentId: agent.agentId, target: "draft", startedById: null, startedByLabel: "x" })).rejects.toThrow(
      "This agent's suite has no scenarios yet",
    );
    await createScenarios(t.db, agent.teamId, agent.agentId, [
      { name: "Cigna", steps: [{ kind: "say", text: "Do you take Cigna?" }], expectations: [{ kind: "mentions", anyOf: ["Cigna"] }] },
    ]);
    await expect(createTestRun(t.db, { teamId: agent.teamId, agentId: agent.agentId, target: "live", startedById: null, startedByLabel: "x" })).rejects.toThrow(
      "no live version yet",
    );
    const run = await createTestRun(t.db, { teamId: agent.teamId, agentId: agent.agentId, target: "draft", startedById: null, startedByLabel: "x" });
    expect(run.agentVersionId).toBeNull();
    expect(await executeTestRun(t.db, run.id, runner)).toBe("done");
    const view = await getTestRun(t.db, agent.teamId, run.id);
    expect(view).toMatchObject({ status: "done", passed: 1, failed: 0 });
    // A second execution of the same job (a retry) does nothing to a finished run.
    expect(await executeTestRun(t.db, run.id, runner)).toBe("skipped");
  }, 60_000);

  it("keeps suites and runs to their team: another team gets not found for every read and write", async () => {
    const mine = await seedDental();
    const theirs = await seedDental();
    const [created] = await createScenarios(t.db, mine.teamId, mine.agentId, [
      { name: "Hours", steps: [{ kind: "say", text: "What are your opening hours?" }], expectations: [{ kind: "mentions", anyOf: ["9 am"] }] },
    ]);
    const run = await createTestRun(t.db, { teamId: mine.teamId, agentId: mine.agentId, target: "live", startedById: null, startedByLabel: "x" });
    const valid = { name: "X", steps: [{ kind: "say", text: "hi" }], expectations: [{ kind: "max_turns", turns: 3 }] };
    await expect(listScenarios(t.db, theirs.teamId, mine.agentId)).rejects.toMatchObject({ code: "not_found" });
    await expect(createScenarios(t.db, theirs.teamId, mine.agentId, [valid])).rejects.toMatchObject({ code: "not_found" });
    await expect(updateScenario(t.db, theirs.teamId, theirs.agentId, created!.id, valid)).rejects.toMatchObject({ code: "not_found" });
    await expect(deleteScenario(t.db, theirs.teamId, theirs.agentId, created!.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(createTestRun(t.db, { teamId: theirs.teamId, agentId: mine.agentId, target: "live", startedById: null, startedByLabel: "x" })).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(getTestRun(t.db, theirs.teamId, run.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(listTestRuns(t.db, theirs.teamId, mine.agentId)).rejects.toMatchObject({ code: "not_found" });
    expect(await listScenarios(t.db, mine.teamId, mine.agentId)).toHaveLength(1);
    const [still] = await t.db.select().from(agentTestRuns).where(and(eq(agentTestRuns.teamId, mine.teamId), eq(agentTestRuns.id, run.id)));
    expect(still).toBeDefined();
  });

  it("refuses a bad scenario with a message that names the part", async () => {
    const agent = await seedDental();
    await expect(createScenarios(t.db, agent.teamId, agent.agentId, [{ name: "", steps: [], expectations: [] }])).rejects.toThrow("name: Give the scenario a name.");
    await expect(
      createScenarios(t.db, agent.teamId, agent.agentId, [{ name: "x", steps: [{ kind: "dtmf", digits: "12a" }], expectations: [{ kind: "max_turns", turns: 2 }] }]),
    ).rejects.toThrow("steps.0.digits: DTMF digits are 0-9, * and # (at most 20).");
    await expect(
      createScenarios(t.db, agent.teamId, agent.agentId, [{ name: "x", steps: [{ kind: "say", text: "hi" }], expectations: [{ kind: "mentions", anyOf: [] }] }]),
    ).rejects.toThrow("expectations.0.anyOf: Give at least one phrasing.");
  });
});
