"use client";
import { useActionState, useState } from "react";
import { createApiKeyAction, revokeApiKeyAction } from "@/app/t/[slug]/settings/api-keys/actions";
import { Alert } from "@/components/ui/alert";
import { Button, SubmitButton } from "@/components/ui/button";
import { Field } from "@/components/ui/field";

export function CopyField({ label, value, testId }: { label: string; value: string; testId?: string }) {
  const [isCopied, setIsCopied] = useState(false);
  return (
    <div className="flex gap-2">
      <input readOnly value={value} aria-label={label} data-testid={testId} onFocus={(e) => e.currentTarget.select()} className="min-w-0 flex-1 rounded-md bg-slate-50 px-3 py-2 font-mono text-xs ring-1 ring-slate-200" />
      <Button
        type="button"
        variant="secondary"
        onClick={async () => {
          await navigator.clipboard?.writeText(value).catch(() => {});
          setIsCopied(true);
        }}
      >
        {isCopied ? "Copied" : "Copy"}
      </Button>
    </div>
  );
}

export function CreateApiKeyForm({ slug }: { slug: string }) {
  const [state, action] = useActionState(createApiKeyAction.bind(null, slug), undefined);
  const key = typeof state?.data?.key === "string" ? state.data.key : undefined;
  return (
    <form action={action} className="space-y-4" noValidate>
      {state?.error && <Alert tone="error">{state.error}</Alert>}
      {state?.success && <Alert tone="success">{state.success}</Alert>}
      {key && <CopyField label="New API key" value={key} testId="new-api-key" />}
      <div className="grid gap-4 sm:grid-cols-[1fr_auto] sm:items-end">
        <Field label="Key name" name="name" placeholder="e.g. CRM sync" defaultValue={state?.success ? "" : state?.values?.name} error={state?.fieldErrors?.name} maxLength={80} required />
        <SubmitButton pendingText="Creating…">Create key</SubmitButton>
      </div>
    </form>
  );
}

export function RevokeApiKeyButton({ slug, apiKeyId, name }: { slug: string; apiKeyId: string; name: string }) {
  const [state, action] = useActionState(revokeApiKeyAction.bind(null, slug), undefined);
  return (
    <form
      action={action}
      onSubmit={(e) => {
        if (!confirm(`Revoke the key "${name}"? Anything using it stops working immediately.`)) e.preventDefault();
      }}
    >
      <input type="hidden" name="apiKeyId" value={apiKeyId} />
      <SubmitButton variant="ghost" className="text-red-600" pendingText="Revoking…" aria-label={`Revoke ${name}`}>
        Revoke
      </SubmitButton>
      {state?.error && <span className="text-xs text-red-600">{state.error}</span>}
    </form>
  );
}
