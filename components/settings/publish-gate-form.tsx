"use client";
import { useActionState } from "react";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { SelectField } from "@/components/ui/field";

// Settings › Publishing: whether an agent's test suite must pass on the exact draft before it can be published.
type TState = { error?: string; success?: string } | undefined;

// action: updatePublishGateAction bound to the team's slug.
export function PublishGateForm({
  canEdit,
  isRequired,
  action: save,
}: {
  canEdit: boolean;
  isRequired: boolean;
  action: (prev: TState, form: FormData) => Promise<TState>;
}) {
  const [state, action] = useActionState(save, undefined);
  return (
    <form action={action} className="max-w-lg space-y-4" noValidate>
      {state?.error && <Alert tone="error">{state.error}</Alert>}
      {state?.success && <Alert tone="success">{state.success}</Alert>}
      <fieldset disabled={!canEdit}>
        <SelectField label="Test suite before publishing" name="publishGate" defaultValue={isRequired ? "required" : "optional"}>
          <option value="optional">Offered: publishing shows the last run and regressions, and goes ahead</option>
          <option value="required">Required: every scenario must pass on the draft being published</option>
        </SelectField>
      </fieldset>
      {canEdit && <SubmitButton pendingText="Saving…">Save publishing rule</SubmitButton>}
    </form>
  );
}
