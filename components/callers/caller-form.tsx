"use client";
import { useActionState } from "react";
import type { TActionState } from "@/lib/auth/entry-points";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { Field, inputClass } from "@/components/ui/field";

type TAction = (prev: TActionState | undefined, formData: FormData) => Promise<TActionState>;

export function CallerForm({
  action,
  caller,
  canEdit,
}: {
  action: TAction;
  caller: { id: string; name: string; notes: string; tags: string[]; isVip: boolean; isBlocked: boolean };
  canEdit: boolean;
}) {
  const [state, formAction] = useActionState(action, undefined);
  const values = state?.values;
  return (
    <form action={formAction} className="space-y-4" aria-label="Caller details">
      <input type="hidden" name="callerId" value={caller.id} />
      <fieldset disabled={!canEdit} className="space-y-4">
        <Field label="Name" name="name" defaultValue={values?.name ?? caller.name} maxLength={200} error={state?.fieldErrors?.name} hint="Calls keep it up to date until someone edits it here." />
        <div className="space-y-1">
          <label htmlFor="caller-notes" className="block text-sm font-medium text-slate-700">Notes</label>
          <textarea id="caller-notes" name="notes" rows={4} maxLength={10_000} defaultValue={values?.notes ?? caller.notes} className={inputClass} />
          {state?.fieldErrors?.notes && <p className="text-sm text-red-600">{state.fieldErrors.notes}</p>}
        </div>
        <Field label="Tags" name="tags" defaultValue={values?.tags ?? caller.tags.join(", ")} hint="Separated by commas, e.g. billing, new patient" error={state?.fieldErrors?.tags} />
        <div className="flex flex-wrap gap-6 text-sm">
          <label className="flex items-center gap-2">
            <input type="checkbox" name="isVip" defaultChecked={caller.isVip} /> VIP
            <span className="text-xs text-slate-500">(routed to the agent&apos;s VIP department, when it has one)</span>
          </label>
          <label className="flex items-center gap-2">
            <input type="checkbox" name="isBlocked" defaultChecked={caller.isBlocked} /> Blocked
            <span className="text-xs text-slate-500">(hears a polite refusal; the agent never answers)</span>
          </label>
        </div>
      </fieldset>
      {canEdit && <SubmitButton pendingText="Saving…">Save caller</SubmitButton>}
      {state?.error && <Alert tone="error">{state.error}</Alert>}
      {state?.success && <Alert tone="success">{state.success}</Alert>}
    </form>
  );
}
