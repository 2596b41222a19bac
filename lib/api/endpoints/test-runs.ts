import { z } from "zod";
import { defineEndpoint, ZId, ZIdParams } from "./define";

// /agents/{id}/test-runs and /test-runs/{id}: running an agent's test suite and reading the result.

export const ZTestRunBody = z
  .object({
    version: z.enum(["draft", "live"], { error: 'Must be "draft" or "live"' }).default("draft").describe("Run the suite against the draft or the live version."),
    mode: z
      .enum(["text", "voice"], { error: 'Must be "text" or "voice"' })
      .default("text")
      .describe("text: typed caller lines through the call loop (seconds per scenario). voice: caller lines synthesized and sent as phone audio through the real loop, speech-to-text included (real time; each scenario is a recorded test call)."),
  })
  .strict()
  .meta({ id: "TestRunRequest" });

export const ZTestRunOut = z
  .object({
    id: ZId,
    agent_id: ZId,
    version: z.enum(["draft", "live"]),
    agent_version: z.number().int().nullable().describe("The version number run (live), or the one the draft was identical to; null for unpublished changes."),
    mode: z.enum(["text", "voice"]),
    status: z.enum(["queued", "running", "done", "failed"]).describe("`failed`: the run could not run (see `error`); failed scenarios end as `done` with `passed: false`."),
    passed: z.boolean().nullable().describe("Every scenario passed. Null until the run is finished: poll until it is not."),
    counts: z.object({ total: z.number().int(), completed: z.number().int(), passed: z.number().int(), failed: z.number().int() }),
    error: z.string().nullable(),
    started_by: z.string(),
    queued_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    results: z.array(
      z.object({
        scenario_id: ZId.nullable(),
        scenario_name: z.string(),
        passed: z.boolean(),
        error: z.string().nullable().describe("Why the scenario could not run to its end (e.g. it timed out)."),
        expectations: z.array(
          z.object({ kind: z.string(), passed: z.boolean(), reason: z.string(), judged_by: z.enum(["llm", "rules"]).optional().describe("For a judge instruction: the LLM (Gemini key set) or the deterministic rules.") }),
        ),
        transcript: z.array(
          z.object({
            speaker: z.enum(["caller", "agent", "event"]),
            text: z.string().describe("For a caller turn in voice mode: what speech-to-text heard."),
            at_ms: z.number().int(),
            said: z.string().optional().describe("Voice mode: the scripted line this caller turn was, when turns and lines match one to one."),
            interrupted: z.boolean().optional(),
          }),
        ),
        reply_latencies_ms: z.array(z.number().int().nullable()).describe("Per caller line: until the agent started answering; null when it never did."),
        greeting_ms: z.number().int().nullable().describe("Until the agent's first words."),
        duration_ms: z.number().int(),
        call_id: ZId.nullable().describe("The test call (is_test) the scenario made."),
        has_recording: z.boolean().describe("Voice mode: the test call's recording is kept (played on the agent's Tests tab) under the team's retention."),
      }),
    ),
  })
  .meta({ id: "TestRun" });

export const startTestRunEndpoint = defineEndpoint({
  method: "POST",
  path: "/agents/{id}/test-runs",
  operationId: "startTestRun",
  summary: "Run the agent's test suite",
  description:
    "Queues a run of every scenario of the agent's suite, in text mode (typed caller lines through the real call loop, as test calls) or voice mode (synthesized caller audio through the voice server, speech-to-text included). Poll GET /test-runs/{id} until `status` is `done` or `failed`; `passed` then says whether every scenario passed. 400 when the suite is empty, or `live` is asked for an agent with no live version; 429 when the team already has 5 runs waiting or running.",
  tag: "Agents",
  permission: "test_calls.start",
  params: ZIdParams,
  body: ZTestRunBody,
  status: 201,
  response: ZTestRunOut,
});

export const getTestRunEndpoint = defineEndpoint({
  method: "GET",
  path: "/test-runs/{id}",
  operationId: "getTestRun",
  summary: "A test suite run: status, counts and per-scenario results",
  tag: "Agents",
  permission: "team.view",
  params: ZIdParams,
  response: ZTestRunOut,
});
