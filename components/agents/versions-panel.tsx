"use client";
import { useActionState, useId, useState } from "react";
import { rollbackAgentAction } from "@/app/t/[slug]/agents/actions";
import { Alert } from "@/components/ui/alert";
import { Button, SubmitButton } from "@/components/ui/button";
import { Badge, Card, EmptyState } from "@/components/ui/card";
import { When } from "./when";

type TVersionView = {
  id: string;
  version: number;
  note: string | null;
  publishedBy: string | null;
  publishedAt: string;
  isLive: boolean;
  callCount: number;
};

export function VersionsPanel({ slug, agentId, canPublish, versions }: { slug: string; agentId: string; canPublish: boolean; versions: TVersionView[] }) {
  const [state, action] = useActionState(rollbackAgentAction.bind(null, slug), undefined);
  return (
    <Card title="Versions" description="Every publish creates a numbered version that never changes. Each call records the version that answered it.">
      <div className="space-y-3">
        {state?.error && <Alert tone="error">{state.error}</Alert>}
        {state?.success && <Alert tone="success">{state.success}</Alert>}
        {versions.length === 0 ? (
          <EmptyState title="Not published yet">Publish the draft to create version 1. Calls use the published version, never the draft.</EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100" aria-label="Versions">
            {versions.map((v) => (
              <VersionRow key={v.id} version={v} agentId={agentId} canPublish={canPublish} action={action} />
            ))}
          </ul>
        )}
      </div>
    </Card>
  );
}

function VersionRow({
  version,
  agentId,
  canPublish,
  action,
}: {
  version: TVersionView;
  agentId: string;
  canPublish: boolean;
  action: (formData: FormData) => void;
}) {
  const [isConfirming, setIsConfirming] = useState(false);
  const checkboxId = useId();
  return (
    <li className="py-3" data-testid={`version-${version.version}`}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="flex flex-wrap items-center gap-2 text-sm font-medium text-slate-900">
            Version {version.version}
            {version.isLive && <Badge tone="green">Live</Badge>}
          </p>
          <p className="text-xs text-slate-500">
            Published <When iso={version.publishedAt} /> by {version.publishedBy ?? "a former member"} · {version.callCount}{" "}
            {version.callCount === 1 ? "call" : "calls"}
          </p>
          {version.note && <p className="mt-1 text-sm text-slate-600">{version.note}</p>}
        </div>
        {canPublish && !version.isLive && !isConfirming && (
          <Button type="button" variant="secondary" onClick={() => setIsConfirming(true)}>
            Roll back to this version
          </Button>
        )}
      </div>
      {isConfirming && (
        <form action={action} className="mt-3 space-y-3 rounded-md bg-amber-50 p-3 ring-1 ring-amber-200" aria-label={`Roll back to version ${version.version}`}>
          <input type="hidden" name="agentId" value={agentId} />
          <input type="hidden" name="versionId" value={version.id} />
          <p className="text-sm text-amber-900">
            New calls will be answered by version {version.version} right away. Calls in progress keep their version.
          </p>
          <label htmlFor={checkboxId} className="flex items-start gap-2 text-sm text-amber-900">
            <input id={checkboxId} type="checkbox" name="restoreDraft" defaultChecked className="mt-0.5 accent-brand-600" />
            Also reset the draft to version {version.version} (discards draft edits made since)
          </label>
          <div className="flex gap-2">
            <SubmitButton variant="danger" pendingText="Rolling back…">
              Confirm rollback to version {version.version}
            </SubmitButton>
            <Button type="button" variant="ghost" onClick={() => setIsConfirming(false)}>
              Cancel
            </Button>
          </div>
        </form>
      )}
    </li>
  );
}
