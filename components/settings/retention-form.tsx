"use client";
import { useActionState, useState } from "react";
import { saveRetentionAction } from "@/app/t/[slug]/settings/retention/actions";
import { formatInZone } from "@/components/calls/format";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { buttonClass } from "@/components/ui/button-class";
import { inputClass } from "@/components/ui/field";
import { describeCount, RETENTION_KINDS, RETENTION_LABELS, type TRetentionKind, type TRetentionPolicy } from "@/lib/retention/kinds";

type TConfirm = { policy: string; kinds: TRetentionKind[]; counts: Record<TRetentionKind, number>; at: string };

// `timeZone`: the team's, which every time on the dashboard is shown in.
export function RetentionForm({ slug, policy, canEdit, timeZone }: { slug: string; policy: TRetentionPolicy; canEdit: boolean; timeZone: string }) {
  const [state, action] = useActionState(saveRetentionAction.bind(null, slug), undefined);
  const pending = state?.data?.confirm as TConfirm | undefined;
  // Cancel drops the proposed periods: the warning goes and the fields show the saved policy again.
  const [cancelled, setCancelled] = useState<TConfirm | undefined>(undefined);
  const isCancelled = pending !== undefined && pending === cancelled;
  const confirm = isCancelled ? undefined : pending;
  const v = isCancelled ? undefined : state?.values;
  const e = state?.fieldErrors ?? {};
  const isNothingToDelete = confirm !== undefined && RETENTION_KINDS.every((k) => confirm.counts[k] === 0);
  return (
    <form action={action} className="space-y-4" noValidate>
      {state?.error && <Alert tone="error">{state.error}</Alert>}
      {state?.success && <Alert tone="success">{state.success}</Alert>}
      {!canEdit && <Alert tone="info">You can view the retention policy. Only owners and admins can change it.</Alert>}
      <fieldset disabled={!canEdit} className="divide-y divide-slate-100">
        {RETENTION_KINDS.map((kind) => (
          <PeriodRow
            key={`${kind}:${v ? JSON.stringify(v) : ""}`}
            kind={kind}
            days={v ? (v[kind] ?? "") : policy[kind] === null ? "" : String(policy[kind])}
            isForever={v ? !!v[`${kind}Forever`] : policy[kind] === null}
            error={e[kind]}
          />
        ))}
      </fieldset>
      {confirm ? (
        <div role="alert" className="space-y-3 rounded-md bg-amber-50 px-4 py-3 text-sm text-amber-900 ring-1 ring-inset ring-amber-200" data-testid="retention-warning">
          {isNothingToDelete ? (
            // Nothing is old enough yet: say so plainly rather than ask to "delete" zero items in red.
            <p className="font-medium">
              A shorter period deletes data for good. Nothing is old enough yet: the next purge ({formatInZone(new Date(confirm.at), timeZone)}) would
              remove nothing, and later purges delete what passes the new period:
            </p>
          ) : (
            <p className="font-medium">
              A shorter period deletes data for good. The next purge ({formatInZone(new Date(confirm.at), timeZone)}) would then remove:
            </p>
          )}
          <ul className="list-disc pl-5">
            {RETENTION_KINDS.filter((k) => confirm.counts[k] > 0 || confirm.kinds.includes(k)).map((k) => (
              <li key={k}>{describeCount(k, confirm.counts[k])}</li>
            ))}
          </ul>
          <input type="hidden" name="confirmedPolicy" value={confirm.policy} />
          <div className="flex flex-wrap gap-2">
            {isNothingToDelete ? (
              <SubmitButton pendingText="Saving…">Save shorter period</SubmitButton>
            ) : (
              <SubmitButton variant="danger" pendingText="Saving…">Delete and save</SubmitButton>
            )}
            <button type="button" className={buttonClass("secondary")} onClick={() => setCancelled(pending)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        canEdit && <SubmitButton pendingText="Checking…">Save retention policy</SubmitButton>
      )}
    </form>
  );
}

function PeriodRow({ kind, days, isForever, error }: { kind: TRetentionKind; days: string; isForever: boolean; error?: string }) {
  const [forever, setForever] = useState(isForever);
  const { label, description } = RETENTION_LABELS[kind];
  const id = `retention-${kind}`;
  return (
    <div className="grid gap-2 py-3 sm:grid-cols-[1fr_auto] sm:items-center">
      <div>
        <label htmlFor={id} className="block text-sm font-medium text-slate-700">
          {label} (days)
        </label>
        <p className="text-xs text-slate-500">{description}</p>
        {error && (
          <p id={`${id}-error`} className="mt-1 text-sm text-red-600">
            {error}
          </p>
        )}
      </div>
      <div className="flex items-center gap-3">
        <input
          id={id}
          name={kind}
          type="number"
          min={1}
          max={3650}
          inputMode="numeric"
          defaultValue={days}
          disabled={forever}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          className={`${inputClass} w-28`}
        />
        <label className="flex items-center gap-1.5 text-sm text-slate-700">
          <input type="checkbox" name={`${kind}Forever`} checked={forever} onChange={(ev) => setForever(ev.target.checked)} aria-label={`Keep ${label.toLowerCase()} forever`} />
          Keep forever
        </label>
      </div>
    </div>
  );
}
