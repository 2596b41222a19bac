import { teamRoute } from "@/lib/auth/entry-points";
import { getTestRun, summarizeRun } from "@/lib/evals/runs";
import { isUuid } from "@/lib/agents/get-agent";
import { AppError } from "@/lib/errors";

// GET: a suite run's progress and results, polled by the Tests tab while it runs. Another team's run is 404.
export const GET = teamRoute<{ slug: string; runId: string }>("team.view", async (ctx, _request, params) => {
  if (!isUuid(params.runId)) throw new AppError("not_found", "That test run does not exist.");
  const run = await getTestRun(ctx.db, ctx.team.id, params.runId);
  return Response.json(
    {
      run: summarizeRun(run),
      results: run.results.map((r) => ({
        id: r.id,
        scenarioName: r.scenarioName,
        status: r.status,
        error: r.error,
        expectations: r.expectations.map((e) => ({ kind: e.expectation.kind, passed: e.passed, reason: e.reason, judgedBy: e.judgedBy ?? null })),
        transcript: r.transcript,
        latencies: r.latencies,
        durationMs: r.durationMs,
        callId: r.callId,
        hasRecording: r.hasRecording,
      })),
    },
    { headers: { "cache-control": "no-store" } },
  );
});
