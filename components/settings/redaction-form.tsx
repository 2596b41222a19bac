"use client";
import { useActionState } from "react";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import type { TActionState } from "@/lib/auth/entry-points";

type TSettings = { cardNumbers: boolean; ssns: boolean; emails: boolean; phoneNumbers: boolean };

const KINDS: { key: keyof TSettings; label: string; hint: string }[] = [
  { key: "cardNumbers", label: "Payment card numbers", hint: "13 to 19 digits that pass the Luhn check, spoken as words or digits. Replaced by [card number]." },
  { key: "ssns", label: "US Social Security numbers", hint: "123-45-6789, or nine digits said while talking about a social security number. Replaced by [SSN]." },
  { key: "emails", label: "Email addresses", hint: "Typed or spoken (\"jane dot doe at example dot com\"). Replaced by [email]." },
  { key: "phoneNumbers", label: "Phone numbers", hint: "Phone numbers said during the call (the caller ID of the call is kept). Replaced by [phone number]." },
];

export function RedactionForm({
  initial,
  canEdit,
  action: saveAction,
}: {
  initial: TSettings;
  canEdit: boolean;
  action: (prev: TActionState | undefined, formData: FormData) => Promise<TActionState>;
}) {
  const [state, action] = useActionState(saveAction, undefined);
  return (
    <form action={action} className="max-w-2xl space-y-4">
      {state?.error && <Alert tone="error">{state.error}</Alert>}
      {state?.success && <Alert tone="success">{state.success}</Alert>}
      {!canEdit && <Alert tone="info">Only owners and admins can change what is redacted.</Alert>}
      <fieldset disabled={!canEdit} className="space-y-3">
        {KINDS.map((kind) => (
          <label key={kind.key} className="flex items-start gap-3">
            <input type="checkbox" name={kind.key} defaultChecked={initial[kind.key]} className="mt-1 size-4 rounded border-slate-300" />
            <span>
              <span className="block text-sm font-medium text-slate-800">{kind.label}</span>
              <span className="block text-xs text-slate-500">{kind.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {canEdit && <SubmitButton pendingText="Saving…">Save redaction settings</SubmitButton>}
    </form>
  );
}
