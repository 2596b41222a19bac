import { existsSync } from "node:fs";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentTestRuns, calls } from "@/db/schema";
import { createCall } from "@/lib/calls/create-call";
import { evalTicketKey, signEvalCallTicket } from "@/lib/evals/call-ticket";
import { executeTestRun, type TScenarioRunner } from "@/lib/evals/execute-run";
import { createTestRun, getTestRun } from "@/lib/evals/runs";
import { createScenarios } from "@/lib/evals/scenarios";
import { createTestDb } from "@/tests/helpers/db";
import { createEspeakTts } from "@/voice-server/providers/tts/espeak";
import { silentLogger } from "@/voice-server/observability/log";
import { createEvalServices, runScenario, type TEvalServices } from "@/voice-server/evals/run-scenario";
import { createVoiceEvalServices, evalCallUrl, runVoiceScenario, type TVoiceEvalServices } from "@/voice-server/evals/run-voice-scenario";
import { seedAgent, type TSeededAgent } from "./helpers/seed";
import { offlineProviders, startTestVoiceServer, type TTestVoiceServer } from "./helpers/voice-server";

// Voice-mode test suites: the worker's simulated caller speaks synthesized lines as 20 ms mu-law frames to the real
// voice server (ticketed Media Streams socket), which runs the call with its offline speech-to-text, records it,
// and writes the turns the checks read. Two tenants: a ticket opens only its own team's run and call, once.

const AUTH_SECRET = "voice-suite-test-secret-0123456789abcdef";
const ACCOUNT_SID = `AC${"0".repeat(32)}`;
let t: Awaited<ReturnType<typeof createTestDb>>;
let voice: TTestVoiceServer;
let voiceEvals: TVoiceEvalServices;
let textEvals: TEvalServices;
let secretKey: Buffer;
const runner: TScenarioRunner = (input) =>
  input.mode === "voice" ? runVoiceScenario(voiceEvals, { ...input, timeoutMs: 90_000 }) : runScenario(textEvals, { ...input, timeoutMs: 30_000 });

function seedDental(): Promise<TSeededAgent> {
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
  voice = await startTestVoiceServer({ db: t.db, dbUrl: t.url, providers: offlineProviders(), env: { AUTH_SECRET } });
  secretKey = voice.env.secretKey!;
  voiceEvals = createVoiceEvalServices({ db: t.db, voiceUrl: voice.serverUrl, secretKey, tts: createEspeakTts() });
  textEvals = createEvalServices({ db: t.db, providers: offlineProviders(), log: silentLogger });
}, 60_000);

afterAll(async () => {
  textEvals?.close();
  await voice?.stop();
  await t?.drop();
});

describe("voice mode", () => {
  it("speaks the caller's lines through the real loop, checks what speech-to-text heard, and keeps the recording and latencies", async () => {
    const agent = await seedDental();
    await createScenarios(t.db, agent.teamId, agent.agentId, [
      {
        name: "Hours by voice",
        steps: [{ kind: "say", text: "What are your opening hours?" }],
        expectations: [{ kind: "mentions", anyOf: ["9 am", "nine"] }, { kind: "max_dead_air", seconds: 8 }],
      },
      { name: "Wrong fact by voice", steps: [{ kind: "say", text: "What are your opening hours?" }], expectations: [{ kind: "mentions", anyOf: ["Sunday brunch"] }] },
    ]);
    const run = await createTestRun(t.db, { teamId: agent.teamId, agentId: agent.agentId, target: "draft", mode: "voice", startedById: null, startedByLabel: "ci" });
    expect(run.mode).toBe("voice");
    expect(await executeTestRun(t.db, run.id, runner)).toBe("done");
    const view = await getTestRun(t.db, agent.teamId, run.id);
    expect(view).toMatchObject({ status: "done", mode: "voice", completed: 2, passed: 1, failed: 1 });
    const [good, wrong] = view.results;
    expect(good!.error).toBeNull();
    expect(good!.status).toBe("passed");
    expect(good!.expectations[0]!.reason).toMatch(/9 am|nine/i);
    // The caller turn is what the recognizer heard, next to the line the caller said.
    const heard = good!.transcript.find((x) => x.speaker === "caller");
    expect(heard?.said).toBe("What are your opening hours?");
    expect(heard?.text.toLowerCase()).toContain("hours");
    expect(good!.latencies.greetingMs).toBeGreaterThan(0);
    expect(good!.latencies.replyMs).toHaveLength(1);
    expect(good!.latencies.replyMs[0]).toBeGreaterThan(0);
    expect(good!.latencies.replyMs[0]).toBeLessThan(8_000);
    // A real, recorded test call: never in analytics, never analyzed.
    const [row] = await t.db.select().from(calls).where(and(eq(calls.teamId, agent.teamId), eq(calls.id, good!.callId!)));
    expect(row).toMatchObject({ isTest: true, status: "completed", analysisStatus: "skipped" });
    expect(row!.recordingPath).toBeTruthy();
    expect(good!.hasRecording).toBe(true);
    expect(existsSync(path.join(voice.recordingsDir, row!.recordingPath!))).toBe(true);
    expect(wrong!.status).toBe("failed");
    expect(wrong!.expectations[0]!.reason).toContain('No reply mentioned "Sunday brunch"');
  }, 180_000);

  it("talks over the agent at the given moment: the agent's turn is cut and marked interrupted", async () => {
    const agent = await seedDental();
    const [scenario] = await createScenarios(t.db, agent.teamId, agent.agentId, [
      {
        name: "Interrupts",
        steps: [
          { kind: "say", text: "What are your opening hours?" },
          { kind: "interrupt", afterMs: 4_000, text: "Where are you located?" },
        ],
        expectations: [{ kind: "mentions", anyOf: ["Harbor Street"] }],
      },
    ]);
    const run = await createTestRun(t.db, { teamId: agent.teamId, agentId: agent.agentId, target: "live", mode: "voice", startedById: null, startedByLabel: "ci" });
    expect(await executeTestRun(t.db, run.id, runner)).toBe("done");
    const [result] = (await getTestRun(t.db, agent.teamId, run.id)).results;
    expect(result!.scenarioId).toBe(scenario!.id);
    expect(result!.error).toBeNull();
    expect(result!.transcript.some((x) => x.speaker === "agent" && x.isInterrupted)).toBe(true);
    expect(result!.status).toBe("passed");
  }, 180_000);
});

