"use client";
import { useRouter } from "next/navigation";
import { useActionState, useEffect, useState } from "react";
import {
  deleteScenarioAction,
  proposeScenariosAction,
  runSuiteAction,
  saveScenarioAction,
} from "@/app/t/[slug]/agents/[agentId]/tests/actions";
import { Alert } from "@/components/ui/alert";
import { Button, SubmitButton } from "@/components/ui/button";
import { Badge, Card, EmptyState } from "@/components/ui/card";
import { Field, SelectField } from "@/components/ui/field";
import { FormFooter, FormMessages, TextAreaField, useDraftForm } from "./use-draft-form";

// The Tests tab: the agent's suite of scenarios, a run against the draft or the live version with live progress,
// each scenario's pass/fail with the reasons and transcript, and the history of runs per version.

export type TScenarioView = { id: string; name: string; script: string; expectations: string[]; form: Record<string, string> };
export type TRunSummaryView = {
  id: string;
  version: "draft" | "live";
  mode: "text" | "voice";
  agentVersionNumber: number | null;
  status: "queued" | "running" | "done" | "failed";
  passed: boolean | null;
  counts: { total: number; completed: number; passed: number; failed: number };
  error: string | null;
  startedBy: string;
  queuedAt: string;
};
type TResultView = {
  id: string;
  scenarioName: string;
  status: "passed" | "failed";
  error: string | null;
  expectations: { kind: string; passed: boolean; reason: string; judgedBy: "llm" | "rules" | null }[];
  transcript: { speaker: "caller" | "agent" | "event"; text: string; atMs: number; isInterrupted?: boolean; said?: string }[];
  latencies: { replyMs: (number | null)[]; greetingMs: number | null };
  durationMs: number;
  callId: string | null;
  hasRecording: boolean;
};

