import { afterAll, beforeAll, describe, it } from "vitest";
import { createAgent } from "@/lib/agents/create-agent";
import { AGENT_TEMPLATES } from "@/lib/agents/templates";
import { executeTestRun } from "@/lib/evals/execute-run";
import { createTestRun, getTestRun } from "@/lib/evals/runs";
import { listScenarios } from "@/lib/evals/scenarios";
import { signUp } from "@/lib/teams/sign-up";
import { createTestDb } from "@/tests/helpers/db";
import {
  createVoiceEvalServices,
  runVoiceScenario,
  type TVoiceEvalServices,
} from "@/voice-server/evals/run-voice-scenario";
import { createEspeakTts } from "@/voice-server/providers/tts/espeak";
import { closedTimeZone } from "./helpers/closed-time-zone";
import { offlineProviders, startTestVoiceServer, type TTestVoiceServer } from "./helpers/voice-server";

// Every template's starter suite in voice mode, offline (no keys), as the Tests tab runs it: the caller's lines
// synthesized by eSpeak and streamed as 20 ms mu-law frames to the real voice server over a ticketed Media
// Streams socket, heard by its offline speech-to-text (pocketsphinx, the default), answered by the offline engine,
// spoken back by eSpeak, and judged from what the call recorded, on the agent exactly as the template makes it.
// The agent's time zone is one where its hours are closed while the suite runs: a suite's calls run as if within
// business hours, so its result (transfers included) does not depend on when it runs.

const AUTH_SECRET = "starter-voice-test-secret-0123456789abcdef";
// How long one template's suite may take in voice mode (real time: every line is spoken and every reply played).
const SUITE_MS = 10 * 60_000;
let t: Awaited<ReturnType<typeof createTestDb>>;
let voice: TTestVoiceServer;
let voiceEvals: TVoiceEvalServices;

beforeAll(async () => {
  t = await createTestDb();
  voice = await startTestVoiceServer({ db: t.db, dbUrl: t.url, providers: offlineProviders(), env: { AUTH_SECRET } });
  voiceEvals = createVoiceEvalServices({
    db: t.db,
    voiceUrl: voice.serverUrl,
    secretKey: voice.env.secretKey!,
    tts: createEspeakTts(),
  });
}, 60_000);

afterAll(async () => {
  await voice?.stop();
  await t?.drop();
});

// The templates' suites run at once (each a few minutes of real-time calls, one call at a time): the voice server takes
// several calls as it would in production, and the file takes about as long as its longest suite.
describe.concurrent("starter suites in voice mode", () => {
  for (const template of AGENT_TEMPLATES) {
    it(
      `${template.label}: the starter suite passes with the offline engine, speech-to-text included`,
      async ({ expect }) => {
        const timeZone = closedTimeZone(template, SUITE_MS);
        const { user, team } = await signUp(t.db, {
          name: "Owner",
          email: `voice-owner-${template.key}@example.test`,
          password: "password-starter",
          companyName: `Voice starter ${template.key}`,
        });
        const agent = await createAgent(
          t.db,
          team,
          { userId: user.id, label: user.email },
          { templateKey: template.key, timeZone },
        );
        const scenarios = await listScenarios(t.db, team.id, agent.id);
        expect(scenarios.length).toBeGreaterThan(0);
        const run = await createTestRun(t.db, {
          teamId: team.id,
          agentId: agent.id,
          target: "draft",
          mode: "voice",
          startedById: user.id,
          startedByLabel: "ci",
        });
        expect(
          await executeTestRun(t.db, run.id, (input) => runVoiceScenario(voiceEvals, { ...input, timeoutMs: 90_000 })),
        ).toBe("done");
        const view = await getTestRun(t.db, team.id, run.id);
        expect(view.mode).toBe("voice");
        // Every scenario of the suite ran, each as a phone call.
        expect(view.results.map((r) => r.scenarioName).sort()).toEqual(scenarios.map((s) => s.name).sort());
        const failures = view.results
          .filter((r) => r.status !== "passed")
          .map((r) => {
            const heard = r.transcript
              .filter((x) => x.speaker === "caller")
              .map((x) => `"${x.said ?? ""}" heard as "${x.text}"`)
              .join("; ");
            const why = [r.error, ...r.expectations.filter((e) => !e.passed).map((e) => e.reason)]
              .filter(Boolean)
              .join(" ");
            return `${r.scenarioName}: ${why} (${heard})`;
          });
        console.log(
          `${template.label} (${timeZone}): ${view.passed} of ${view.total} starter scenarios passed in voice mode`,
        );
        expect(failures).toEqual([]);
        expect(view.passed).toBe(scenarios.length);
        for (const result of view.results) {
          // What a person opening the result sees: the call went through speech-to-text (the caller's words were
          // heard, one caller turn per line said), the agent answered out loud, and the call's audio is there.
          const callerTurns = result.transcript.filter((x) => x.speaker === "caller");
          expect(callerTurns.length, result.scenarioName).toBeGreaterThan(0);
          expect(
            callerTurns.every((x) => x.text.trim() !== ""),
            result.scenarioName,
          ).toBe(true);
          expect(
            result.transcript.some((x) => x.speaker === "agent" && x.text.trim() !== ""),
            result.scenarioName,
          ).toBe(true);
          expect(
            result.latencies.replyMs.every((ms) => ms !== null),
            result.scenarioName,
          ).toBe(true);
          expect(result.callId, result.scenarioName).not.toBeNull();
          expect(result.hasRecording, result.scenarioName).toBe(true);
        }
      },
      SUITE_MS,
    );
  }
});
