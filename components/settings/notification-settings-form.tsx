"use client";
import { useActionState } from "react";
import type { TActionState } from "@/lib/auth/entry-points";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { Field, SelectField } from "@/components/ui/field";

type TAction = (prev: TActionState | undefined, formData: FormData) => Promise<TActionState>;

export function NotificationSettingsForm({
  action,
  initial,
  canEdit,
  isEmailConfigured,
}: {
  action: TAction;
  initial: { emailMode: string; smsMode: string; smsPhone: string };
  canEdit: boolean;
  isEmailConfigured: boolean;
}) {
  const [state, formAction] = useActionState(action, undefined);
  const v = state?.values;
  return (
    <form action={formAction} className="space-y-4" aria-label="Your notifications">
      <fieldset disabled={!canEdit} className="grid gap-4 md:grid-cols-3">
        <SelectField label="Email me about new messages" name="emailMode" defaultValue={v?.emailMode ?? initial.emailMode} error={state?.fieldErrors?.emailMode}>
          <option value="all">Every message</option>
          <option value="urgent">Urgent messages only</option>
          <option value="digest">A daily digest</option>
          <option value="off">Never</option>
        </SelectField>
        <SelectField label="Text me" name="smsMode" defaultValue={v?.smsMode ?? initial.smsMode} error={state?.fieldErrors?.smsMode}>
          <option value="off">Never</option>
          <option value="urgent">Urgent messages only</option>
          <option value="all">Every message</option>
        </SelectField>
        <Field label="Mobile number for texts" name="smsPhone" defaultValue={v?.smsPhone ?? initial.smsPhone} placeholder="+14155550123" error={state?.fieldErrors?.smsPhone ?? (state?.error?.includes("mobile number") ? state.error : undefined)} hint="Sent from one of the team's numbers." />
      </fieldset>
      {!isEmailConfigured && <Alert tone="info">Email is not configured on this installation (SMTP_URL): email deliveries are recorded as skipped.</Alert>}
      {canEdit && <SubmitButton pendingText="Saving…">Save notifications</SubmitButton>}
      {state?.error && !state.error.includes("mobile number") && <Alert tone="error">{state.error}</Alert>}
      {state?.success && <Alert tone="success">{state.success}</Alert>}
    </form>
  );
}
