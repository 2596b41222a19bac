"use client";
import { useActionState } from "react";
import type { TActionState } from "@/lib/auth/entry-points";
import { SubmitButton } from "@/components/ui/button";
import { SelectField } from "@/components/ui/field";
import { FormFooter, FormMessages, useDraftForm } from "./use-draft-form";

type TAction = (prev: TActionState | undefined, formData: FormData) => Promise<TActionState>;

export function CallerOptionsForm({
  action,
  agentId,
  canEdit,
  initial,
  departments,
}: {
  action: TAction;
  agentId: string;
  canEdit: boolean;
  initial: { isPersonalizationEnabled: boolean; vipDepartmentId: string };
  departments: { id: string; name: string }[];
}) {
  const [state, formAction] = useActionState(action, undefined);
  const { formRef, isDirty } = useDraftForm(state);
  return (
    <form ref={formRef} action={formAction} className="space-y-4" aria-label="Returning and VIP callers">
      <input type="hidden" name="agentId" value={agentId} />
      <FormMessages state={state} />
      <fieldset disabled={!canEdit} className="space-y-4">
        <label className="flex items-start gap-2 text-sm">
          <input type="checkbox" name="isPersonalizationEnabled" defaultChecked={initial.isPersonalizationEnabled} className="mt-1" />
          <span>
            <span className="font-medium text-slate-900">Greet returning callers by name</span>
            <span className="block text-slate-500">
              The agent greets a caller it knows by first name and mentions a request still waiting for a callback. Caller ID can be faked, so it never
              repeats what earlier calls or messages said.
            </span>
          </span>
        </label>
        <SelectField label="VIP callers go straight to" name="vipDepartmentId" defaultValue={initial.vipDepartmentId} error={state?.fieldErrors?.vipDepartmentId}>
          <option value="">The agent, like everyone else</option>
          {departments.map((d) => (
            <option key={d.id} value={d.id}>{d.name}</option>
          ))}
        </SelectField>
        <p className="text-xs text-slate-500">Mark callers VIP on their caller page. During business hours their calls ring the department directly; after hours the agent answers.</p>
      </fieldset>
      {canEdit && (
        <FormFooter isDirty={isDirty}>
          <SubmitButton pendingText="Saving…">Save caller options</SubmitButton>
        </FormFooter>
      )}
    </form>
  );
}