describe("voice-mode tickets", () => {
  async function openWith(ticket: string): Promise<number> {
    const ws = new WebSocket(evalCallUrl(voice.serverUrl, ticket));
    return new Promise((resolve) => {
      ws.once("unexpected-response", (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.once("open", () => {
        resolve(101);
        ws.close();
      });
      ws.once("error", () => resolve(-1));
    });
  }

  async function runningVoiceRun(agent: TSeededAgent) {
    await createScenarios(t.db, agent.teamId, agent.agentId, [{ name: "x", steps: [{ kind: "say", text: "hi" }], expectations: [{ kind: "max_turns", turns: 5 }] }]);
    const run = await createTestRun(t.db, { teamId: agent.teamId, agentId: agent.agentId, target: "live", mode: "voice", startedById: null, startedByLabel: "ci" });
    await t.db.update(agentTestRuns).set({ status: "running", snapshot: agent.snapshot }).where(eq(agentTestRuns.id, run.id));
    const call = await createCall(t.db, { teamId: agent.teamId, agentId: agent.agentId, agentVersionId: agent.versionId, direction: "web", isTest: true });
    return { run, call };
  }

  it("refuses forged, reused and cross-team tickets, and a ticket for a run that is not running", async () => {
    const mine = await seedDental();
    const theirs = await seedDental();
    const { run, call } = await runningVoiceRun(mine);
    const other = await runningVoiceRun(theirs);

    expect(await openWith("not-a-ticket")).toBe(403);
    const forged = signEvalCallTicket({ teamId: mine.teamId, runId: run.id, callId: call.id }, evalTicketKey(Buffer.from("another secret entirely, 32 chars+")));
    expect(await openWith(forged)).toBe(403);
    // Another team's id with this run and call: signed correctly, but nothing of that team matches.
    expect(await openWith(signEvalCallTicket({ teamId: theirs.teamId, runId: run.id, callId: call.id }, evalTicketKey(secretKey)))).toBe(404);
    // This team's run with the other team's call.
    expect(await openWith(signEvalCallTicket({ teamId: mine.teamId, runId: run.id, callId: other.call.id }, evalTicketKey(secretKey)))).toBe(404);

    const good = signEvalCallTicket({ teamId: mine.teamId, runId: run.id, callId: call.id }, evalTicketKey(secretKey));
    expect(await openWith(good)).toBe(101);
    expect(await openWith(good)).toBe(403);

    await t.db.update(agentTestRuns).set({ status: "done" }).where(eq(agentTestRuns.id, other.run.id));
    expect(await openWith(signEvalCallTicket({ teamId: theirs.teamId, runId: other.run.id, callId: other.call.id }, evalTicketKey(secretKey)))).toBe(404);
  }, 60_000);

  it("fails a voice scenario with a clear reason when the worker's secret does not match the voice server's", async () => {
    const agent = await seedDental();
    await createScenarios(t.db, agent.teamId, agent.agentId, [
      { name: "Hours", steps: [{ kind: "say", text: "What are your opening hours?" }], expectations: [{ kind: "mentions", anyOf: ["9 am"] }] },
    ]);
    const wrongKey = createVoiceEvalServices({ db: t.db, voiceUrl: voice.serverUrl, secretKey: Buffer.alloc(32, 7), tts: createEspeakTts() });
    const run = await createTestRun(t.db, { teamId: agent.teamId, agentId: agent.agentId, target: "live", mode: "voice", startedById: null, startedByLabel: "ci" });
    expect(await executeTestRun(t.db, run.id, (input) => runVoiceScenario(wrongKey, { ...input, timeoutMs: 20_000 }))).toBe("done");
    const [result] = (await getTestRun(t.db, agent.teamId, run.id)).results;
    expect(result!.status).toBe("failed");
    expect(result!.error).toContain("refused the test call's ticket (403)");
    const [row] = await t.db.select().from(calls).where(eq(calls.id, result!.callId!));
    expect(row!.endedAt).not.toBeNull();
  }, 60_000);
});
