"use client";
import { useRouter } from "next/navigation";
import { useActionState, useEffect, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { Badge } from "@/components/ui/card";

// Beside Publish: the test suite's verdict on this exact draft, with its regressions against the live version,
// and a button that runs it (on the live version too when that has no run yet) before anything goes out. While
// runs are going, it follows them and refreshes the page when they finish.

export type TPublishGateView = {
  isRequired: boolean;
  isPassing: boolean;
  scenarioCount: number;
  summary: string;
  // Regressions first, then other failures.
  problems: string[];
  regressionCount: number;
  openRunIds: string[];
};

type TRunAction = (prev: TRunState | undefined, form: FormData) => Promise<TRunState>;
type TRunState = { error?: string; success?: string; data?: Record<string, unknown> } | undefined;

// runTests: the Tests tab's testBeforePublishAction, bound to the team's slug.
export function PublishGate({ slug, agentId, gate, canRun, runTests }: { slug: string; agentId: string; gate: TPublishGateView; canRun: boolean; runTests: TRunAction }) {
  const [state, action] = useActionState(runTests, undefined);
  const router = useRouter();
  const started = Array.isArray(state?.data?.runIds) ? (state.data.runIds as string[]) : [];
  // Runs seen finished: the page is refreshed once they are, and they are no longer followed.
  const [finished, setFinished] = useState<string[]>([]);
  const following = [...new Set([...gate.openRunIds, ...started])].filter((id) => !finished.includes(id));
  const key = following.join(",");
  useEffect(() => {
    if (!key) return;
    let isCancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      const statuses = await Promise.all(
        key.split(",").map(async (id) => {
          try {
            const res = await fetch(`/api/teams/${encodeURIComponent(slug)}/test-runs/${encodeURIComponent(id)}`, { cache: "no-store" });
            if (!res.ok) return "gone";
            const body = (await res.json()) as { run: { status: string } };
            return body.run.status;
          } catch {
            return "queued";
          }
        }),
      );
      if (isCancelled) return;
      if (statuses.every((s) => s !== "queued" && s !== "running")) {
        setFinished((before) => [...before, ...key.split(",")]);
        router.refresh();
      } else timer = setTimeout(poll, 1_500);
    };
    timer = setTimeout(poll, 1_000);
    return () => {
      isCancelled = true;
      clearTimeout(timer);
    };
  }, [key, slug, router]);
  const isRunning = following.length > 0;
  return (
    <div className="mt-3 rounded-md border border-slate-200 p-3" data-testid="publish-gate">
      <div className="flex flex-wrap items-center gap-2">
        <span className="text-sm font-medium text-slate-800">Test suite</span>
        {gate.isRequired && <Badge tone="brand">Required to publish</Badge>}
        {isRunning ? (
          <Badge tone="brand">Running</Badge>
        ) : gate.isPassing ? (
          <Badge tone="green">Passing</Badge>
        ) : gate.regressionCount > 0 ? (
          <Badge tone="red">
            {gate.regressionCount} regression{gate.regressionCount === 1 ? "" : "s"}
          </Badge>
        ) : null}
      </div>
      <p className="mt-1 text-sm text-slate-700" data-testid="publish-gate-summary">
        {isRunning ? "Running the suite before you publish…" : gate.summary}
      </p>
      {!isRunning && gate.problems.length > 0 && (
        <ul className="mt-1 list-disc space-y-1 pl-5 text-sm text-red-700" aria-label="Failing scenarios">
          {gate.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {canRun && gate.scenarioCount > 0 && !isRunning && (
        <form action={action} className="mt-2">
          <input type="hidden" name="agentId" value={agentId} />
          <SubmitButton variant="secondary" pendingText="Starting…">
            Run the test suite first
          </SubmitButton>
        </form>
      )}
      {state?.error && (
        <div className="mt-2">
          <Alert tone="error">{state.error}</Alert>
        </div>
      )}
    </div>
  );
}