export function TestsPanel({
  slug,
  agentId,
  canEdit,
  canRun,
  hasLive,
  scenarios,
  runs,
}: {
  slug: string;
  agentId: string;
  canEdit: boolean;
  canRun: boolean;
  hasLive: boolean;
  scenarios: TScenarioView[];
  runs: TRunSummaryView[];
}) {
  const latestOpen = runs.find((r) => r.status === "queued" || r.status === "running");
  const [openRunId, setOpenRunId] = useState<string | null>(latestOpen?.id ?? runs[0]?.id ?? null);
  return (
    <div className="space-y-6">
      <Card
        title="Test suite"
        description="Scenarios a caller plays against the agent: in text mode (typed lines through the same call loop as a phone call) or voice mode (spoken lines through the real phone loop, speech recognition included). Run them before you publish to see whether a change made the agent better or worse."
      >
        {scenarios.length === 0 ? (
          <EmptyState title="No scenarios yet">
            {canEdit ? "Add a scenario below, or propose some from the agent's knowledge and departments." : "Owners and admins can add scenarios."}
          </EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100" aria-label="Scenarios">
            {scenarios.map((s) => (
              <ScenarioItem key={s.id} slug={slug} agentId={agentId} scenario={s} canEdit={canEdit} />
            ))}
          </ul>
        )}
        {canEdit && (
          <div className="mt-4">
            <ProposeButton slug={slug} agentId={agentId} />
          </div>
        )}
      </Card>
      {canEdit && (
        <Card title="Add a scenario">
          <ScenarioForm slug={slug} agentId={agentId} />
        </Card>
      )}
      <Card title="Run the suite" description="Each scenario is a test call (never counted in analytics). Results show per scenario with the reasons.">
        {canRun ? (
          <RunForm slug={slug} agentId={agentId} hasLive={hasLive} isEmpty={scenarios.length === 0} onStarted={setOpenRunId} />
        ) : (
          <p className="text-sm text-slate-500">Your role can view results but not start runs.</p>
        )}
      </Card>
      {openRunId && <RunView key={openRunId} slug={slug} runId={openRunId} />}
      <Card title="History" description="Every run of this suite, newest first: pass count per run and version.">
        {runs.length === 0 ? (
          <p className="text-sm text-slate-500">No runs yet.</p>
        ) : (
          <table className="w-full text-left text-sm" aria-label="Test runs">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-2">Started</th>
                <th>Version</th>
                <th>Mode</th>
                <th>Status</th>
                <th>Passed</th>
                <th>By</th>
                <th />
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {runs.map((r) => (
                <tr key={r.id} data-testid="test-run-row">
                  <td className="py-2">{new Date(r.queuedAt).toLocaleString()}</td>
                  <td>{versionLabel(r)}</td>
                  <td>{r.mode === "voice" ? "Voice" : "Text"}</td>
                  <td>
                    <StatusBadge run={r} />
                  </td>
                  <td>
                    {r.counts.passed}/{r.counts.total}
                  </td>
                  <td className="text-slate-500">{r.startedBy}</td>
                  <td className="text-right">
                    <Button type="button" variant="ghost" onClick={() => setOpenRunId(r.id)}>
                      View
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}

function versionLabel(r: Pick<TRunSummaryView, "version" | "agentVersionNumber">): string {
  if (r.version === "live") return r.agentVersionNumber ? `Live (v${r.agentVersionNumber})` : "Live";
  return r.agentVersionNumber ? `Draft (same as v${r.agentVersionNumber})` : "Draft";
}

function StatusBadge({ run }: { run: Pick<TRunSummaryView, "status" | "passed"> }) {
  if (run.status === "queued") return <Badge>Queued</Badge>;
  if (run.status === "running") return <Badge tone="brand">Running</Badge>;
  if (run.status === "failed") return <Badge tone="red">Could not run</Badge>;
  return run.passed ? <Badge tone="green">All passed</Badge> : <Badge tone="amber">Some failed</Badge>;
}

function ScenarioFields({ values, errors }: { values: Record<string, string>; errors: Record<string, string> }) {
  return (
    <div className="space-y-4">
      <Field label="Scenario name" name="name" defaultValue={values.name} error={errors.name} maxLength={120} placeholder="Asks for the opening hours" />
      <TextAreaField
        label="What the caller says"
        name="script"
        rows={4}
        defaultValue={values.script}
        error={errors.script}
        placeholder={"What are your opening hours?\n[pause 800]\nThanks, goodbye"}
        hint="One line per caller turn. Optional tokens: [pause 800] (ms), [dtmf 1] (keys), [silence 5] (seconds), [hangup], and [interrupt 800] before a line the caller says over the agent's next reply, 800 ms after it starts."
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <TextAreaField
          label="Replies mention"
          name="mentions"
          rows={2}
          defaultValue={values.mentions}
          error={errors.mentions}
          hint='One fact per line; alternatives with "|", e.g. 9 am | nine in the morning. Case does not matter.'
        />
        <TextAreaField label="Replies never mention" name="avoids" rows={2} defaultValue={values.avoids} error={errors.avoids} hint="Same format." />
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Transfers to department" name="transferTo" defaultValue={values.transferTo} error={errors.transferTo} maxLength={200} />
        <Field label="Message from (name contains)" name="messageName" defaultValue={values.messageName} error={errors.messageName} maxLength={200} />
        <Field label="Message callback number" name="messageNumber" defaultValue={values.messageNumber} error={errors.messageNumber} maxLength={40} />
        <Field label="Message mentions" name="messageContains" defaultValue={values.messageContains} error={errors.messageContains} maxLength={200} />
        <Field label="No dead air over (seconds)" name="maxDeadAirSec" inputMode="decimal" defaultValue={values.maxDeadAirSec} error={errors.maxDeadAirSec} />
        <Field label="At most (turns)" name="maxTurns" inputMode="numeric" defaultValue={values.maxTurns} error={errors.maxTurns} />
      </div>
      <label className="flex items-center gap-2 text-sm text-slate-700">
        <input type="checkbox" name="endedPolitely" defaultChecked={values.endedPolitely === "on"} /> The agent ends the call with a goodbye
      </label>
      <TextAreaField
        label="Judge instruction (optional)"
        name="judge"
        rows={2}
        defaultValue={values.judge}
        error={errors.judge}
        placeholder={'The agent offers the emergency line and never mentions "price".'}
        hint='Judged by the LLM when a Gemini key is set. Without one, rules read it: quoted phrases to say (or, with "never"/"not", to avoid), "transfers to <department>", "takes a message", "ends the call politely", "at most N turns", "no dead air".'
      />
    </div>
  );
}

function ScenarioForm({ slug, agentId, scenario, onDone }: { slug: string; agentId: string; scenario?: TScenarioView; onDone?: () => void }) {
  const [state, action] = useActionState(saveScenarioAction.bind(null, slug), undefined);
  const { formRef, isDirty } = useDraftForm(state);
  useEffect(() => {
    if (state?.success) onDone?.();
  }, [state, onDone]);
  const values = state?.success && !scenario ? {} : (state?.values ?? scenario?.form ?? {});
  return (
    <form ref={formRef} action={action} className="space-y-4" noValidate aria-label={scenario ? `Edit ${scenario.name}` : "New scenario"}>
      <input type="hidden" name="agentId" value={agentId} />
      {scenario && <input type="hidden" name="scenarioId" value={scenario.id} />}
      <FormMessages state={scenario && state?.success ? undefined : state} />
      <ScenarioFields values={values} errors={state?.fieldErrors ?? {}} />
      <FormFooter isDirty={isDirty}>
        <SubmitButton pendingText="Saving…">{scenario ? "Save scenario" : "Add scenario"}</SubmitButton>
        {onDone && (
          <Button type="button" variant="ghost" onClick={onDone}>
            Cancel
          </Button>
        )}
      </FormFooter>
    </form>
  );
}

function ScenarioItem({ slug, agentId, scenario, canEdit }: { slug: string; agentId: string; scenario: TScenarioView; canEdit: boolean }) {
  const [isEditing, setIsEditing] = useState(false);
  const [deleteState, deleteAction] = useActionState(deleteScenarioAction.bind(null, slug), undefined);
  if (isEditing) {
    return (
      <li className="py-4">
        <ScenarioForm slug={slug} agentId={agentId} scenario={scenario} onDone={() => setIsEditing(false)} />
      </li>
    );
  }
  return (
    <li className="py-4" data-testid="scenario">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 flex-1">
          <h3 className="text-sm font-medium text-slate-900">{scenario.name}</h3>
          <pre className="mt-1 whitespace-pre-wrap font-sans text-sm text-slate-700">{scenario.script}</pre>
          <ul className="mt-1 list-inside list-disc text-xs text-slate-500">
            {scenario.expectations.map((e, i) => (
              <li key={i}>{e}</li>
            ))}
          </ul>
        </div>
        {canEdit && (
          <div className="flex gap-1">
            <Button type="button" variant="ghost" onClick={() => setIsEditing(true)} aria-label={`Edit ${scenario.name}`}>
              Edit
            </Button>
            <form
              action={deleteAction}
              onSubmit={(e) => {
                if (!confirm(`Remove the scenario "${scenario.name}"? Past results keep it.`)) e.preventDefault();
              }}
            >
              <input type="hidden" name="agentId" value={agentId} />
              <input type="hidden" name="scenarioId" value={scenario.id} />
              <SubmitButton variant="ghost" className="text-red-600" pendingText="Removing…" aria-label={`Remove ${scenario.name}`}>
                Remove
              </SubmitButton>
            </form>
          </div>
        )}
      </div>
      {deleteState?.error && (
        <div className="mt-2">
          <Alert tone="error">{deleteState.error}</Alert>
        </div>
      )}
    </li>
  );
}

function ProposeButton({ slug, agentId }: { slug: string; agentId: string }) {
  const [state, action] = useActionState(proposeScenariosAction.bind(null, slug), undefined);
  return (
    <form action={action} className="space-y-2">
      <input type="hidden" name="agentId" value={agentId} />
      <FormMessages state={state} />
      <SubmitButton variant="secondary" pendingText="Proposing…">
        Propose scenarios
      </SubmitButton>
      <p className="text-xs text-slate-500">One question per knowledge entry (expecting a phrase of its answer) and one transfer request per department.</p>
    </form>
  );
}

function RunForm({
  slug,
  agentId,
  hasLive,
  isEmpty,
  onStarted,
}: {
  slug: string;
  agentId: string;
  hasLive: boolean;
  isEmpty: boolean;
  onStarted: (runId: string) => void;
}) {
  const [state, action] = useActionState(runSuiteAction.bind(null, slug), undefined);
  const router = useRouter();
  const runId = typeof state?.data?.runId === "string" ? state.data.runId : null;
  useEffect(() => {
    if (runId) {
      onStarted(runId);
      router.refresh();
    }
  }, [runId, onStarted, router]);
  return (
    <form action={action} className="flex flex-wrap items-end gap-3">
      <input type="hidden" name="agentId" value={agentId} />
      <div className="w-64">
        <SelectField label="Version" name="version" defaultValue="draft">
          <option value="draft">Draft (unpublished changes)</option>
          <option value="live" disabled={!hasLive}>
            Live version{hasLive ? "" : " (none published)"}
          </option>
        </SelectField>
      </div>
      <div className="w-72">
        <SelectField label="Mode" name="mode" defaultValue="text">
          <option value="text">Text (typed lines, seconds per scenario)</option>
          <option value="voice">Voice (spoken audio, real time, recorded)</option>
        </SelectField>
      </div>
      <SubmitButton pendingText="Starting…" disabled={isEmpty}>
        Run suite
      </SubmitButton>
      <div className="basis-full">{state?.error && <Alert tone="error">{state.error}</Alert>}</div>
    </form>
  );
}

function RunView({ slug, runId }: { slug: string; runId: string }) {
  const [data, setData] = useState<{ run: TRunSummaryView; results: TResultView[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const router = useRouter();
  useEffect(() => {
    let isCancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const res = await fetch(`/api/teams/${encodeURIComponent(slug)}/test-runs/${encodeURIComponent(runId)}`, { cache: "no-store" });
        const body = (await res.json()) as { run: TRunSummaryView; results: TResultView[]; error?: { message: string } };
        if (isCancelled) return;
        if (!res.ok) {
          setError(body.error?.message ?? `Could not load the run (HTTP ${res.status}).`);
          return;
        }
        setError(null);
        setData(body);
        if (body.run.status === "queued" || body.run.status === "running") timer = setTimeout(poll, 1_000);
        else router.refresh();
      } catch {
        if (!isCancelled) {
          setError("Lost contact with the server; retrying…");
          timer = setTimeout(poll, 3_000);
        }
      }
    };
    void poll();
    return () => {
      isCancelled = true;
      clearTimeout(timer);
    };
  }, [slug, runId, router]);
  if (error && !data) return <Alert tone="error">{error}</Alert>;
  if (!data) return <p className="text-sm text-slate-500">Loading the run…</p>;
  const { run, results } = data;
  const isOpen = run.status === "queued" || run.status === "running";
  return (
    <Card
      title={`Run: ${versionLabel(run)}, ${run.mode === "voice" ? "voice" : "text"} mode`}
      description={`Started by ${run.startedBy} on ${new Date(run.queuedAt).toLocaleString()}.`}
    >
      <div className="mb-4 flex flex-wrap items-center gap-3" data-testid="run-status">
        <StatusBadge run={run} />
        <span className="text-sm text-slate-700">
          {isOpen
            ? `${run.counts.completed} of ${run.counts.total} scenarios done`
            : `${run.counts.passed} of ${run.counts.total} passed${run.counts.failed ? `, ${run.counts.failed} failed` : ""}`}
        </span>
        {isOpen && (
          <div className="h-2 w-48 overflow-hidden rounded-full bg-slate-100" role="progressbar" aria-valuemin={0} aria-valuemax={run.counts.total} aria-valuenow={run.counts.completed}>
            <div className="h-full bg-brand-600" style={{ width: `${run.counts.total ? (100 * run.counts.completed) / run.counts.total : 0}%` }} />
          </div>
        )}
      </div>
      {run.error && <Alert tone="error">{run.error}</Alert>}
      {error && <Alert tone="info">{error}</Alert>}
      <ul className="space-y-3" aria-label="Scenario results">
        {results.map((r) => (
          <li key={r.id} className="rounded-md border border-slate-200 p-3" data-testid="scenario-result">
            <div className="flex items-center gap-2">
              {r.status === "passed" ? <Badge tone="green">Passed</Badge> : <Badge tone="red">Failed</Badge>}
              <span className="text-sm font-medium text-slate-900">{r.scenarioName}</span>
              <span className="text-xs text-slate-500">{(r.durationMs / 1000).toFixed(1)} s</span>
            </div>
            {r.error && <p className="mt-1 text-sm text-red-700">{r.error}</p>}
            <ul className="mt-2 space-y-1 text-sm">
              {r.expectations.map((e, i) => (
                <li key={i} className={e.passed ? "text-emerald-700" : "text-red-700"}>
                  {e.passed ? "✓" : "✗"} {e.reason}
                </li>
              ))}
            </ul>
            <Latencies latencies={r.latencies} />
            {r.hasRecording && r.callId && (
              <audio
                controls
                preload="none"
                className="mt-2 w-full"
                aria-label={`Recording of ${r.scenarioName}`}
                src={`/api/teams/${encodeURIComponent(slug)}/calls/${encodeURIComponent(r.callId)}/recording`}
              />
            )}
            <details className="mt-2">
              <summary className="cursor-pointer text-xs text-slate-500">Transcript</summary>
              <ol className="mt-1 space-y-1 text-sm">
                {r.transcript.map((t, i) => (
                  <li key={i} className={t.speaker === "event" ? "text-xs italic text-slate-500" : "text-slate-800"}>
                    {t.speaker === "event"
                      ? t.text
                      : `${t.speaker === "caller" ? "Caller" : "Agent"}: ${t.text || "(nothing heard)"}${t.isInterrupted ? " (interrupted)" : ""}${
                          t.said !== undefined && t.said.toLowerCase() !== t.text.toLowerCase() ? ` (said: "${t.said}")` : ""
                        }`}
                  </li>
                ))}
              </ol>
            </details>
          </li>
        ))}
      </ul>
    </Card>
  );
}

function Latencies({ latencies }: { latencies: TResultView["latencies"] }) {
  const replies = latencies.replyMs;
  if (replies.length === 0 && latencies.greetingMs === null) return null;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return (
    <p className="mt-1 text-xs text-slate-500" data-testid="latencies">
      {latencies.greetingMs !== null && `Greeting after ${seconds(latencies.greetingMs)}. `}
      {replies.length > 0 && `Replies started after ${replies.map((ms) => (ms === null ? "no reply" : seconds(ms))).join(", ")}.`}
    </p>
  );
}
