"use client";
import { useActionState } from "react";
import { publishAgentAction, rollbackAgentAction } from "@/app/t/[slug]/agents/actions";
import { testBeforePublishAction } from "@/app/t/[slug]/agents/[agentId]/tests/actions";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { Badge } from "@/components/ui/card";
import { inputClass } from "@/components/ui/field";
import { PublishGate, type TPublishGateView } from "./publish-gate";
import { When } from "./when";

export function PublishBar({
  slug,
  agentId,
  live,
  hasUnpublishedChanges,
  draftUpdatedAt,
  canPublish,
  gate,
  canRunTests,
}: {
  slug: string;
  agentId: string;
  live: { id: string; version: number; publishedAt: string } | null;
  hasUnpublishedChanges: boolean;
  draftUpdatedAt: string;
  canPublish: boolean;
  gate: TPublishGateView;
  canRunTests: boolean;
}) {
  const [state, action] = useActionState(publishAgentAction.bind(null, slug), undefined);
  const [discardState, discardAction] = useActionState(rollbackAgentAction.bind(null, slug), undefined);
  const problems = Array.isArray(state?.data?.problems) ? (state.data.problems as string[]) : [];
  return (
    <section aria-label="Publishing" className="mb-6 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="space-y-1">
          <div className="flex flex-wrap items-center gap-2" data-testid="publish-status">
            {live ? <Badge tone="green">Live: version {live.version}</Badge> : <Badge>Not published</Badge>}
            {hasUnpublishedChanges ? (
              <Badge tone="amber">{live ? "Unpublished changes" : "Draft"}</Badge>
            ) : (
              <Badge tone="slate">Draft matches live</Badge>
            )}
          </div>
          <p className="text-xs text-slate-500">
            {live ? (
              <>
                Version {live.version} published <When iso={live.publishedAt} />.{" "}
              </>
            ) : (
              "Calls to this agent's numbers are not answered until you publish. "
            )}
            Draft saved <When iso={draftUpdatedAt} />.
          </p>
        </div>
        {canPublish && (
          <div className="flex flex-wrap items-end gap-2">
            <form action={action} className="flex flex-wrap items-end gap-2" noValidate>
              <input type="hidden" name="agentId" value={agentId} />
              <div className="w-56">
                <label htmlFor="publish-note" className="block text-xs font-medium text-slate-600">
                  Note (optional)
                </label>
                <input
                  id="publish-note"
                  name="note"
                  maxLength={200}
                  placeholder="What changed?"
                  defaultValue={state?.values?.note}
                  className={inputClass}
                />
              </div>
              <SubmitButton pendingText="Publishing…">Publish</SubmitButton>
            </form>
            {live && hasUnpublishedChanges && (
              <form
                action={discardAction}
                onSubmit={(e) => {
                  if (!confirm(`Throw away all draft changes and go back to version ${live.version}?`)) e.preventDefault();
                }}
              >
                <input type="hidden" name="agentId" value={agentId} />
                <input type="hidden" name="versionId" value={live.id} />
                <input type="hidden" name="restoreDraft" value="on" />
                <SubmitButton variant="ghost" pendingText="Discarding…">
                  Discard changes
                </SubmitButton>
              </form>
            )}
          </div>
        )}
      </div>
      {(hasUnpublishedChanges || gate.openRunIds.length > 0) && <PublishGate slug={slug} agentId={agentId} gate={gate} canRun={canRunTests} runTests={testBeforePublishAction.bind(null, slug)} />}
      {(state?.error || state?.success || discardState?.error || discardState?.success) && (
        <div className="mt-3 space-y-2">
          {state?.error && (
            <Alert tone="error">
              {state.error}
              {problems.length > 0 && (
                <ul className="mt-1 list-disc pl-5">
                  {problems.map((p) => (
                    <li key={p}>{p}</li>
                  ))}
                </ul>
              )}
            </Alert>
          )}
          {state?.success && <Alert tone="success">{state.success}</Alert>}
          {discardState?.error && <Alert tone="error">{discardState.error}</Alert>}
          {discardState?.success && <Alert tone="success">{discardState.success}</Alert>}
        </div>
      )}
    </section>
  );
}
